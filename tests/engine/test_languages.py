"""The engine's own words in the room's language (or, for an answer, the member's own): the hello,
an unknown command, a command of a plugin that is off, a refusal, a usage error."""

from __future__ import annotations

from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings

from matrixbot.testing import MakeFakeBot

ALICE, BOB = "@alice:x", "@bob:x"


async def test_the_hello_is_in_the_room_s_language(fake_bot: MakeFakeBot) -> None:
    bot = await fake_bot(plugins=[DatePoll, Meetings])
    room = bot.room(ALICE, BOB, admins=[ALICE], bot_level=0)
    await bot.say(room, ALICE, "!set language de")
    [hello] = await bot.arrive(room)
    assert hello.body.startswith(
        "👋 Hallo! Ich bin ein Bot. In diesem Raum an: datepoll, meetings (!plugins erklärt, was sie tun).\n"
        "Schreib !help, um zu sehen, welche Befehle du hier nutzen kannst.\n"
        "Ich darf hier keine Nachrichten entfernen, also kann ich vor "
    )
    assert hello.body.endswith("Gebt mir Berechtigungsstufe 50 (Moderator), dann entferne ich sie.")
    direct = bot.room(BOB)
    await bot.say(direct, BOB, "!set my language es")  # a member's own language: not the room's
    [short] = await bot.arrive(direct, direct=True)
    assert short.body.startswith("👋 Hello! This is a direct chat with me")


async def test_unknown_and_switched_off_commands_and_refusals_in_the_member_s_language(
    fake_bot: MakeFakeBot,
) -> None:
    bot = await fake_bot(plugins=[DatePoll])
    room = bot.room(ALICE, BOB, admins=[ALICE])
    await bot.say(room, ALICE, "!set language es")
    assert (
        await bot.say(room, BOB, "!pol")
    ).body == "No conozco !pol. ¿Querías decir !poll o !polls? Prueba !help."
    assert (
        await bot.say(room, BOB, "!disable datepoll")
    ).body == "Solo un admin de la sala (alice) puede usar !disable."
    await bot.say(room, ALICE, "!disable datepoll")
    off = await bot.say(room, BOB, "!polls")
    assert off.body == (
        "!polls es del plugin datepoll, que está desactivado en esta sala. "
        "Un admin de la sala (alice) puede activarlo con !enable datepoll."
    )
    await bot.say(room, BOB, "!set my language fr")
    assert (await bot.say(room, BOB, "!pol")).body == "Je ne connais pas !pol. Essaie !help.", (
        "datepoll is off"
    )


async def test_a_usage_error_is_in_the_language_with_its_example(fake_bot: MakeFakeBot) -> None:
    bot = await fake_bot(plugins=[DatePoll])
    room = bot.room(ALICE, admins=[ALICE])
    await bot.say(room, ALICE, "!set language fr")
    missing = await bot.say(room, ALICE, "!poll pick")
    assert (
        missing.body
        == "Il manque N : ça vient après !poll pick, p. ex. !poll pick P3 2.\nUtilisation : !poll pick [ID] N"
    )
    wrong = await bot.say(room, ALICE, "!poll close X3")
    assert wrong.body.startswith("« X3 » n'est pas un identifiant de sondage (ils ressemblent à P12).")
    none = await bot.say(room, ALICE, "!poll close")
    assert none.body == "Il n'y a pas de sondages en cours dans ce salon."
