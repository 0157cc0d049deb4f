"""The room setting `language` is gone: a config naming it is refused with what to do, and rooms
whose database still holds a `language` row work as before without listing it."""

from pathlib import Path

import pytest

from matrixbot.config import parse_config
from matrixbot.errors import ConfigError
from matrixbot.testing.fakebot import FakeBot

BASE = {"homeserver": "http://127.0.0.1:8008", "user_id": "@bot:example.org", "password": "pw"}


def test_a_config_with_language_is_refused_saying_what_to_do():
    with pytest.raises(ConfigError) as error:
        parse_config({**BASE, "languages": ["en", "de"], "language": "de"}, base_dir=Path("/srv"), env={})
    assert str(error.value).startswith("language: this setting was removed;")
    assert "delete the `language:` line" in str(error.value)
    config = parse_config({**BASE, "languages": ["en", "de"]}, base_dir=Path("/srv"), env={})
    assert config.languages == ("en", "de")


async def test_a_stored_language_row_is_neither_listed_nor_settable(tmp_path):
    bot = await FakeBot.create(tmp_path)
    try:
        room = bot.room("@alice:x", admins=["@alice:x"])
        await bot.database.execute(
            "INSERT INTO room_settings (room_id, key, value) VALUES (?, 'language', 'de')", (room,)
        )
        listed = (await bot.say(room, "@alice:x", "!settings")).body
        assert "timezone" in listed and "language" not in listed
        refused = (await bot.say(room, "@alice:x", "!set language de")).body
        assert "There is no setting 'language'" in refused
        assert "Europe/Paris" in (await bot.say(room, "@alice:x", "!set timezone Europe/Paris")).body
    finally:
        await bot.stop()
