"""The datepoll plugin through the real homeserver, with real matrix-nio clients."""

from __future__ import annotations

import pytest
from matrixbot.plugins.datepoll import DatePoll

from matrixbot.errors import UserError
from matrixbot.testing.chat import Seen, edit_by
from matrixbot.time import FakeClock

POLL_START = "org.matrix.msc3381.poll.start"
POLL_RESPONSE = "org.matrix.msc3381.poll.response"
POLL_END = "org.matrix.msc3381.poll.end"

COTECH = """!poll CoTech MoU call
3-4pm Monday 26th February 2024
3-4pm Tuesday 27th February 2024
3-4pm Wednesday 28th February 2024
3-4pm Thursday 29th February 2024
3-4pm Friday 1st March 2024
3-4pm Monday 4th March 2024
3-4pm Tuesday 5th March 2014
3-4pm Thursday 7th March 2024
closes: Friday 23rd February 2024 5pm"""


def london() -> FakeClock:
    return FakeClock("2024-02-20 12:00", "Europe/London")


def native_vote(poll_event: Seen, *answers: str) -> dict[str, object]:
    return {
        "m.relates_to": {"rel_type": "m.reference", "event_id": poll_event.event_id},
        POLL_RESPONSE: {"answers": list(answers)},
    }


async def test_cotech_poll_three_ways_of_voting_restart_and_close(start_bot, chat):
    t = await start_bot(plugins=[DatePoll], clock=london())
    alice, bob, carol = await chat("alice"), await chat("bob"), await chat("carol")
    room = await t.room_with(alice, bob, carol)

    text = await t.ask(alice, room, COTECH)
    assert "P1: CoTech MoU call" in text.body
    assert "2. Tue 27 Feb 2024, 15:00–16:00 GMT" in text.body
    assert "7. Wed 5 Mar 2014, 15:00–16:00 GMT" in text.body
    assert "5 March 2014 was a Wednesday, not a Tuesday; did you mean Tuesday 5 March 2024?" in text.body
    assert "in the past" in text.body
    assert "Closes Fri 23 Feb 2024, 17:00 GMT" in text.body
    poll = await alice.wait_for(lambda e: e.type == POLL_START and e.sender == t.user_id, after=0)
    start = poll.content[POLL_START]
    assert start["max_selections"] == 8 and start["kind"] == "org.matrix.msc3381.poll.disclosed"
    assert start["question"]["org.matrix.msc1767.text"] == "\u2068CoTech MoU call\u2069", "isolated"
    assert start["answers"][1] == {"id": "2", "org.matrix.msc1767.text": "Tue 27 Feb 2024, 15:00–16:00 GMT"}

    await bob.send(room, POLL_RESPONSE, native_vote(poll, "1", "2"))
    voted = await t.ask(carol, room, "!vote 2 maybe 4")
    assert "Your vote in P1: yes to 2, maybe to 4." in voted.body
    await alice.react(room, text.event_id, "2️⃣")
    four = await alice.react(room, text.event_id, "4️⃣")
    results = await t.ask(carol, room, "!poll P1")
    assert "Not voted yet: nobody" in results.body
    assert "4. Thu 29 Feb 2024, 15:00–16:00 GMT  1  1" in results.body

    await t.stop()  # while the bot is down, bob changes his vote and alice takes back a reaction
    await bob.send(room, POLL_RESPONSE, native_vote(poll, "2", "3"))
    await alice.redact(room, four)
    await t.resume()
    results = await t.ask(carol, room, "!poll results P1")
    rows = {line.split(" GMT")[0]: line for line in results.body.split("\n") if "GMT" in line}
    assert rows["1. Mon 26 Feb 2024, 15:00–16:00"].split("GMT")[1].split()[:2] == ["0", "0"]
    assert rows["2. Tue 27 Feb 2024, 15:00–16:00"].split("GMT")[1].split()[:2] == ["3", "0"]
    assert rows["3. Wed 28 Feb 2024, 15:00–16:00"].split("GMT")[1].split()[:2] == ["1", "0"]
    assert rows["4. Thu 29 Feb 2024, 15:00–16:00"].split("GMT")[1].split()[:2] == ["0", "1"]

    alice.mark()
    await alice.say(room, "!poll close")
    await alice.wait_for(lambda e: e.type == POLL_END and e.relates_to.get("event_id") == poll.event_id)
    announced = await alice.wait_for(lambda e: e.sender == t.user_id and "is closed" in e.body)
    assert announced.msgtype == "m.text"
    assert "Winner: 2. Tue 27 Feb 2024, 15:00–16:00 GMT (3 yes, 0 maybe)" in announced.body
    assert sorted(announced.mentions) == sorted([alice.user_id, bob.user_id, carol.user_id])
    ics = await alice.wait_for(lambda e: e.sender == t.user_id and e.msgtype == "m.file")
    assert ics.body == "P1.ics" and ics.content["info"]["mimetype"] == "text/calendar"

    winner = await t.plugin(DatePoll).winner_for_meeting(room, 1)
    assert (winner.title, winner.zone, winner.poll_id) == ("CoTech MoU call", "Europe/London", 1)
    assert winner.start.isoformat() == "2024-02-27T15:00:00+00:00" and winner.end.hour == 16
    with pytest.raises(UserError, match="There is no poll P9 in this room"):
        await t.plugin(DatePoll).winner_for_meeting(room, 9)

    refused = await t.ask(bob, room, "!vote P1 1")
    assert "P1 closed" in refused.body and "was not counted" in refused.body
    late_tick = await bob.send(room, POLL_RESPONSE, native_vote(poll, "1"))
    refused = await bob.wait_for_reply(late_tick, sender=t.user_id)
    assert "P1 closed" in refused.body and "was not counted" in refused.body
    late_reaction = await bob.react(room, text.event_id, "1️⃣")
    refused = await bob.wait_for_reply(late_reaction, sender=t.user_id)
    assert "P1 closed" in refused.body and "was not counted" in refused.body


