"""A poll's whole life: a deadline added or moved, reopened, a tie settled (pick, a meeting from one
of the tied options, a run-off), and busy times added later marking the options they clash with."""

from __future__ import annotations

from datetime import timedelta

from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings

from matrixbot.testing import FakeBot, Posted
from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock

ALICE, BOB = "@alice:x", "@bob:x"
POLL = "!poll Social\n2pm 2 March 2027\n2pm 3 March 2027\n2pm 4 March 2027"


async def _close(bot: FakeBot, room: str, text: str = "!poll close") -> list[Posted]:
    """`!poll close` answers with the result, which a job posts at once."""
    await bot.send(room, ALICE, "m.room.message", {"msgtype": "m.text", "body": text})
    return await bot.run_due()


async def _bot(fake_bot: MakeFakeBot) -> tuple[FakeBot, str]:
    bot = await fake_bot(plugins=[DatePoll, Meetings], clock=FakeClock("2027-02-20 12:00", "Europe/London"))
    return bot, bot.room(ALICE, BOB, admins=[ALICE])


async def test_a_deadline_is_added_moved_and_removed_after_the_poll_is_posted(fake_bot: MakeFakeBot) -> None:
    bot, room = await _bot(fake_bot)
    tally = await bot.say(room, ALICE, POLL)
    set_ = await bot.say(room, ALICE, "!poll closes P1 in 2 days")
    assert set_.body == "P1 now closes Mon 22 Feb 2027, 12:00 GMT."
    edit = bot.fake.posted[-1]
    assert edit.edits == tally.event_id and "Closes Mon 22 Feb 2027, 12:00 GMT." in edit.new_body
    refused = await bot.say(room, BOB, "!poll closes P1 in 3 days")
    assert refused.body == "Only alice (its organiser) or a room admin can change the deadline of P1."
    moved = await bot.say(room, ALICE, "!poll closes 23 February 5pm")
    assert moved.body == "P1 now closes Tue 23 Feb 2027, 17:00 GMT (was Mon 22 Feb 2027, 12:00 GMT)."
    bot.clock.advance(timedelta(days=2, hours=1))
    assert not [p for p in await bot.run_due() if "is closed" in p.body], "the old deadline closes nothing"
    bot.clock.advance(timedelta(days=1, hours=6))
    assert [p for p in await bot.run_due() if "is closed" in p.body]

    await bot.say(room, ALICE, "!poll Another\n2pm 2 March 2027\n2pm 3 March 2027\ncloses: in 1 day")
    removed = await bot.say(room, ALICE, "!poll closes P2 none")
    assert removed.body == "P2 has no deadline now (was Wed 24 Feb 2027, 19:00 GMT)."
    bot.clock.advance(timedelta(days=2))
    assert not await bot.run_due()
    past = await bot.say(room, ALICE, "!poll closes P2 yesterday 9am")
    assert "is already past" in past.body


async def test_a_closed_poll_is_reopened_and_closed_again(fake_bot: MakeFakeBot) -> None:
    bot, room = await _bot(fake_bot)
    await bot.say(room, ALICE, POLL)
    await bot.say(room, ALICE, "!vote 1")
    await _close(bot, room)
    assert "was not counted" in (await bot.say(room, BOB, "!vote 2")).body
    before = len([p for p in bot.fake.posted if p.type == "org.matrix.msc3381.poll.start"])
    reopened = await bot.say(room, ALICE, "!poll reopen")
    assert reopened.body.startswith("P1 is open again: earlier votes stay, and new ones count")
    assert "It has no deadline now" in reopened.body
    polls = [p for p in bot.fake.posted if p.type == "org.matrix.msc3381.poll.start"]
    assert len(polls) == before + 1, "a new native poll replaces the ended one"
    assert (await bot.say(room, BOB, "!vote 2")).body == "Your vote in P1: yes to 2."
    announced = [p for p in await _close(bot, room, "!poll close P1") if "is closed" in p.body]
    assert len(announced) == 1 and "It is a tie between" in announced[0].body, "announced again"
    assert "already closed" in (await bot.say(room, ALICE, "!poll close P1")).body
    assert "P1 is open" in (await bot.say(room, ALICE, "!poll reopen P1")).body
    assert "is still open" in (await bot.say(room, ALICE, "!poll reopen P1")).body


