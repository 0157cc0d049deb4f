"""Signup lists through the real homeserver: commands, 🙋 reactions, the live list, waitlists, restarts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import nio
from matrixbot.plugins.signups import Signups

from matrixbot.testing.chat import ChatClient, Seen
from matrixbot.testing.testbot import TestBot
from matrixbot.time import FakeClock

TECH_CHATS = (
    "!signup new Tech chats at Space4\nwhen: Thursday 13th June 2024 6pm\nwhere: Space4, London\n"
    "talks: 1\nplaces: 2\nslot: 15 minutes"
)


def name(person: ChatClient) -> str:
    return person.user_id[1:].split(":")[0]


def edit_of(t: TestBot, original: str, *texts: str) -> Callable[[Seen], bool]:
    """The bot's edit of `original` whose new text contains every one of `texts`."""

    def matches(event: Seen) -> bool:
        new = event.content.get("m.new_content") or {}
        body = new.get("body", "").replace("\u2068", "").replace("\u2069", "")  # as a person reads it
        return (
            event.sender == t.user_id
            and event.relates_to.get("rel_type") == "m.replace"
            and event.relates_to.get("event_id") == original
            and all(text in body for text in texts)
        )

    return matches


def ping(t: TestBot, person: ChatClient, text: str) -> Callable[[Seen], bool]:
    """A notifying message (m.text) from the bot that mentions `person`."""
    return lambda e: (
        e.sender == t.user_id and e.msgtype == "m.text" and person.user_id in e.mentions and text in e.body
    )


async def start(start_bot, chat) -> tuple[TestBot, FakeClock, ChatClient, ChatClient, ChatClient, str]:
    clock = FakeClock("2024-06-01 10:00", "Europe/London")
    t = await start_bot(plugins=[Signups], clock=clock)
    alice, bob, carol = await chat("alice"), await chat("bob"), await chat("carol")
    room = await t.room_with(alice, bob, carol)
    return t, clock, alice, bob, carol, room


async def test_signups_by_command_and_reaction_with_waitlist_promotion_and_restart(start_bot, chat):
    t, _, alice, bob, carol, room = await start(start_bot, chat)
    listing = await t.ask(alice, room, TECH_CHATS)
    assert listing.msgtype == "m.notice"
    assert "S1 Tech chats at Space4" in listing.body and "When: Thu 13 Jun 2024, 18:00 BST" in listing.body
    assert "Talks (0 of 1 slots taken, 15 minutes each): none yet" in listing.body
    assert "Coming (0 of 2 places taken, 2 left): nobody yet" in listing.body
    original = listing.event_id

    alice.mark()
    coming = await t.ask(alice, room, "!signup attend")
    assert coming.body == "You are coming to S1."
    await alice.wait_for(edit_of(t, original, f"(1 of 2 places taken, 1 left): {name(alice)}"))

    alice.mark()
    hand = await bob.react(room, original, "🙋")
    await alice.wait_for(edit_of(t, original, f"(2 of 2 places taken, 0 left): {name(alice)}, {name(bob)}"))

    alice.mark()
    waiting = await t.ask(carol, room, "!signup attend S1")
    assert "S1 is full; you are number 1 on the waitlist" in waiting.body
    await alice.wait_for(edit_of(t, original, f"Waitlist: {name(carol)}"))

    await t.restart()
    alice.mark()
    await bob.redact(room, hand)
    promoted = await carol.wait_for(ping(t, carol, "moved up from the waitlist"))
    assert alice.user_id in promoted.mentions  # the organiser is told too
    edit = await alice.wait_for(edit_of(t, original, f"{name(alice)}, {name(carol)}"))
    assert "Waitlist" not in edit.content["m.new_content"]["body"]
    assert edit.content["m.mentions"] == {}  # the live list never pings

    alice.mark()
    talk = await t.ask(carol, room, "!signup talk <b>Books</b> & co")
    assert talk.body == "You have talk slot 1 in S1, starting 18:00 BST."
    edit = await alice.wait_for(edit_of(t, original, f"18:00 BST {name(carol)} — <b>Books</b> & co"))
    assert "&lt;b&gt;Books&lt;/b&gt; &amp; co" in edit.content["m.new_content"]["formatted_body"]

    full = await t.ask(bob, room, "!signup talk Another")
    assert "All talk slots of S1 are taken; you are number 1 on its talk waitlist" in full.body
    long_topic = await t.ask(bob, room, "!signup talk " + "x" * 301)
    assert "a topic may have at most 300" in long_topic.body
    help_text = await t.ask(bob, room, "!help signup")
    assert "!signup talk [ID] TOPIC — Offer a talk" in help_text.body
    await t.ask(bob, room, "!set my timezone America/New_York")
    shown = await t.ask(bob, room, "!signup S1")
    assert "When: Thu 13 Jun 2024, 18:00 BST / 13:00 EDT" in shown.body
    assert f"Waiting for a talk slot: {name(bob)} (Another)" in shown.body
    # carol came, then took a talk: a speaker holds a place by speaking, counted once (issue 17)
    assert f"Coming (1 of 2 places taken, 1 left): {name(alice)}" in shown.body