async def test_fix_keeps_other_votes_and_mentions_voters_of_the_changed_option(start_bot, chat):
    t = await start_bot(plugins=[DatePoll], clock=london())
    alice, bob = await chat("alice"), await chat("bob")
    room = await t.room_with(alice, bob)
    text = await t.ask(
        alice, room, "!poll Call\n3-4pm Monday 26th February 2024\n3-4pm Tuesday 5th March 2014"
    )
    await t.ask(bob, room, "!vote P1 1 2")
    refused = await t.ask(bob, room, "!poll fix P1 2 3-4pm Tuesday 5th March 2024")
    assert (
        f"Only {alice.user_id[1:].split(':')[0]} (its organiser) or a room admin can change P1."
        in refused.body
    )

    alice.mark()
    fixed = await t.ask(alice, room, "!poll fix P1 2 3-4pm Tuesday 5th March 2024")
    assert "option 2. Tue 5 Mar 2024, 15:00–16:00 GMT replaces 3-4pm Tuesday 5th March 2014" in fixed.body
    assert fixed.msgtype == "m.text" and fixed.mentions == [bob.user_id]
    edit = await alice.wait_for(lambda e: e.relates_to.get("event_id") == text.event_id)
    assert "2. Tue 5 Mar 2024" in edit.content["m.new_content"]["body"]
    assert "was a Wednesday" not in edit.content["m.new_content"]["body"]
    poll = await alice.wait_for(lambda e: e.type == POLL_START and e.sender == t.user_id, after=0)
    poll_edit = await alice.wait_for(
        lambda e: e.relates_to == {"rel_type": "m.replace", "event_id": poll.event_id}
    )
    answers = poll_edit.content["m.new_content"][POLL_START]["answers"]
    assert answers[1] == {"id": "2", "org.matrix.msc1767.text": "Tue 5 Mar 2024, 15:00–16:00 GMT"}
    results = await t.ask(alice, room, "!poll")
    assert "Not voted yet: " in results.body and "1. Mon 26 Feb 2024, 15:00–16:00 GMT  1  0" in results.body
    assert "2. Tue 5 Mar 2024, 15:00–16:00 GMT  0  0" in results.body


async def test_deadline_reminds_non_voters_once_then_closes_with_a_tie(start_bot, chat):
    clock = london()
    t = await start_bot(plugins=[DatePoll], clock=clock)
    alice, bob, carol = await chat("alice"), await chat("bob"), await chat("carol")
    room = await t.room_with(alice, bob, carol)
    await t.ask(
        alice,
        room,
        "!poll Call\n3-4pm Monday 26th February 2024\n3-4pm Tuesday 27th February 2024\n"
        "closes: Friday 23rd February 2024 5pm",
    )
    await t.ask(alice, room, "!vote 1")
    await t.ask(bob, room, "!vote 2")

    alice.mark()
    clock.set("2024-02-22 17:00", "Europe/London")
    await t.parts.scheduler.run_due()
    nudge = await alice.wait_for(lambda e: e.sender == t.user_id and "please vote" in e.body)
    assert nudge.msgtype == "m.text" and nudge.mentions == [carol.user_id]

    clock.set("2024-02-23 17:00", "Europe/London")
    await t.parts.scheduler.run_due()
    announced = await alice.wait_for(lambda e: e.sender == t.user_id and "is closed" in e.body)
    assert "It is a tie between:" in announced.body
    assert "1. Mon 26 Feb 2024, 15:00–16:00 GMT (1 yes, 0 maybe)" in announced.body
    assert "2. Tue 27 Feb 2024, 15:00–16:00 GMT (1 yes, 0 maybe)" in announced.body
    await (
        t.parts.scheduler.settle()
    )  # the close has posted all it will; the clock stands, nothing else is due
    await alice.until_synced()
    after_nudge = alice.events(since=nudge.position + 1)
    assert not [
        e for e in after_nudge if e.sender == t.user_id and (e.msgtype == "m.file" or "please vote" in e.body)
    ]
    plugin = t.plugin(DatePoll)
    with pytest.raises(UserError, match=r"P1 ended in a tie \(options 1, 2\)"):
        await plugin.winner_for_meeting(room, 1)


