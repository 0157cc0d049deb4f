"""Check-ins through the real homeserver: answers by ✅ reaction (and one taken back) and by thread
reply, rounds that fell due while the bot was down, nudges by direct message. The commands' many
cases run on the fake transport (test_commands.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from matrixbot.plugins.checkins import Checkins

from matrixbot.testing.chat import ChatClient, Seen
from matrixbot.testing.testbot import TestBot
from matrixbot.time import FakeClock

QUARTERLY = (
    "!checkin start Are you (and your co-op) still active? What would help you take part?\n"
    "who: room\nevery: 3 months\nnudge: 3 days\ncloses: 2 weeks"
)


def name(client: ChatClient) -> str:
    return client.user_id[1:].split(":")[0]


def line_of(body: str, client: ChatClient) -> str:
    """The line of a status or history message about `client`."""
    return next(line for line in body.split("\n") if name(client) in line)


def bot_says(t: TestBot, room: str, text: str, msgtype: str = "m.notice") -> Callable[[Seen], bool]:
    return lambda e: e.sender == t.user_id and e.room_id == room and e.msgtype == msgtype and text in e.body


async def test_answers_by_reaction_and_thread_reply_and_a_reaction_taken_back(start_bot, chat):
    clock = FakeClock("2024-03-01 10:00", "Europe/London")
    t = await start_bot(plugins=[Checkins], clock=clock)
    alice, bob, carol, dave = [await chat(n) for n in ("alice", "bob", "carol", "dave")]
    room = await t.room_with(alice, bob, carol, dave)

    started = await t.ask(alice, room, QUARTERLY)
    assert "Started check-in C1: 4 asked" in started.body
    question = await alice.wait_for(bot_says(t, room, "Check-in C1", "m.text"), after=0)
    assert sorted(question.mentions) == sorted(c.user_id for c in (alice, bob, carol, dave))
    assert f"https://matrix.to/#/{dave.user_id}" in (question.formatted_body or "")

    await bob.react(room, question.event_id, "✅")
    taken_back = await dave.react(room, question.event_id, "✅")
    await dave.redact(room, taken_back)
    answer = await carol.say(room, "=1+1 busy, but still here", thread_root=question.event_id)
    await carol.wait_for(
        lambda e: e.type == "m.reaction" and e.sender == t.user_id and e.relates_to.get("event_id") == answer,
        after=0,
    )

    status = await t.ask(alice, room, "!checkin status")
    assert "2 of 4 answered" in status.body
    assert "answered Fri 1 Mar 2024, 10:00 GMT" in line_of(status.body, bob)
    assert "=1+1 busy, but still here" in line_of(status.body, carol)
    assert "not yet answered" in line_of(status.body, dave)
    assert "not yet answered" in line_of(status.body, alice)


async def test_repeating_rounds_restart_late_missed_inactive_and_stop(start_bot, chat):
    clock = FakeClock("2024-03-04 09:00", "Europe/London")
    t = await start_bot(plugins=[Checkins], clock=clock)
    alice, bob = await chat("alice"), await chat("bob")
    room = await t.room_with(alice, bob)
    await t.ask(alice, room, "!checkin start Still with us?\nevery: 1 week\nnudge: 1 day\ncloses: 2 days")
    await t.ask(alice, room, "!here")

    await t.stop()
    clock.advance(timedelta(days=2, hours=1))  # the nudge (25 h ago: missed) and the close (1 h: late)
    await t.resume()
    summary = await alice.wait_for(bot_says(t, room, "Check-in C1 has closed"), after=0)
    # the nudge is overtaken by the close: only the close is said, not "please answer" after it closed
    assert not [e for e in alice.events(room) if "The reminder for check-in C1" in e.body]
    assert "\nThis summary was due Wed 6 Mar 2024, 09:00 GMT; the bot was offline." in summary.body
    assert "did not answer" in line_of(summary.body, bob)

    await t.stop()
    clock.set("2024-03-11 10:00", "Europe/London")  # round 2 fell due at 09:00, while the bot was down
    await t.resume()
    second = await alice.wait_for(bot_says(t, room, "Check-in C2", "m.text"), after=0)
    assert "\nThis check-in was due Mon 11 Mar 2024, 09:00 GMT; the bot was offline." in second.body
    assert sorted(second.mentions) == sorted([alice.user_id, bob.user_id])
    await t.ask(alice, room, "!here")
    await t.stop()
    clock.set("2024-03-18 16:00", "Europe/London")  # C2's close and round 3 (09:00) are beyond the 6 h grace
    await t.resume()
    closed = await alice.wait_for(bot_says(t, room, "Check-in C2 has closed"), after=0)
    assert "\nThis summary was due" in closed.body and "; the bot was offline." in closed.body
    assert "possibly inactive" in line_of(closed.body, bob)
    assert "possibly inactive" not in line_of(closed.body, alice)
    missed = await alice.wait_for(bot_says(t, room, "Round 3 of check-in"), after=0)
    assert "Mon 18 Mar 2024, 09:00 GMT" in missed.body and "offline" in missed.body
    # the missed round 3 is skipped, not lost track of: the series goes on from round 4
    stopped = await t.ask(alice, room, "!checkin stop")
    assert "C2 will not repeat. The next round, due Mon 25 Mar 2024, 09:00 GMT, is off." in stopped.body


async def test_dm_nudges_go_only_to_who_has_not_answered_nor_opted_out(start_bot, chat):
    clock = FakeClock("2024-03-01 10:00", "Europe/London")
    t = await start_bot(plugins=[Checkins], clock=clock)
    alice, bob, carol, dave = [await chat(n) for n in ("alice", "bob", "carol", "dave")]
    room = await t.room_with(alice, bob, carol, dave)
    assert "checkin_nudge is now dm" in (await t.ask(alice, room, "!set checkin_nudge dm")).body
    await t.ask(bob, room, "!checkin optout")
    who = ", ".join(c.user_id for c in (bob, carol, dave))
    await t.ask(alice, room, f"!checkin start Still active?\nwho: {who}")
    assert "noted for check-in C1" in (await t.ask(carol, room, "!here back in April")).body

    await t.stop()
    clock.advance(timedelta(days=3, hours=1))
    await t.resume()
    invite = await dave.wait_for(
        lambda e: e.membership == "invite" and e.state_key == dave.user_id and e.room_id != room, after=0
    )
    await dave.join(invite.room_id)
    nudge = await dave.wait_for(bot_says(t, invite.room_id, "Reminder", "m.text"), after=0)
    assert nudge.mentions == [dave.user_id] and "Still active?" in nudge.body
    assert "\nThis reminder was due" in nudge.body and "; the bot was offline." in nudge.body
    for other in (bob, carol):  # bob opted out, carol answered
        await other.until_synced()
        assert not [e for e in other.events() if e.membership == "invite" and e.room_id != room]
