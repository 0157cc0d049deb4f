"""Open polls' deadlines on the room's calendar (`DatePoll.calendar_items`): a moment at the
deadline, free time, with the options; a poll without a deadline or closed already has none."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from matrixbot.plugins.datepoll import DatePoll

from matrixbot.testing.fakebot import FakeBot
from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock

ALICE = "@alice:x"


@pytest.fixture
async def bot(fake_bot: MakeFakeBot) -> FakeBot:
    return await fake_bot(plugins=[DatePoll], clock=FakeClock("2024-03-01 12:00", "Europe/London"))


async def test_only_open_polls_with_a_deadline_are_on_the_calendar(bot):
    room = bot.room(ALICE, "@bob:x", admins=[ALICE])
    await bot.say(
        room, ALICE, "!poll Social\n7pm Fri 22 March 2024\n7pm Sat 23 March 2024\ncloses: 15 March 2024 5pm"
    )
    await bot.say(room, ALICE, "!poll AGM\n7pm Fri 5 April 2024\n7pm Sat 6 April 2024")
    await bot.say(
        room, ALICE, "!poll Retreat\n10am Sat 4 May 2024\n10am Sun 5 May 2024\ncloses: 20 March 2024 5pm"
    )
    await bot.send(room, ALICE, "m.room.message", {"msgtype": "m.text", "body": "!poll close P3"})
    now = bot.clock.now()
    found = await bot.plugin(DatePoll).calendar_items(
        room, now - timedelta(days=90), now + timedelta(days=700)
    )
    assert [i.key for i in found] == ["P1"]
    deadline = found[0]
    assert deadline.start == deadline.end == datetime(2024, 3, 15, 17, tzinfo=ZoneInfo("Europe/London"))
    assert deadline.title == "Poll closes: Social" and not deadline.busy
    assert "1. Fri 22 Mar 2024, 19:00 GMT" in deadline.details and "!vote P1" in deadline.details
