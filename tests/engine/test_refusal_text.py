"""A refusal reads as a sentence, but a name the person typed is shown as written."""

from __future__ import annotations

import pytest
from matrixbot.plugins.checkins import Checkins

from matrixbot.api.context import as_sentence
from matrixbot.testing.fakebot import FakeBot


async def test_a_setting_name_is_shown_as_written(tmp_path):
    bot = await FakeBot.create(tmp_path, plugins=[Checkins])
    try:
        room = bot.room("@alice:x", admins=["@alice:x"])
        reply = await bot.say(room, "@alice:x", "!set checkin_nudge email")
        assert reply.body.startswith("checkin_nudge must be one of: room, dm"), reply.body
    finally:
        await bot.stop()


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("expected a number, not 'x'", "Expected a number, not 'x'"),
        ("line 3: 'at:' takes a time of day", "Line 3: 'at:' takes a time of day"),
        ("checkin_nudge must be one of: room, dm", "checkin_nudge must be one of: room, dm"),
        ("nudges must be one of: room, dm", "nudges must be one of: room, dm"),  # a declared name
        ("meetings is off here", "meetings is off here"),  # a plugin
        ("@bob:x is not a member", "@bob:x is not a member"),
        ("'Berln' is not a time zone", "'Berln' is not a time zone"),
        ("sign-ups close first", "Sign-ups close first"),
        ("", ""),
    ],
)
def test_as_sentence(message, shown):
    assert as_sentence(message, {"nudges", "meetings"}) == shown
