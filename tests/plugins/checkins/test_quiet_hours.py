"""Check-ins keep to the room's working hours (default Mon-Fri 09:00-18:00): a round started at
night, clock changes, weekends, a repeating series over months, `at:`, `working_hours off`, and a
changed setting. On the fake transport and the bot's clock."""

from __future__ import annotations

from matrixbot.plugins.checkins import Checkins

from matrixbot.testing import FakeBot, FakeClock, MakeFakeBot, Posted

ALICE, BOB = "@alice:x", "@bob:x"
LONDON = "Europe/London"
QUARTERLY = "!checkin start Are you still active?\nevery: 3 months\nnudge: 3 days\ncloses: 2 weeks"


async def checkins_bot(fake_bot: MakeFakeBot, now: str) -> tuple[FakeBot, FakeClock, str]:
    clock = FakeClock(now, LONDON)
    bot = await fake_bot(plugins=[Checkins], clock=clock)
    return bot, clock, bot.room(ALICE, BOB, admins=[ALICE])


async def run_at(bot: FakeBot, clock: FakeClock, when: str) -> list[Posted]:
    clock.set(when, LONDON)
    return await bot.run_due()


def one(posted: list[Posted], text: str) -> Posted:
    [found] = [p for p in posted if text in p.body]
    return found


async def test_a_round_started_at_night_nudges_and_closes_in_working_hours_and_says_its_real_next_date(
    fake_bot: MakeFakeBot,
) -> None:
    bot, clock, room = await checkins_bot(fake_bot, "2026-12-06 01:47")  # a Sunday night
    posted = await bot.send(room, ALICE, "m.room.message", {"msgtype": "m.text", "body": QUARTERLY})
    started = one(posted, "Started check-in C1").body
    assert "Nudge Wed 9 Dec 2026, 09:00 GMT, closes Mon 21 Dec 2026, 09:00 GMT." in started
    # 6 March 2027, 01:47 is a Saturday night: the round opens on Monday morning, and says so now
    assert "A new round opens every 3 months; the next on Mon 8 Mar 2027, 09:00 GMT." in started
    assert "Times outside this room's working hours (Mon-Fri 09:00-18:00) moved" in started
    assert "Closes Mon 21 Dec 2026, 09:00 GMT." in one(posted, "Check-in C1 from").body

    assert await run_at(bot, clock, "2026-12-09 01:47") == [], "no nudge at night"
    assert await run_at(bot, clock, "2026-12-09 08:59") == []
    nudge = one(await run_at(bot, clock, "2026-12-09 09:00"), "Reminder")
    assert nudge.body.startswith("Reminder (moved from 01:47 to working hours): check-in C1")
    assert nudge.mentions == [ALICE, BOB] and "late" not in nudge.body

    assert await run_at(bot, clock, "2026-12-20 01:47") == [], "no close on a Sunday night"
    closed = one(await run_at(bot, clock, "2026-12-21 09:00"), "has closed")
    assert "Check-in C1 has closed (moved from Sunday 01:47 to working hours):" in closed.body

    assert await run_at(bot, clock, "2027-03-06 01:47") == []
    second = one(await run_at(bot, clock, "2027-03-08 09:00"), "Check-in C2")
    assert "Check-in C2 from alice (moved from Saturday 01:47 to working hours):" in second.body
    status = await bot.say(room, BOB, "!checkin status C2")
    assert "Opened Mon 8 Mar 2027, 09:00 GMT; closes Mon 22 Mar 2027, 09:00 GMT." in status.body

    # 6 June 2027 is a Sunday, in summer time: Monday 09:00 BST, as the job and !checkin stop say
    stopped = await bot.say(room, ALICE, "!checkin stop")
    assert "The next round, due Mon 7 Jun 2027, 09:00 BST, is off." in stopped.body


async def test_quiet_hours_across_the_spring_clock_change_and_a_weekend(fake_bot: MakeFakeBot) -> None:
    bot, clock, room = await checkins_bot(fake_bot, "2024-03-29 19:30")  # Friday evening, GMT
    await bot.say(room, ALICE, "!set checkin_nudge dm")
    started = await bot.say(room, ALICE, "!checkin start Still with us?\nnudge: 1 day\ncloses: 3 days")
    # Saturday 19:30 GMT waits for Monday 09:00 BST; three days on is Monday 19:30 BST: Tuesday
    assert "Nudge Mon 1 Apr 2024, 09:00 BST, closes Tue 2 Apr 2024, 09:00 BST." in started.body

    assert await run_at(bot, clock, "2024-03-30 19:30") == []
    assert await run_at(bot, clock, "2024-04-01 08:59") == []
    dms = [p for p in await run_at(bot, clock, "2024-04-01 09:00") if p.room_id != room]
    assert {p.mentions[0] for p in dms} == {ALICE, BOB}
    assert all(p.body.startswith("Reminder (moved from Saturday 19:30 to working hours):") for p in dms)

    assert await run_at(bot, clock, "2024-04-01 19:30") == []
    closed = one(await run_at(bot, clock, "2024-04-02 09:00"), "has closed")
    assert "(moved from Monday 19:30 to working hours)" in closed.body


async def test_quiet_hours_across_the_autumn_clock_change(fake_bot: MakeFakeBot) -> None:
    bot, clock, room = await checkins_bot(fake_bot, "2024-10-26 23:00")  # Saturday, BST, the night before
    started = await bot.say(room, ALICE, "!checkin start Still with us?\nnudge: 1 day\ncloses: 2 days")
    assert "Nudge Mon 28 Oct 2024, 09:00 GMT, closes Tue 29 Oct 2024, 09:00 GMT." in started.body
    assert await run_at(bot, clock, "2024-10-28 08:59") == []
    nudge = one(await run_at(bot, clock, "2024-10-28 09:00"), "Reminder")
    assert "(moved from Sunday 23:00 to working hours)" in nudge.body  # a day on, same clock time: 23:00 GMT