async def test_stable_poll_names_remind_list_other_zone_and_oversized_poll(start_bot, chat):
    t = await start_bot(plugins=[DatePoll], clock=london())
    alice, bob, carol = await chat("alice"), await chat("bob"), await chat("carol")
    room = await t.room_with(alice, bob, carol)
    too_big = await t.ask(alice, room, "!poll " + "x" * 20000 + "\n26 Feb 2024 3pm\n27 Feb 2024 3pm")
    assert "That poll would be" in too_big.body
    text = await t.ask(
        alice, room, "!poll Call\n3-4pm Monday 26th February 2024\n3-4pm Tuesday 27th February 2024"
    )
    await t.ask(alice, room, "!vote maybe 1 2")
    await alice.react(room, text.event_id, "1️⃣")  # a reaction turns her maybe for option 1 into a yes
    poll = await alice.wait_for(lambda e: e.type == POLL_START and e.sender == t.user_id, after=0)
    stable = {"m.relates_to": {"rel_type": "m.reference", "event_id": poll.event_id}, "m.selections": ["2"]}
    await carol.send(room, "m.poll.response", stable)
    listed = await t.ask(bob, room, "!polls")
    assert "P1: Call (2 options, 2 voted)" in listed.body
    with pytest.raises(UserError, match="still open"):
        await t.plugin(DatePoll).winner_for_meeting(room, 1)

    nudge = await t.ask(alice, room, "!poll remind")
    assert nudge.msgtype == "m.text" and nudge.mentions == [bob.user_id]

    await t.ask(bob, room, "!set my timezone Europe/Berlin")
    results = await t.ask(bob, room, "!poll P1")
    assert "1. Mon 26 Feb 2024, 15:00–16:00 GMT / 16:00–17:00 CET  1  0" in results.body
    assert "2. Tue 27 Feb 2024, 15:00–16:00 GMT / 16:00–17:00 CET  1  1" in results.body
    assert "Not voted yet: bob" in results.body
    none = await t.ask(bob, room, "!vote none")
    assert "Your vote in P1: none of the options." in none.body
    assert "Everyone here has voted in P1." in (await t.ask(alice, room, "!poll remind")).body


async def test_deadline_passed_while_offline_closes_late_with_the_calendar_file(start_bot, chat):
    clock = london()
    t = await start_bot(plugins=[DatePoll], clock=clock)
    alice = await chat("alice")
    room = await t.room_with(alice)
    poll = "!poll Call\n26 February 2024\n27 February 2024\ncloses: 21 February 2024 12:00"
    await t.ask(alice, room, poll)
    await t.ask(alice, room, "!vote 2")
    await t.stop()
    clock.set("2024-02-21 13:00", "Europe/London")
    alice.mark()
    await t.resume()
    announced = await alice.wait_for(lambda e: e.sender == t.user_id and "is closed" in e.body)
    assert "\nThis result is late: the bot was offline at the deadline." in announced.body
    assert "Winner: 2. Tue 27 Feb 2024 (1 yes, 0 maybe)" in announced.body
    await alice.wait_for(lambda e: e.sender == t.user_id and e.msgtype == "m.file")
    nudges = [e for e in alice.events(room) if e.sender == t.user_id and "please vote" in e.body]
    assert nudges == []  # everyone had voted: the reminder due while the bot was down has nobody to nudge


async def test_the_numbered_message_is_the_live_tally_of_every_way_of_voting(start_bot, chat):
    """Through the real homeserver: a vote by command, by reaction and by native tick are each
    followed by an edit of the bot's numbered message with the counts and who has not voted."""
    t = await start_bot(plugins=[DatePoll], clock=london())
    alice, bob, carol = await chat("alice"), await chat("bob"), await chat("carol")
    room = await t.room_with(alice, bob, carol)
    text = await t.ask(alice, room, "!poll Call\n3pm 26 February 2024\n3pm 27 February 2024")
    assert "In Element Web the poll takes one tick" in text.body
    poll = await alice.wait_for(lambda e: e.type == POLL_START and e.sender == t.user_id, after=0)
    names = {c: c.user_id[1:].split(":")[0] for c in (alice, bob, carol)}

    alice.mark()
    await t.ask(bob, room, "!vote 1")
    await alice.wait_for(
        edit_by(
            t.user_id,
            text.event_id,
            "1. Mon 26 Feb 2024, 15:00 GMT — 1 yes, 0 maybe",
            f"Not voted yet: {names[alice]}",
        )
    )
    alice.mark()
    await carol.react(room, text.event_id, "2️⃣")
    await alice.wait_for(
        edit_by(
            t.user_id,
            text.event_id,
            "2. Tue 27 Feb 2024, 15:00 GMT — 1 yes, 0 maybe",
            f"Not voted yet: {names[alice]}",
        )
    )
    alice.mark()
    await alice.send(room, POLL_RESPONSE, native_vote(poll, "1", "2"))
    await alice.wait_for(
        edit_by(
            t.user_id,
            text.event_id,
            "1. Mon 26 Feb 2024, 15:00 GMT — 2 yes, 0 maybe",
            "2. Tue 27 Feb 2024, 15:00 GMT — 2 yes, 0 maybe",
            "Not voted yet: nobody",
        )
    )
