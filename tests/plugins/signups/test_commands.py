"""signups' commands on the fake transport: refusals, bad input, the live list's text, organiser
edits, moves and removals, export, the reminder and its scheduling. 🙋 reactions, the waitlist
across a restart and reminders after downtime go through the homeserver (test_plugin.py)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from matrixbot.plugins.signups import Signups

from matrixbot.testing import FakeBot, FakeClock, MakeFakeBot, Posted

ALICE, BOB, CAROL, DAVE = "@alice:x", "@bob:x", "@carol:x", "@dave:x"
TECH_CHATS = (
    "!signup new Tech chats at Space4\nwhen: Thursday 13th June 2024 6pm\nwhere: Space4, London\n"
    "talks: 1\nplaces: 2\nslot: 15 minutes"
)


async def signups_bot(fake_bot: MakeFakeBot) -> tuple[FakeBot, FakeClock]:
    clock = FakeClock("2024-06-01 10:00", "Europe/London")
    return await fake_bot(plugins=[Signups], clock=clock), clock


async def say_all(bot: FakeBot, room: str, sender: str, text: str) -> tuple[Posted, list[Posted]]:
    """Say `text`; return the bot's answer and everything it posted for it (edits, pings)."""
    posted = await bot.send(room, sender, "m.room.message", {"msgtype": "m.text", "body": text})
    [answer] = [p for p in posted if p.reply_to is not None]
    return answer, posted


def list_edit(posted: list[Posted], listing: str) -> str:
    """The new text of the live list `listing`, edited among `posted`."""
    [edit] = [p for p in posted if p.edits == listing]
    assert edit.content["m.mentions"] == {}, "the live list never pings"
    return edit.new_body


def ping(posted: list[Posted], person: str, text: str) -> Posted:
    """The one notifying message (m.text) among `posted` that mentions `person` and says `text`."""
    [found] = [p for p in posted if p.msgtype == "m.text" and person in p.mentions and text in p.body]
    return found


async def test_talks_their_limits_help_and_times_in_the_readers_zone(fake_bot: MakeFakeBot) -> None:
    bot, _ = await signups_bot(fake_bot)
    room = bot.room(ALICE, BOB, CAROL)
    listing = await bot.say(room, ALICE, TECH_CHATS)
    assert listing.msgtype == "m.notice"
    assert "S1 Tech chats at Space4" in listing.body and "When: Thu 13 Jun 2024, 18:00 BST" in listing.body
    assert "Talks (0 of 1 slots taken, 15 minutes each): none yet" in listing.body
    assert "Coming (0 of 2 places taken, 2 left): nobody yet" in listing.body
    coming = await bot.say(room, ALICE, "!signup attend")
    assert coming.body == "You are coming to S1."
    await bot.say(room, CAROL, "!signup attend S1")

    talk, posted = await say_all(bot, room, CAROL, "!signup talk <b>Books</b> & co")
    assert talk.body == "You have talk slot 1 in S1, starting 18:00 BST."
    [edit] = [p for p in posted if p.edits == listing.event_id]
    assert "18:00 BST carol — <b>Books</b> & co" in edit.new_body
    assert "&lt;b&gt;Books&lt;/b&gt; &amp; co" in edit.content["m.new_content"]["formatted_body"]
    assert "<b>Books</b>" not in edit.content["m.new_content"]["formatted_body"]

    full = await bot.say(room, BOB, "!signup talk Another")
    assert "All talk slots of S1 are taken; you are number 1 on its talk waitlist" in full.body
    long_topic = await bot.say(room, BOB, "!signup talk " + "x" * 301)
    assert "a topic may have at most 300" in long_topic.body
    help_text = await bot.say(room, BOB, "!help signup")
    assert "!signup talk [ID] TOPIC — Offer a talk" in help_text.body
    await bot.say(room, BOB, "!set my timezone America/New_York")
    shown = await bot.say(room, BOB, "!signup S1")
    assert "When: Thu 13 Jun 2024, 18:00 BST / 13:00 EDT" in shown.body
    assert "Waiting for a talk slot: bob (Another)" in shown.body
    # carol came, then took a talk: a speaker holds a place by speaking, counted once (issue 17)
    assert "Coming (1 of 2 places taken, 1 left): alice" in shown.body
    assert "Talks (1 of 1 slots taken" in shown.body