async def test_a_tie_is_settled_by_a_pick_a_meeting_or_a_runoff(fake_bot: MakeFakeBot) -> None:
    bot, room = await _bot(fake_bot)
    await bot.say(room, ALICE, POLL)
    await bot.say(room, ALICE, "!vote 1")
    await bot.say(room, BOB, "!vote 3")
    announced = next(p for p in await _close(bot, room) if "is closed" in p.body)
    assert "alice (or a room admin) can settle it: pick one with !poll pick P1 1" in announced.body
    assert "!meeting from-poll P1 1" in announced.body and "!poll runoff P1" in announced.body

    tie = await bot.say(room, ALICE, "!meeting from-poll P1")
    assert "ended in a tie (options 1, 3): say which, e.g. !meeting from-poll P1 1" in tie.body
    not_tied = await bot.say(room, ALICE, "!meeting from-poll P1 2")
    assert "Option 2 is not one of the tied options (1, 3) of P1." in not_tied.body
    assert (
        "Option 2 is not one of the tied options of P1 (1, 3)."
        in (await bot.say(room, ALICE, "!poll pick 2")).body
    )
    assert "Only alice (its organiser) or a room admin" in (await bot.say(room, BOB, "!poll pick 3")).body

    runoff = await bot.say(room, ALICE, "!poll runoff P1\ncloses: in 2 days")
    assert runoff.body.startswith("P2: Run-off of P1: Social\n1. Tue 2 Mar 2027, 14:00 GMT")
    assert "2. Thu 4 Mar 2027, 14:00 GMT" in runoff.body and "Closes Mon 22 Feb 2027" in runoff.body

    picked = await bot.say(room, ALICE, "!poll pick P1 3")
    assert picked.body == "Picked for P1: 3. Thu 4 Mar 2027, 14:00 GMT."
    after = bot.fake.posted[bot.fake.posted.index(picked) :]
    result = next(p for p in after if p.edits == announced.event_id)
    assert (
        "Winner: 3. Thu 4 Mar 2027, 14:00 GMT (1 yes, 0 maybe) (picked by alice from the tie"
        in result.new_body
    )
    assert any(p.body == "P1.ics" for p in after)
    meeting = await bot.say(room, ALICE, "!meeting from-poll P1")
    assert "Thu 4 Mar 2027, 14:00 GMT" in meeting.body


async def test_busy_times_added_later_mark_the_options_they_clash_with(fake_bot: MakeFakeBot) -> None:
    bot, room = await _bot(fake_bot)
    tally = await bot.say(room, ALICE, POLL)
    assert "clashes" not in tally.body
    added = await bot.say(room, ALICE, "!busy add Co-op Congress 3 March 2027")
    edit = next(p for p in bot.fake.posted[bot.fake.posted.index(added) :] if p.edits == tally.event_id)
    assert "2. Wed 3 Mar 2027, 14:00 GMT — 0 yes, 0 maybe\n   ⚠️ clashes with Co-op Congress" in edit.new_body
    assert "To change an option: !poll fix P1 N NEW OPTION" in edit.new_body
    await bot.say(room, ALICE, "!meeting Board call\nwhen: 4 March 2027 1:30pm\nduration: 1 hour")
    edit = [p for p in bot.fake.posted if p.edits == tally.event_id][-1]
    assert "3. Thu 4 Mar 2027, 14:00 GMT — 0 yes, 0 maybe\n   ⚠️ clashes with Board call" in edit.new_body
    removed = await bot.say(room, ALICE, "!busy remove 1")
    edit = bot.fake.posted[-1]
    assert edit.edits == tally.event_id and "Co-op Congress" not in edit.new_body, removed.body
    count = len(bot.fake.posted)
    await bot.say(room, ALICE, "!busy add Far away 1 June 2027")
    assert not [p for p in bot.fake.posted[count:] if p.edits], "no clash changed: no edit"
