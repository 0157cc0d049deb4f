"""A check-in answer counts when it was sent while the round was open, however late it reaches the
bot (down, busy or rate-limited); a summary already posted is corrected and the room told."""

from __future__ import annotations

from datetime import timedelta

from matrixbot.plugins.checkins import Checkins

from matrixbot.testing import FakeBot
from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock

ALICE, BOB, CAROL = "@alice:x", "@bob:x", "@carol:x"
START = "!checkin start Still active?\nnudge: 1 hour\ncloses: 2 hours"


async def _bot(fake_bot: MakeFakeBot) -> tuple[FakeBot, str]:
    bot = await fake_bot(plugins=[Checkins], clock=FakeClock("2027-03-01 10:00", "Europe/London"))  # a Monday
    return bot, bot.room(ALICE, BOB, CAROL, admins=[ALICE])


async def test_an_answer_sent_while_the_bot_was_down_counts_in_the_round_that_closed_meanwhile(
    fake_bot: MakeFakeBot,
) -> None:
    bot, room = await _bot(fake_bot)
    await bot.say(room, ALICE, START)
    opened = bot.clock.now()
    bot.clock.advance(timedelta(hours=3))  # the restart, after the close
    await bot.backlog(room, BOB, "!here C1 still here", sent_at=opened + timedelta(minutes=30))
    await bot.backlog(room, CAROL, "!here C1", sent_at=opened + timedelta(hours=2, minutes=5))

    bodies = [p.body for p in await bot.catch_up()]
    assert "Thanks, noted for check-in C1." in bodies, bodies
    summary = next(b for b in bodies if "answered" in b)
    assert (
        "1 of 3 answered" in summary and "• bob — answered Mon 1 Mar 2027, 10:30 GMT: still here" in summary
    )
    refused = next(b for b in bodies if "was not counted" in b)
    assert refused == (
        "Check-in C1 closed Mon 1 Mar 2027, 12:00 GMT; your answer, sent Mon 1 Mar 2027, 12:05 GMT, "
        "was not counted."
    )
    assert bodies.index("Thanks, noted for check-in C1.") < bodies.index(summary) < bodies.index(refused)


async def test_an_answer_that_reaches_a_busy_bot_after_the_close_corrects_the_summary(
    fake_bot: MakeFakeBot,
) -> None:
    """The issue's trial: an answer sent at 02:00:04 to a round open until 02:01:40 was refused."""
    bot, room = await _bot(fake_bot)
    await bot.say(room, ALICE, START)
    opened = bot.clock.now()
    bot.clock.advance(timedelta(hours=2, seconds=5))
    summary = next(p for p in await bot.run_due() if "answered" in p.body)
    assert "0 of 3 answered" in summary.body

    late = await bot.say(room, BOB, "!here all well", sent_at=opened + timedelta(hours=1, minutes=59))
    assert late.body == "Thanks, noted for check-in C1. It was sent before the round closed, so it counts."
    after = bot.fake.posted[bot.fake.posted.index(late) + 1 :]
    corrected = next(p for p in after if p.edits == summary.event_id)
    assert "1 of 3 answered" in corrected.new_body
    assert [p.body for p in after if not p.edits] == [
        "bob's answer to check-in C1 was sent before it closed but reached me late; it counts, and "
        "the summary above is corrected."
    ]


async def test_a_tick_sent_in_time_counts_after_the_close_and_one_sent_after_does_not(
    fake_bot: MakeFakeBot,
) -> None:
    bot, room = await _bot(fake_bot)
    await bot.say(room, ALICE, START)
    question = next(p for p in bot.fake.posted if p.body.startswith("Check-in C1"))
    opened = bot.clock.now()
    bot.clock.advance(timedelta(hours=3))
    await bot.run_due()
    await bot.react(room, CAROL, question.event_id, "✅", sent_at=opened + timedelta(hours=1))
    await bot.react(room, BOB, question.event_id, "✅")  # sent now: after the close
    status = await bot.say(room, ALICE, "!checkin status C1")
    assert "1 of 3 answered" in status.body and "• carol — answered Mon 1 Mar 2027, 11:00 GMT" in status.body
    assert "• bob — did not answer" in status.body


async def test_a_nudge_due_during_a_downtime_skips_who_answered_before_the_restart(
    fake_bot: MakeFakeBot,
) -> None:
    """The nudge is due at 11:00 while the bot is down; bob answers at 11:10. At the restart the
    nudge goes after what the room sent meanwhile, so it reminds alice and carol only."""
    bot, room = await _bot(fake_bot)
    await bot.say(room, ALICE, START)
    opened = bot.clock.now()
    bot.clock.advance(timedelta(minutes=90))  # the restart: after the nudge, before the close
    await bot.backlog(room, BOB, "!here C1", sent_at=opened + timedelta(minutes=70))

    posted = await bot.catch_up()
    bodies = [p.body for p in posted]
    nudge = next(p for p in posted if p.body.startswith("Reminder: check-in C1"))
    assert bodies.index("Thanks, noted for check-in C1.") < bodies.index(nudge.body), bodies
    assert nudge.mentions == [ALICE, CAROL], nudge
    assert "bob" not in nudge.body and "; the bot was offline." in nudge.body
