"""A poll judges votes by when they were sent: after a downtime the backlog and the jobs that fell
due meanwhile are taken in time order, a vote sent before the close counts however late it
arrives (and corrects a result already posted), and one sent at the deadline or after does not."""

from __future__ import annotations

from datetime import timedelta

from matrixbot.plugins.datepoll import DatePoll

from matrixbot.testing import FakeBot, Posted
from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock

ALICE, BOB, CAROL = "@alice:x", "@bob:x", "@carol:x"
POLL = "!poll CoTech call\n3-4pm 2 March 2027\n3-4pm 3 March 2027\n3-4pm 4 March 2027\ncloses: in 50 seconds"
START = "2027-02-20 12:00"


async def _bot(fake_bot: MakeFakeBot) -> tuple[FakeBot, str]:
    bot = await fake_bot(plugins=[DatePoll], clock=FakeClock(START, "Europe/London"))
    return bot, bot.room(ALICE, BOB, CAROL, admins=[ALICE])


def _bodies(posted: list[Posted]) -> list[str]:
    return [p.body for p in posted]


async def test_votes_sent_while_the_bot_was_down_count_before_the_deadline_that_passed(
    fake_bot: MakeFakeBot,
) -> None:
    """The issue's trial: the bot down 3 s after the poll, three votes while it was still open,
    the bot back after the deadline."""
    bot, room = await _bot(fake_bot)
    await bot.say(room, ALICE, POLL)
    created = bot.clock.now()
    bot.clock.advance(timedelta(minutes=5))  # the restart: what was sent meanwhile arrives now
    await bot.backlog(room, ALICE, "!vote 1", sent_at=created + timedelta(seconds=10))
    await bot.backlog(room, BOB, "!vote 2", sent_at=created + timedelta(seconds=20))
    await bot.backlog(room, CAROL, "!vote 2 maybe 1", sent_at=created + timedelta(seconds=40))
    await bot.backlog(room, BOB, "!vote 1", sent_at=created + timedelta(seconds=55))  # after the close

    posted = await bot.catch_up()
    bodies = _bodies(posted)
    assert not [b for b in bodies if "please vote" in b], "everyone had voted: no nudge, late or not"
    answers = [b for b in bodies if b.startswith("Your vote in P1")]
    assert len(answers) == 3, bodies
    refused = [b for b in bodies if "was not counted" in b]
    assert refused == ["P1 closed Sat 20 Feb 2027, 12:00 GMT; your vote, sent 5 s after it, was not counted."]
    announced = [b for b in bodies if "is closed" in b]
    assert len(announced) == 1, bodies
    assert "Winner: 2. Wed 3 Mar 2027, 15:00–16:00 GMT (2 yes, 0 maybe)" in announced[0]
    assert "Voted: alice, bob, carol" in announced[0]
    assert "This result is late" in announced[0]
    assert bodies.index(answers[-1]) < bodies.index(refused[0]), "in the order they were sent"
    assert bodies.index(answers[-1]) < bodies.index(announced[0])


async def test_a_vote_exactly_at_the_deadline_is_too_late_a_millisecond_before_counts(
    fake_bot: MakeFakeBot,
) -> None:
    bot, room = await _bot(fake_bot)
    await bot.say(room, ALICE, POLL)
    deadline = bot.clock.now() + timedelta(seconds=50)
    bot.clock.advance(timedelta(seconds=70))  # the bot is busy: both reach it after the deadline
    in_time = await bot.say(room, BOB, "!vote 1", sent_at=deadline - timedelta(milliseconds=1))
    assert in_time.body == "Your vote in P1: yes to 1."
    at_deadline = await bot.say(room, CAROL, "!vote 1", sent_at=deadline)
    assert "sent at that very moment, was not counted" in at_deadline.body
    posted = await bot.run_due()
    assert any("Voted: bob" in p.body and "carol" not in p.body for p in posted)