async def test_a_nudge_that_would_come_with_the_close_is_left_out(fake_bot: MakeFakeBot) -> None:
    bot, clock, room = await checkins_bot(fake_bot, "2024-03-08 20:00")  # Friday evening
    started = await bot.say(room, ALICE, "!checkin start Still with us?\nnudge: 1 day\ncloses: 2 days")
    assert (
        "No nudge: outside working hours it would come with the close. Closes Mon 11 Mar 2024, 09:00 GMT."
        in (started.body)
    )
    posted = await run_at(bot, clock, "2024-03-11 09:00")
    assert [p.body.split("\n")[0] for p in posted] == [
        "Check-in C1 has closed (moved from Sunday 20:00 to working hours): Still with us?"
    ]


async def test_a_repeating_series_stays_on_working_days_across_months(fake_bot: MakeFakeBot) -> None:
    bot, clock, room = await checkins_bot(fake_bot, "2025-01-15 10:00")  # a Wednesday
    started = await bot.say(
        room, ALICE, "!checkin start Still active?\nevery: 1 month\nnudge: 2 days\ncloses: 1 week"
    )
    assert "the next on Mon 17 Feb 2025, 09:00 GMT." in started.body
    rounds = [  # the 15th of each month; a weekend's round opens on Monday morning, without drifting
        ("2025-02-17 09:00", "C2", "Saturday 10:00"),
        ("2025-03-17 09:00", "C3", "Saturday 10:00"),
        ("2025-04-15 10:00", "C4", None),
        ("2025-05-15 10:00", "C5", None),
        ("2025-06-16 09:00", "C6", "Sunday 10:00"),
    ]
    for when, ref, moved_from in rounds:
        clock.set(when, LONDON)
        clock.advance(-60)
        assert not [p for p in await bot.run_due() if f"Check-in {ref}" in p.body], f"{ref} opened early"
        question = one(await run_at(bot, clock, when), f"Check-in {ref} from")
        note = f"(moved from {moved_from} to working hours)"
        assert (note in question.body) == (moved_from is not None), question.body


async def test_a_round_at_a_chosen_clock_time_keeps_it_and_only_leaves_days_off(
    fake_bot: MakeFakeBot,
) -> None:
    bot, _, room = await checkins_bot(fake_bot, "2025-01-15 10:00")
    started = await bot.say(
        room, ALICE, "!checkin start Early birds?\nevery: 1 month\nnudge: 2 days\ncloses: 1 week\nat: 7am"
    )
    # the organiser chose 07:00: kept, though before the working hours; Saturday 15 Feb moves to Monday
    assert "the next on Mon 17 Feb 2025, 07:00 GMT." in started.body


async def test_working_hours_off_moves_nothing(fake_bot: MakeFakeBot) -> None:
    bot, clock, room = await checkins_bot(fake_bot, "2026-12-06 01:47")
    assert "working_hours is now off." in (await bot.say(room, ALICE, "!set working_hours off")).body
    posted = await bot.send(room, ALICE, "m.room.message", {"msgtype": "m.text", "body": QUARTERLY})
    started = one(posted, "Started check-in C1").body
    assert "Nudge Wed 9 Dec 2026, 01:47 GMT, closes Sun 20 Dec 2026, 01:47 GMT." in started
    assert "the next on Sat 6 Mar 2027, 01:47 GMT." in started and "working hours" not in started
    nudge = one(await run_at(bot, clock, "2026-12-09 01:47"), "Reminder")
    assert nudge.body.startswith("Reminder: check-in C1") and "moved" not in nudge.body


async def test_a_changed_setting_applies_to_what_is_scheduled_next(fake_bot: MakeFakeBot) -> None:
    bot, clock, room = await checkins_bot(fake_bot, "2024-03-04 20:00")  # Monday evening
    started = await bot.say(
        room, ALICE, "!checkin start Still here?\nevery: 1 week\nnudge: 1 day\ncloses: 2 days"
    )
    assert "Nudge Wed 6 Mar 2024, 09:00 GMT, closes Thu 7 Mar 2024, 09:00 GMT." in started.body
    assert "the next on Tue 12 Mar 2024, 09:00 GMT." in started.body
    changed = await bot.say(room, ALICE, "!set working_hours mon-fri 10am-4pm")
    assert "working_hours is now Mon-Fri 10:00-16:00." in changed.body

    # what was announced keeps its time; what is scheduled from now on keeps the new hours
    assert one(await run_at(bot, clock, "2024-03-06 09:00"), "Reminder")
    assert one(await run_at(bot, clock, "2024-03-12 09:00"), "Check-in C2 from")
    assert await run_at(bot, clock, "2024-03-13 09:00") == [], "C2's nudge (Wed 09:00) waits for 10:00"
    nudge = one(await run_at(bot, clock, "2024-03-13 10:00"), "Reminder")
    assert "(moved from 09:00 to working hours)" in nudge.body
    stopped = await bot.say(room, ALICE, "!checkin stop")
    assert "The next round, due Tue 19 Mar 2024, 10:00 GMT, is off." in stopped.body
    clock.set("2024-03-13 17:00", LONDON)
    other = await bot.say(room, BOB, "!checkin start One more?\nnudge: 1 day\ncloses: 2 days")
    assert "Nudge Fri 15 Mar 2024, 10:00 GMT, closes Mon 18 Mar 2024, 10:00 GMT." in other.body
