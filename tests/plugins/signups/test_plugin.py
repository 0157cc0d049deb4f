"""Signup lists through the real homeserver: 🙋 reactions and their redaction, the live list edited in
the room, the waitlist across a restart, reminders after downtime. The commands' many cases run on
the fake transport (test_commands.py)."""

from __future__ import annotations

from collections.abc import Callable

from matrixbot.plugins.signups import Signups

from matrixbot.testing.chat import ChatClient, Seen, edit_by
from matrixbot.testing.testbot import TestBot
from matrixbot.time import FakeClock

TECH_CHATS = (
    "!signup new Tech chats at Space4\nwhen: Thursday 13th June 2024 6pm\nwhere: Space4, London\n"
    "talks: 1\nplaces: 2\nslot: 15 minutes"
)


def name(person: ChatClient) -> str:
    return person.user_id[1:].split(":")[0]


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
    await alice.wait_for(edit_by(t.user_id, original, f"(1 of 2 places taken, 1 left): {name(alice)}"))

    alice.mark()
    hand = await bob.react(room, original, "🙋")
    await alice.wait_for(
        edit_by(t.user_id, original, f"(2 of 2 places taken, 0 left): {name(alice)}, {name(bob)}")
    )

    alice.mark()
    waiting = await t.ask(carol, room, "!signup attend S1")
    assert "S1 is full; you are number 1 on the waitlist" in waiting.body
    await alice.wait_for(edit_by(t.user_id, original, f"Waitlist: {name(carol)}"))

    await t.restart()
    alice.mark()
    await bob.redact(room, hand)
    promoted = await carol.wait_for(ping(t, carol, "moved up from the waitlist"))
    assert alice.user_id in promoted.mentions  # the organiser is told too
    edit = await alice.wait_for(edit_by(t.user_id, original, f"{name(alice)}, {name(carol)}"))
    assert "Waitlist" not in edit.content["m.new_content"]["body"]
    assert edit.content["m.mentions"] == {}  # the live list never pings


async def test_reminders_after_downtime_are_late_or_missed_and_follow_edits(start_bot, chat):
    t, clock, alice, bob, _, room = await start(start_bot, chat)
    for title, when in (("Missed", "Thursday 13th June 2024 6pm"), ("Late", "Friday 14th June 2024 1am")):
        await t.ask(alice, room, f"!signup new {title}\nwhen: {when}\ntalks: 1")
    await t.ask(alice, room, "!signup talk S1 Intro")
    await t.ask(bob, room, "!signup attend S2")
    await t.ask(alice, room, "!signup new Moved\nwhen: Thursday 13th June 2024 6pm")
    edited = await t.ask(alice, room, "!signup edit S3\nwhen: Saturday 15th June 2024 6pm")
    assert edited.body == "Updated S3."  # its reminder moved with it (test_commands.py): none now

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
