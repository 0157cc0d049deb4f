"""Open check-in rounds' closes on the room's calendar (`Checkins.calendar_items`)."""

from __future__ import annotations

from datetime import timedelta

from matrixbot.plugins.checkins import Checkins

from matrixbot.time import FakeClock

ALICE = "@alice:x"


async def test_an_open_rounds_close_is_a_deadline_on_the_calendar(fake_bot):
    bot = await fake_bot(plugins=[Checkins], clock=FakeClock("2024-03-04 10:00", "Europe/London"))
    room = bot.room(ALICE, "@bob:x", admins=[ALICE])
    await bot.say(room, ALICE, "!checkin start Are you still active?\ncloses: 2 weeks")
    now = bot.clock.now()
    plugin = bot.plugin(Checkins)
    (item,) = await plugin.calendar_items(room, now - timedelta(days=90), now + timedelta(days=700))
    round_ = next(iter((await plugin.store.open_rounds(room)).values()))
    assert (item.key, item.start, item.end) == ("C1", round_.closes_at, round_.closes_at)
    assert item.title == "Check-in closes: Are you still active?" and not item.busy
    assert "!here C1" in item.details
    bot.clock.advance(timedelta(weeks=2, hours=1))
    await bot.run_due()
    assert await plugin.calendar_items(room, now, now + timedelta(days=700)) == [], "closed: no deadline left"