async def test_organiser_edits_moves_removes_exports_and_the_reminder(start_bot, chat):
    clock = FakeClock("2024-06-01 10:00", "Europe/London")
    t = await start_bot(plugins=[Signups], clock=clock)
    alice, bob, carol, dave = await chat("alice"), await chat("bob"), await chat("carol"), await chat("dave")
    room = await t.room_with(alice, bob, carol, dave)
    listing = await t.ask(
        alice,
        room,
        "!signup new Co-op gathering\nwhen: Thursday 13th June 2024 6pm\ntalks: 2\nplaces: 2\nslot: 20 minutes",
    )
    original = listing.event_id
    # speakers hold their place by speaking (issue 17), so the places are bob's and carol's
    for person, command in ((bob, "attend"), (carol, "attend"), (dave, "talk First"), (alice, "talk Second")):
        await t.ask(person, room, f"!signup {command}")

    refused = await t.ask(bob, room, "!signup close S1")
    assert refused.body == "Only its organiser or a room admin can close S1."

    alice.mark()
    shrunk = await t.ask(alice, room, "!signup edit S1\nplaces: 1")
    assert shrunk.body == f"Updated S1. Moved to the waitlist: {name(carol)}."
    told = await carol.wait_for(ping(t, carol, "moved to the front of the waitlist"))
    assert alice.user_id in told.mentions

    alice.mark()
    moved = await t.ask(alice, room, "!signup move S1 2 1")
    assert moved.body == "Moved talk 2 of S1 to place 1."
    await alice.wait_for(
        edit_of(t, original, f"18:00 BST {name(alice)} — Second", f"18:20 BST {name(dave)} — First")
    )

    alice.mark()
    removed = await t.ask(alice, room, f"!signup remove S1 {bob.user_id}")
    assert removed.body == f"Removed {name(bob)} from S1."
    await carol.wait_for(ping(t, carol, "a place opened up"))
    await alice.wait_for(edit_of(t, original, f"(1 of 1 places taken, 0 left): {name(carol)}"))

    overview = await t.ask(bob, room, "!signups")
    assert (
        "S1 Co-op gathering — Thu 13 Jun 2024, 18:00 BST (1 coming, 0 places left, 0 of 2 talk slots free)"
        in (overview.body)
    )
    busy = await t.plugin(Signups).busy_times(
        room, datetime(2024, 6, 13, tzinfo=UTC), datetime(2024, 6, 14, tzinfo=UTC)
    )
    assert [(b.title, b.end - b.start) for b in busy] == [("S1 Co-op gathering", timedelta(minutes=40))]

    exported = await t.ask(alice, room, "!signup export")
    assert exported.msgtype == "m.file" and exported.body == "signups-S1.csv"
    assert exported.content["info"]["mimetype"] == "text/csv"
    download = await alice.nio.download(exported.content["url"])
    assert isinstance(download, nio.MemoryDownloadResponse)
    assert f"S1,attend,confirmed,1,,'{carol.user_id},{name(carol)}," in download.body.decode()  # '@ is quoted
    ics = await t.ask(alice, room, "!signup ics S1")
    assert ics.msgtype == "m.file" and ics.content["info"]["mimetype"] == "text/calendar"

    alice.mark()
    clock.set("2024-06-12 18:00", "Europe/London")
    await t.parts.scheduler.run_due()
    reminder = await carol.wait_for(
        ping(t, carol, "Reminder: S1 Co-op gathering is on Thu 13 Jun 2024, 18:00 BST")
    )
    assert "late" not in reminder.body

    closed = await t.ask(alice, room, "!signup close S1")
    assert closed.body == "S1 is closed."
    late_comer = await t.ask(bob, room, "!signup attend S1")
    assert late_comer.body == "S1 is closed. New sign-ups are not taken."
    reopened = await t.ask(alice, room, "!signup reopen S1")
    assert reopened.body == "S1 is open again."
    waiting = await t.ask(bob, room, "!signup attend S1")
    assert "S1 is full; you are number 1 on the waitlist" in waiting.body
    await t.ask(alice, room, "!signup close S1")
    gone = await t.ask(bob, room, "!signup withdraw S1")
    assert gone.body == "You are off S1."


async def test_reminders_after_downtime_are_late_or_missed_and_follow_edits(start_bot, chat):
    t, clock, alice, bob, _, room = await start(start_bot, chat)
    for title, when in (("Missed", "Thursday 13th June 2024 6pm"), ("Late", "Friday 14th June 2024 1am")):
        await t.ask(alice, room, f"!signup new {title}\nwhen: {when}\ntalks: 1")
    await t.ask(alice, room, "!signup talk S1 Intro")
    speaker = await t.ask(alice, room, "!signup attend S1")
    assert speaker.body == "You are giving a talk at S1, so you already have a place."
    await t.ask(bob, room, "!signup attend S2")
    await t.ask(alice, room, "!signup new Moved\nwhen: Thursday 13th June 2024 6pm")
    edited = await t.ask(alice, room, "!signup edit S3\nwhen: Saturday 15th June 2024 6pm")
    assert edited.body == "Updated S3."
    signups = t.plugin(Signups)
    assert [j.due_at for j in await signups.jobs.pending("s3:")] == [datetime(2024, 6, 14, 17, tzinfo=UTC)]
    await t.ask(alice, room, "!signup new Soon\nwhen: tomorrow 9am")
    assert await signups.jobs.pending("s4:") == []  # less than a day ahead: no reminder

    await t.stop()
    clock.set("2024-06-13 04:00", "Europe/London")
    since = alice.mark()
    await t.resume()
    late = await bob.wait_for(ping(t, bob, "Reminder: S2 Late"))
    assert "\nThis reminder was due Thu 13 Jun 2024, 01:00 BST; the bot was offline." in late.body
    assert "Fri 14 Jun 2024, 01:00 BST" in late.body
    await alice.wait_for(lambda e: e.sender == t.user_id and "reminder for S1 Missed" in e.body)
    await alice.until_synced()
    from_bot = [e.body for e in alice.events(room, since=since) if e.sender == t.user_id]
    assert len([b for b in from_bot if "was missed" in b]) == 1
    assert not [b for b in from_bot if "S3" in b]
