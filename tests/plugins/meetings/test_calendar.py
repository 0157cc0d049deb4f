"""The meetings on the room's calendar (`Meetings.calendar_items`): a repeat from its first
occurrence with the occurrences `!meeting skip` left out, a one-off that took place kept while it is
in the window, a cancelled one left out, the call link in, the access code never."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from matrixbot.plugins.meetings import Meetings

from matrixbot.testing.fakebot import FakeBot
from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock

ALICE = "@alice:x"
LONDON = ZoneInfo("Europe/London")
CODE = "913377"


@pytest.fixture
async def bot(fake_bot: MakeFakeBot) -> FakeBot:
    return await fake_bot(plugins=[Meetings], clock=FakeClock("2024-03-01 12:00", "Europe/London"))


@pytest.fixture
def room(bot: FakeBot) -> str:
    return bot.room(ALICE, "@bob:x", admins=[ALICE])


async def items(bot: FakeBot, room: str, days: int = 400):
    now = bot.clock.now()
    found = await bot.plugin(Meetings).calendar_items(
        room, now - timedelta(days=90), now + timedelta(days=days)
    )
    return {item.key: item for item in found}


async def test_a_repeat_carries_its_skips_and_the_call_link_but_never_the_code(bot, room):
    await bot.say(
        room,
        ALICE,
        f"!meeting Stand-up\nwhen: Monday 4 March 2024 9am\nrepeat: weekly\nurl: https://meet.example.coop/s\ncode: {CODE}",
    )
    await bot.say(room, ALICE, "!meeting skip M1")
    await bot.say(room, ALICE, "!meeting skip M1")
    item = (await items(bot, room))["M1"]
    assert item.start == datetime(2024, 3, 4, 9, tzinfo=LONDON) and item.end - item.start == timedelta(
        hours=1
    )
    assert item.skipped == (datetime(2024, 3, 4, 9, tzinfo=UTC), datetime(2024, 3, 11, 9, tzinfo=UTC))
    assert item.url == "https://meet.example.coop/s" and item.kind == "meeting"
    assert CODE not in repr(item)


async def test_skips_of_an_earlier_schedule_are_left_behind_by_an_edit(bot, room):
    await bot.say(room, ALICE, "!meeting Stand-up\nwhen: Monday 4 March 2024 9am\nrepeat: weekly")
    await bot.say(room, ALICE, "!meeting skip M1")
    await bot.say(room, ALICE, "!meeting edit M1\nwhen: Tuesday 12 March 2024 10am")
    item = (await items(bot, room))["M1"]
    assert item.start == datetime(2024, 3, 12, 10, tzinfo=LONDON) and item.skipped == ()


async def test_a_one_off_stays_after_it_took_place_and_a_cancelled_one_goes(bot, room):
    await bot.say(room, ALICE, "!meeting Budget\nwhen: 5 March 2024 3pm")
    await bot.say(room, ALICE, "!meeting Away day\nwhen: 20 March 2024 10am")
    bot.clock.set("2024-03-05 15:30", "Europe/London")
    await bot.run_due()
    done = await bot.plugin(Meetings).store.get(1)
    assert done is not None and done.state == "done"
    await bot.say(room, ALICE, "!meeting cancel M2")
    assert set(await items(bot, room)) == {"M1"}
    bot.clock.advance(timedelta(days=91))
    assert await items(bot, room) == {}, "out of the window"