async def test_organiser_edits_moves_removes_exports_and_the_reminder(fake_bot: MakeFakeBot) -> None:
    bot, clock = await signups_bot(fake_bot)
    room = bot.room(ALICE, BOB, CAROL, DAVE)
    listing = await bot.say(
        room,
        ALICE,
        "!signup new Co-op gathering\nwhen: Thursday 13th June 2024 6pm\ntalks: 2\nplaces: 2\nslot: 20 minutes",
    )
    original = listing.event_id
    # speakers hold their place by speaking (issue 17), so the places are bob's and carol's
    for person, command in ((BOB, "attend"), (CAROL, "attend"), (DAVE, "talk First"), (ALICE, "talk Second")):
        await bot.say(room, person, f"!signup {command}")

    refused = await bot.say(room, BOB, "!signup close S1")
    assert refused.body == "Only alice (its organiser) or a room admin can close S1."

    answer, posted = await say_all(bot, room, ALICE, "!signup edit S1\nplaces: 1")
    assert answer.body == "Updated S1. Moved to the waitlist: carol."
    told = ping(posted, CAROL, "moved to the front of the waitlist")
    assert ALICE in told.mentions

    answer, posted = await say_all(bot, room, ALICE, "!signup move S1 2 1")
    assert answer.body == "Moved talk 2 of S1 to place 1."
    moved = list_edit(posted, original)
    assert "18:00 BST alice — Second" in moved and "18:20 BST dave — First" in moved

    answer, posted = await say_all(bot, room, ALICE, f"!signup remove S1 {BOB}")
    assert (
        answer.body
        == "bob: alice took you off S1 Co-op gathering (your place). To sign up again: !signup attend S1."
    )
    assert answer.mentions == [BOB] and answer.msgtype == "m.text"
    ping(posted, CAROL, "a place opened up")
    assert "(1 of 1 places taken, 0 left): carol" in list_edit(posted, original)

    overview = await bot.say(room, BOB, "!signups")
    assert (
        "S1 Co-op gathering — Thu 13 Jun 2024, 18:00 BST (1 coming, 0 places left, 0 of 2 talk slots free)"
        in overview.body
    )
    busy = await bot.plugin(Signups).busy_times(
        room, datetime(2024, 6, 13, tzinfo=UTC), datetime(2024, 6, 14, tzinfo=UTC)
    )
    assert [(b.title, b.end - b.start) for b in busy] == [("S1 Co-op gathering", timedelta(minutes=40))]

    exported = await bot.say(room, ALICE, "!signup export")
    assert exported.msgtype == "m.file" and exported.body == "signups-S1.csv"
    assert exported.content["info"]["mimetype"] == "text/csv"
    rows = list(csv.reader(io.StringIO(bot.fake.uploads[exported.content["url"]].decode())))
    assert ["S1", "attend", "confirmed", "1", "", f"'{CAROL}", "carol"] in [r[:7] for r in rows]  # '@ quoted
    ics = await bot.say(room, ALICE, "!signup ics S1")
    assert ics.msgtype == "m.file" and ics.content["info"]["mimetype"] == "text/calendar"
    assert b"SUMMARY:Co-op gathering" in bot.fake.uploads[ics.content["url"]]

    clock.set("2024-06-12 18:00", "Europe/London")
    reminder = ping(
        await bot.run_due(), CAROL, "Reminder: S1 Co-op gathering is on Thu 13 Jun 2024, 18:00 BST"
    )
    assert "late" not in reminder.body

    closed = await bot.say(room, ALICE, "!signup close S1")
    assert closed.body == "S1 is closed."
    late_comer = await bot.say(room, BOB, "!signup attend S1")
    assert late_comer.body == "S1 is closed. New sign-ups are not taken."
    reopened = await bot.say(room, ALICE, "!signup reopen S1")
    assert reopened.body == "S1 is open again."
    waiting = await bot.say(room, BOB, "!signup attend S1")
    assert "S1 is full; you are number 1 on the waitlist" in waiting.body
    await bot.say(room, ALICE, "!signup close S1")
    gone = await bot.say(room, BOB, "!signup withdraw S1")
    assert gone.body == "You are off S1."


async def test_a_speaker_already_has_a_place_and_reminders_follow_edits(fake_bot: MakeFakeBot) -> None:
    bot, _ = await signups_bot(fake_bot)
    room = bot.room(ALICE, BOB)
    await bot.say(room, ALICE, "!signup new Missed\nwhen: Thursday 13th June 2024 6pm\ntalks: 1")
    await bot.say(room, ALICE, "!signup talk S1 Intro")
    speaker = await bot.say(room, ALICE, "!signup attend S1")
    assert speaker.body == "You are giving a talk at S1, so you already have a place."

    signups = bot.plugin(Signups)
    await bot.say(room, ALICE, "!signup new Moved\nwhen: Thursday 13th June 2024 6pm")
    assert [j.due_at for j in await signups.jobs.pending("s2:")] == [datetime(2024, 6, 12, 17, tzinfo=UTC)]
    edited = await bot.say(room, ALICE, "!signup edit S2\nwhen: Saturday 15th June 2024 6pm")
    assert edited.body == "Updated S2."
    assert [j.due_at for j in await signups.jobs.pending("s2:")] == [datetime(2024, 6, 14, 17, tzinfo=UTC)]
    await bot.say(room, ALICE, "!signup new Soon\nwhen: tomorrow 9am")
    assert await signups.jobs.pending("s3:") == []  # less than a day ahead: no reminder
