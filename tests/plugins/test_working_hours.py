"""The room's working hours (`!set working_hours`), the poll nudge that keeps to them, and what never
moves: a time a person set (`!remind`, a meeting's reminders and code reveal, a poll's `closes:`).
Check-ins' rounds, nudges and closes: checkins/test_quiet_hours.py."""

from __future__ import annotations

from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings

from matrixbot.testing import FakeBot, FakeClock, MakeFakeBot, Posted

ALICE, BOB = "@alice:x", "@bob:x"
LONDON = "Europe/London"


async def run_at(bot: FakeBot, clock: FakeClock, when: str) -> list[Posted]:
    clock.set(when, LONDON)
    return await bot.run_due()


async def test_admins_set_working_hours_as_they_type_them_or_turn_them_off(fake_bot: MakeFakeBot) -> None:
    bot = await fake_bot(plugins=[])
    room = bot.room(ALICE, BOB, admins=[ALICE])
    shown = await bot.say(room, BOB, "!settings")
    assert "working_hours: Mon-Fri 09:00-18:00 — when nudges and scheduled check-ins may go out" in shown.body

    assert "room admin" in (await bot.say(room, BOB, "!set working_hours off")).body
    bad = await bot.say(room, ALICE, "!set working_hours Mnday-Fri 9-5")
    assert "'mnday-fri' is not a day or a range of days like Mon-Fri." in bad.body
    assert "like 'Mon-Fri 09:00-18:00' or 'Sun-Thu 8am-4pm', or 'off'." in bad.body
    backwards = await bot.say(room, ALICE, "!set working_hours Mon-Fri 18:00-09:00")
    assert "The hours must end after they start" in backwards.body
    assert "working_hours: Mon-Fri 09:00-18:00" in (await bot.say(room, BOB, "!settings")).body, (
        "nothing stored"
    )

    changed = await bot.say(room, ALICE, "!set working_hours Sun-Thu 8am-4pm")
    assert "working_hours is now Mon-Thu, Sun 08:00-16:00." in changed.body
    assert "working_hours: Mon-Thu, Sun 08:00-16:00" in (await bot.say(room, BOB, "!settings")).body
    assert "working_hours is now off." in (await bot.say(room, ALICE, "!set working_hours OFF")).body
    assert "working_hours: off" in (await bot.say(room, BOB, "!settings")).body


POLL = "!poll Call\n3-4pm Monday 26th February 2024\n3-4pm Tuesday 27th February 2024\ncloses: {closes}"


async def test_a_poll_nudge_keeps_to_working_hours_and_its_deadline_never_moves(
    fake_bot: MakeFakeBot,
) -> None:
    clock = FakeClock("2024-02-22 12:00", LONDON)  # a Thursday
    bot = await fake_bot(plugins=[DatePoll], clock=clock)
    room = bot.room(ALICE, BOB)
    made = await bot.say(room, ALICE, POLL.format(closes="25 February 2024 12:00"))  # Sunday noon
    assert "Closes Sun 25 Feb 2024, 12:00 GMT" in made.body
    await bot.say(room, ALICE, "!vote 1")

    # the day-before nudge (Saturday noon) would wait for Monday, after the deadline: Friday morning
    assert await run_at(bot, clock, "2024-02-23 08:59") == []
    [nudge] = await run_at(bot, clock, "2024-02-23 09:00")
    assert nudge.mentions == [BOB]
    assert (
        "please vote in P1: Call (reminder moved from Saturday 12:00 to working hours). It closes"
        in nudge.body
    )

    assert await run_at(bot, clock, "2024-02-25 11:59") == []
    closed = await run_at(bot, clock, "2024-02-25 12:00")  # a Sunday: the deadline a person set holds
    closed += await bot.run_due()
    assert any("P1: Call is closed" in p.body for p in closed), [p.body for p in closed]


async def test_a_poll_nudge_out_of_hours_waits_for_the_next_working_morning(fake_bot: MakeFakeBot) -> None:
    clock = FakeClock("2024-02-23 20:00", LONDON)  # Friday evening
    bot = await fake_bot(plugins=[DatePoll], clock=clock)
    room = bot.room(ALICE, BOB)
    await bot.say(room, ALICE, POLL.format(closes="26 February 2024 10:00"))  # Monday 10:00
    assert await run_at(bot, clock, "2024-02-25 10:00") == [], "no nudge on Sunday"
    [nudge] = await run_at(bot, clock, "2024-02-26 09:00")
    assert "(reminder moved from Sunday 10:00 to working hours)" in nudge.body


async def test_reminders_and_a_meetings_code_reveal_keep_the_time_a_person_set(fake_bot: MakeFakeBot) -> None:
    clock = FakeClock("2024-03-01 12:00", LONDON)  # Friday; the default working hours are on
    bot = await fake_bot(plugins=[Meetings], clock=clock)
    room = bot.room(ALICE, BOB)
    await bot.say(room, ALICE, "!remind Saturday 7am water the plants")
    await bot.say(
        room,
        ALICE,
        "!meeting Night shift handover\nwhen: Sunday 3 March 2024 6am\ncode: 486072\nremind: 10 minutes",
    )
    assert await run_at(bot, clock, "2024-03-02 06:59") == []
    [reminder] = await run_at(bot, clock, "2024-03-02 07:00")
    assert "water the plants" in reminder.body and "moved" not in reminder.body

    assert await run_at(bot, clock, "2024-03-03 05:49") == []
    [revealed] = await run_at(bot, clock, "2024-03-03 05:50")
    assert "Night shift handover" in revealed.body and "486072" in revealed.body
    assert "moved" not in revealed.body