async def test_a_vote_stamped_in_the_future_or_before_the_poll_is_taken_at_its_arrival(
    fake_bot: MakeFakeBot,
) -> None:
    """A homeserver's clock is trusted only between the poll's creation and the vote's arrival."""
    bot, room = await _bot(fake_bot)
    await bot.say(room, ALICE, POLL)
    created = bot.clock.now()
    bot.clock.advance(timedelta(seconds=30))
    future = await bot.say(room, BOB, "!vote 1", sent_at=created + timedelta(days=3))
    assert future.body == "Your vote in P1: yes to 1.", "stamped after the deadline, arrived before it"
    bot.clock.advance(timedelta(seconds=60))
    await bot.run_due()
    backdated = await bot.say(room, CAROL, "!vote 2", sent_at=created - timedelta(hours=1))
    assert "was not counted" in backdated.body, "stamped before the poll existed, arrived after the close"


async def test_a_vote_sent_in_time_that_arrives_after_the_result_corrects_it(fake_bot: MakeFakeBot) -> None:
    bot, room = await _bot(fake_bot)
    tally = await bot.say(room, ALICE, POLL)
    created = bot.clock.now()
    await bot.say(room, ALICE, "!vote 1 2")
    await bot.say(room, BOB, "!vote 2")
    bot.clock.advance(timedelta(seconds=60))
    announced = [p for p in await bot.run_due() if "is closed" in p.body]
    assert "Winner: 2." in announced[0].body

    late = created + timedelta(seconds=45)  # sent before the deadline, held up on its way
    answer = await bot.say(room, CAROL, "!vote 1 3", sent_at=late)
    assert answer.body == "Your vote in P1: yes to 1, 3. It was sent before the poll closed, so it counts."
    posted = bot.fake.posted[bot.fake.posted.index(answer) + 1 :]
    edited = {p.edits: p for p in posted if p.edits}
    assert "1. Tue 2 Mar 2027, 15:00–16:00 GMT — 2 yes" in edited[tally.event_id].new_body
    result = edited[announced[0].event_id].new_body
    assert "It is a tie between" in result and "Voted: alice, bob, carol" in result
    assert edited[announced[0].event_id].mentions == [], "a correction notifies nobody again"
    said = [p.body for p in posted if not p.edits]
    assert said == [
        "carol's vote in P1 was sent before it closed but reached me late; it now counts, and the "
        "result above is corrected. The result is now a tie between options 1, 2 (was option 2, "
        "Wed 3 Mar 2027, 15:00–16:00 GMT)."
    ]


async def test_a_native_tick_and_a_reaction_sent_before_the_close_count_after_it(
    fake_bot: MakeFakeBot,
) -> None:
    bot, room = await _bot(fake_bot)
    tally = await bot.say(room, ALICE, POLL)
    native = next(p for p in bot.fake.posted if p.type == "org.matrix.msc3381.poll.start")
    created = bot.clock.now()
    bot.clock.advance(timedelta(seconds=60))
    await bot.run_due()
    response = {
        "m.relates_to": {"rel_type": "m.reference", "event_id": native.event_id},
        "org.matrix.msc3381.poll.response": {"answers": ["3"]},
    }
    sent = created + timedelta(seconds=30)
    posted = await bot.send(room, BOB, "org.matrix.msc3381.poll.response", response, sent_at=sent)
    assert any("bob's vote in P1 was sent before it closed" in p.body for p in posted)
    posted = await bot.react(room, CAROL, tally.event_id, "3️⃣", sent_at=sent)
    assert any("carol's vote in P1 was sent before it closed" in p.body for p in posted)
    refused = await bot.react(room, CAROL, tally.event_id, "1️⃣")
    assert [p.body for p in refused] == [
        "P1 closed Sat 20 Feb 2027, 12:00 GMT; your vote, sent 10 s after it, was not counted."
    ]


async def test_taking_back_a_reaction_edits_the_tally_with_its_own_transaction(fake_bot: MakeFakeBot) -> None:
    """A removal's edit used the addition's transaction id: the homeserver returned the old edit,
    and the tally stayed wrong until someone else voted."""
    bot, room = await _bot(fake_bot)
    tally = await bot.say(room, ALICE, "!poll Social\n2 March 2027\n3 March 2027")
    added = await bot.react(room, BOB, tally.event_id, "1️⃣")
    assert "1. Tue 2 Mar 2027 — 1 yes" in added[-1].new_body
    removed = await bot.unreact(room, BOB, tally.event_id, "1️⃣")
    assert removed and removed[-1].edits == tally.event_id, "the removal posts an edit of its own"
    assert removed[-1] is not added[-1]
    assert "1. Tue 2 Mar 2027 — 0 yes" in removed[-1].new_body
