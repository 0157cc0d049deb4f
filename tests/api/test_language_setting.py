"""The room's language (`!set language de`, room admins) and each member's own (`!set my language
es`): answers to a member are in their own language, else the room's; what goes to the room is in
the room's. The config key `language` stays refused (the rooms' setting replaces it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from matrixbot.config import parse_config
from matrixbot.errors import ConfigError
from matrixbot.testing.pytest_plugin import MakeFakeBot

BASE = {"homeserver": "http://127.0.0.1:8008", "user_id": "@bot:example.org", "password": "pw"}
ALICE, BOB = "@alice:x", "@bob:x"


def test_a_config_with_language_is_refused_saying_what_to_do():
    with pytest.raises(ConfigError) as error:
        parse_config({**BASE, "languages": ["en", "de"], "language": "de"}, base_dir=Path("/srv"), env={})
    assert str(error.value).startswith("language: this setting was removed;")
    config = parse_config({**BASE, "languages": ["en", "de"]}, base_dir=Path("/srv"), env={})
    assert config.languages == ("en", "de")


@pytest.fixture
async def bot(fake_bot: MakeFakeBot):
    return await fake_bot(plugins=[])


async def test_a_room_admin_sets_the_room_s_language_and_the_bot_speaks_it(bot):
    room = bot.room(ALICE, BOB, admins=[ALICE])
    assert "language: en" in (await bot.say(room, ALICE, "!settings")).body
    refused = await bot.say(room, BOB, "!set language de")
    assert refused.body == "Only a room admin (alice) can change this room's settings."
    said = await bot.say(room, ALICE, "!set language Deutsch")
    assert said.body == "Ich schreibe in diesem Raum jetzt auf Deutsch.", "said in the new language"
    listed = (await bot.say(room, BOB, "!settings")).body
    assert listed.startswith("Einstellungen dieses Raums:") and "language: de — die Sprache" in listed
    assert (await bot.say(room, BOB, "!plugins")).body == "Es sind keine Plugins installiert."


async def test_an_unknown_language_is_refused_with_the_list_and_a_guess(bot):
    room = bot.room(ALICE, admins=[ALICE])
    said = await bot.say(room, ALICE, "!set language deutch")
    assert said.body == (
        "I don't speak 'deutch'. Languages: de (Deutsch), en (English), es (español), fr (français). "
        "Did you mean de (Deutsch)?"
    )
    assert "language: en" in (await bot.say(room, ALICE, "!settings")).body, "nothing was stored"
    mine = await bot.say(room, ALICE, "!set my language klingon")
    assert mine.body.startswith("I don't speak 'klingon'. Languages: de (Deutsch)")


async def test_a_member_s_own_language_is_used_for_their_answers_only(bot):
    room = bot.room(ALICE, BOB, admins=[ALICE])
    await bot.say(room, ALICE, "!set language fr")
    mine = await bot.say(room, BOB, "!set my language es")
    assert mine.body == "A partir de ahora te escribo en español."
    assert (await bot.say(room, BOB, "!nope")).body == "No conozco !nope. Prueba !help."
    assert (await bot.say(room, ALICE, "!nope")).body == "Je ne connais pas !nope. Essaie !help."
    listed = (await bot.say(room, BOB, "!settings")).body
    assert listed.startswith("Ajustes de esta sala:") and "Tu idioma: español" in listed
    back = await bot.say(room, BOB, "!set my language none")
    assert back.body == "Je t'écrirai dans la langue du salon."
    assert (await bot.say(room, BOB, "!nope")).body == "Je ne connais pas !nope. Essaie !help."


async def test_a_member_s_language_holds_in_every_room(bot):
    first, second = bot.room(ALICE, BOB), bot.room(BOB)
    await bot.say(first, BOB, "!set my language de")
    assert (await bot.say(second, BOB, "!nope")).body == "!nope kenne ich nicht. Probier !help."


async def test_a_stored_value_the_bot_does_not_speak_is_english(bot):
    """A `language` row left from before the setting was read (it took any value then)."""
    room = bot.room(ALICE, admins=[ALICE])
    await bot.database.execute(
        "INSERT INTO room_settings (room_id, key, value) VALUES (?, 'language', 'klingon')", (room,)
    )
    assert (await bot.say(room, ALICE, "!nope")).body == "I don't know !nope. Try !help."
