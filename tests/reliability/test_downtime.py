"""The bot down across a poll's deadline and a check-in round's close, on a real Synapse with real
timestamps: what people sent while it was down is taken in the order they sent it, before the
deadlines that passed meanwhile; nudges that came due are skipped once everyone has answered or
the poll has closed. Counted from the room's history, read by a member.

    .venv/bin/python -m pytest -q -m slow tests/reliability/test_downtime.py -s
"""

from __future__ import annotations

import asyncio
import time

import pytest
from matrixbot.plugins.checkins import Checkins
from matrixbot.plugins.datepoll import DatePoll

from matrixbot.testing.pytest_plugin import MakeChat, StartBot
from tests.reliability.figures import record
from tests.reliability.history import body, reply_to, room_history

pytestmark = pytest.mark.slow

DEADLINE = 20
"""Seconds from the poll (and the round) to its close: long enough to vote while the bot is down."""


async def test_votes_and_answers_sent_while_down_count_before_the_deadlines_that_passed(
    start_bot: StartBot, chat: MakeChat
) -> None:
    t = await start_bot(plugins=[DatePoll, Checkins])
    alice, bob, carol = [await chat(name) for name in ("alice", "bob", "carol")]
    room = await t.room_with(alice, bob, carol)
    await t.ask(alice, room, "!set working_hours off")  # the round's nudge and close at any hour
    poll = await t.ask(
        alice,
        room,
        f"!poll CoTech call\n3-4pm 2 March 2027\n3-4pm 3 March 2027\n3-4pm 4 March 2027\ncloses: in {DEADLINE} seconds",
    )
    assert poll.body.startswith("P1: CoTech call")
    started = await t.ask(
        alice,
        room,
        f"!checkin start Still active?\nnudge: {DEADLINE // 2} seconds\ncloses: {DEADLINE} seconds",
    )
    assert started.body.startswith("Started check-in C1")
    opened = time.time()
    await t.stop()

    votes = {
        await alice.say(room, "!vote 1"): "alice",
        await bob.say(room, "!vote 2"): "bob",
        await carol.say(room, "!vote 2 maybe 1"): "carol",
    }
    answer = await bob.say(room, "!here C1 still here")
    assert time.time() - opened < DEADLINE - 2, "the votes must be sent well before the deadline"
    await asyncio.sleep(DEADLINE + 2 - (time.time() - opened))
    too_late = await alice.say(room, "!vote 3")
    await t.resume()

    await alice.wait_for(lambda e: e.sender == t.user_id and "is closed" in e.body, timeout=30)
    await alice.wait_for(lambda e: e.sender == t.user_id and "answered" in e.body, timeout=30)
    await alice.wait_for(lambda e: e.sender == t.user_id and e.reply_to == too_late, timeout=30)
    await asyncio.sleep(2)  # anything more it would post (a nudge, a second edit) has had time to come
    history = [
        e
        for e in await room_history(t.config.homeserver, alice.nio.access_token, room)
        if e["sender"] == t.user_id
    ]
    replies = {reply_to(e): body(e) for e in history if reply_to(e)}
    for event_id, who in votes.items():
        assert replies[event_id].startswith("Your vote in P1"), f"{who}'s vote, sent before the deadline"
    assert replies[answer] == "Thanks, noted for check-in C1."
    assert "was not counted" in replies[too_late]
    bodies = [body(e) for e in history]
    assert not [b for b in bodies if "please vote" in b or b.startswith("Reminder")], "no nudge: all answered"
    announced = [b for b in bodies if "CoTech call is closed" in b]
    assert (
        len(announced) == 1
        and "Voted: alice" in announced[0]
        and "bob" in announced[0]
        and "carol" in announced[0]
    )
    assert "Winner: 2." in announced[0]
    summary = [b for b in bodies if "answered." in b]
    assert len(summary) == 1 and "1 of 3 answered" in summary[0], summary
    order = [e["event_id"] for e in history]
    answers = [order.index(e["event_id"]) for e in history if reply_to(e) in votes]
    closed = next(i for i, e in enumerate(history) if "CoTech call is closed" in body(e))
    assert max(answers) < closed, "the votes sent before the deadline are answered before the result"
    record(
        "downtime",
        f"{len(votes)}/{len(votes)} votes and 1/1 check-in answer sent while it was down counted before the "
        "deadlines that passed; the vote sent after the deadline refused; 0 nudges (all had answered); "
        "1 result, 1 summary",
    )
