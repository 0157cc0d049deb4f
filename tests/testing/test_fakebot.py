"""The fake transport: the real core and plugins, no homeserver, answers in milliseconds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings

from matrixbot.testing.fakebot import FakeBot
from matrixbot.time import FakeClock


@pytest.fixture
async def bot(tmp_path):
    clock = FakeClock("2024-02-20 12:00", "Europe/London")
    fake = await FakeBot.create(tmp_path, plugins=[DatePoll, Meetings], clock=clock)
    yield fake
    await fake.stop()


async def test_help_and_admin_rights(bot):
    room = bot.room("@alice:x", "@bob:x", admins=["@alice:x"])
    assert "!poll" in (await bot.say(room, "@bob:x", "!help")).body
    assert "Only a room admin" in (await bot.say(room, "@bob:x", "!disable datepoll")).body
    assert "datepoll is now off" in (await bot.say(room, "@alice:x", "!disable datepoll")).body
    assert "off in this room" in (await bot.say(room, "@bob:x", "!polls")).body


async def test_typo_is_flagged(bot):
    room = bot.room("@alice:x")
    reply = await bot.say(
        room, "@alice:x", "!poll MoU call\n3-4pm Monday 26th February 2024\n3-4pm Tuesday 5th March 2014"
    )
    assert "5 March 2014 was a Wednesday, not a Tuesday; did you mean Tuesday 5 March 2024?" in reply.body
    assert reply.msgtype == "m.notice"


async def test_reminder_reveals_the_code_when_due(bot):
    room = bot.room("@alice:x", "@bob:x")
    made = await bot.say(
        room,
        "@alice:x",
        "!meeting Call\nwhen: tomorrow 3pm\ncode: 486072\nremind: 10 minutes\nnotify: @bob:x",
    )
    assert "486072" not in made.body and "••••••" in made.body
    assert await bot.run_due() == []
    bot.clock.advance(timedelta(hours=26, minutes=50))
    [reminder] = [p for p in await bot.run_due() if p.msgtype == "m.text"]
    assert "486072" in reminder.body and reminder.mentions == ["@bob:x"]
    assert await bot.run_due() == []


async def test_a_command_handled_again_after_a_crash_creates_nothing_twice(bot):
    """The inbox re-handles a command whose handling was cut short; nothing may be made twice."""
    from matrixbot.matrix.events import RoomEvent

    room = bot.room("@alice:x")
    for body in ("!meeting Call\nwhen: tomorrow 3pm\nremind: 10 minutes", "!remind tomorrow 9am invoices"):
        content = {"msgtype": "m.text", "body": body}
        event = RoomEvent(f"$cmd{len(body)}", room, "@alice:x", "m.room.message", content)
        before = len(bot.fake.posted)
        await bot.dispatcher.handle(event)
        jobs = await bot.db.fetch_value("SELECT COUNT(*) FROM jobs")
        await bot.dispatcher.handle(event)
        assert len(bot.fake.posted) == before + 1, "the second answer reuses the first one's transaction id"
        assert await bot.db.fetch_value("SELECT COUNT(*) FROM jobs") == jobs
    assert await bot.db.fetch_value("SELECT COUNT(*) FROM meetings_meetings") == 1
    assert await bot.db.fetch_value("SELECT COUNT(*) FROM meetings_reminders") == 1
