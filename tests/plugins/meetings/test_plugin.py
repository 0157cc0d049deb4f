"""The meetings plugin through the real homeserver: reminders on time, after downtime, with reactions
and edits, codes redacted. The commands' refusals and bad input: test_commands.py (FakeBot)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from matrixbot.plugins.meetings import Meetings

from matrixbot.testing.chat import Seen
from matrixbot.testing.testbot import TestBot
from matrixbot.time import FakeClock

CODE = "486072"


def _reminder_from(t: TestBot, room: str, word: str):
    def match(e: Seen) -> bool:
        return e.sender == t.user_id and e.room_id == room and e.msgtype == "m.text" and word in e.body

    match.__qualname__ = f"a reminder with {word!r}"
    return match


async def _due_times(t: TestBot, prefix: str) -> list[datetime]:
    plugin = t.plugin(Meetings)
    return [job.due_at for job in await plugin.jobs.pending(prefix) if job.handler in ("remind", "reminder")]


async def test_reminder_on_time_with_code_and_mentions_code_hidden_before(start_bot, chat):
    clock = FakeClock(datetime.now(UTC))
    t = await start_bot(plugins=[Meetings], clock=clock)
    alice, bob, carol, dave = await chat("alice"), await chat("bob"), await chat("carol"), await chat("dave")
    room = await t.room_with(alice, bob, carol, dave, power_levels={"users": {t.user_id: 50}})
    asked = await alice.say(
        room,
        "!meeting Planning call\nwhen: in 1 minute\nurl: https://meet.example.coop/plan\n"
        f"code: {CODE}\nremind: 50 seconds\nnotify: {bob.user_id} {carol.user_id}",
    )
    confirm = await alice.wait_for_reply(asked, sender=t.user_id)
    (due,) = await _due_times(t, "m1:")
    assert "M1" in confirm.body and "Planning call" in confirm.body
    assert (
        CODE not in confirm.body and "••••••" in confirm.body and "revealed 50 seconds before" in confirm.body
    )
    assert "I removed your message" in confirm.body
    await alice.wait_for(lambda e: e.type == "m.room.redaction" and e.redacts == asked, after=0)

    await dave.until_synced()
    await dave.react(room, confirm.event_id, "👍")
    shown = await t.ask(dave, room, "!meeting M1")
    assert dave.user_id in shown.content["formatted_body"] and CODE not in shown.body
    listing = await t.ask(bob, room, "!meetings")
    assert "M1 Planning call" in listing.body and CODE not in listing.body

    clock.set(due)
    await t.parts.scheduler.run_due()
    reminder = await alice.wait_for(_reminder_from(t, room, CODE))
    assert "Planning call" in reminder.body and "https://meet.example.coop/plan" in reminder.body
    assert "in 50 seconds" in reminder.body and "was due" not in reminder.body
    assert reminder.mentions == [alice.user_id, bob.user_id, carol.user_id, dave.user_id], (
        "the organiser, the notify: people, then who reacted 👍"
    )
    assert bob.user_id in reminder.content["formatted_body"]
    assert "room" not in reminder.content["m.mentions"]


async def test_reminder_due_while_down_is_posted_once_marked_late(start_bot, chat):
    clock = FakeClock(datetime.now(UTC))
    t = await start_bot(plugins=[Meetings], clock=clock)
    alice = await chat("alice")
    room = await t.room_with(alice)
    await t.ask(alice, room, "!meeting Stand-up\nwhen: in 1 minute\nremind: 55 seconds")
    (due,) = await _due_times(t, "m1:")
    await t.stop()
    clock.set(due + timedelta(seconds=2))  # it falls due while the bot is down
    await t.resume()
    late = await alice.wait_for(_reminder_from(t, room, "Stand-up"), timeout=20)
    assert "This reminder was due" in late.body and "offline" in late.body
    await alice.until_synced()
    assert len([e for e in alice.events(room) if _reminder_from(t, room, "Stand-up")(e)]) == 1


async def test_simple_reminders_with_thumbs_up_subscribers(start_bot, chat):
    clock = FakeClock("2024-06-03 08:00", "Europe/London")
    t = await start_bot(plugins=[Meetings], clock=clock)
    alice, bob, carol = await chat("alice"), await chat("bob"), await chat("carol")
    room = await t.room_with(alice, bob, carol)
    made = await t.ask(alice, room, "!remind tomorrow 9am send invoices")
    assert "R1" in made.body and "Tue 4 Jun 2024, 09:00 BST" in made.body and "send invoices" in made.body
    weekly = await t.ask(bob, room, "!remind every monday 10am weekly check")
    assert "R2" in weekly.body and "Mon 3 Jun 2024, 10:00 BST" in weekly.body
    await bob.react(room, made.event_id, "👍")
    undo = await carol.react(room, made.event_id, "👍")
    await carol.redact(room, undo)
    listing = await t.ask(carol, room, "!reminders")
    assert "R1" in listing.body and "R2" in listing.body
    refused = await t.ask(carol, room, "!reminder cancel R2")
    name = lambda c: c.user_id[1:].split(":")[0]  # noqa: E731 (their display name on the test server)
    assert refused.body == f"Only {name(bob)} (who set it) or a room admin ({name(alice)}) can cancel R2."

    clock.set("2024-06-03 10:00", "Europe/London")
    await t.parts.scheduler.run_due()
    await alice.wait_for(_reminder_from(t, room, "weekly check"))
    await _settled(t)
    assert "Mon 10 Jun 2024, 10:00 BST" in (await t.ask(bob, room, "!reminder R2")).body
    clock.set("2024-06-04 09:00", "Europe/London")
    await t.parts.scheduler.run_due()
    posted = await alice.wait_for(_reminder_from(t, room, "send invoices"))
    assert set(posted.mentions) == {alice.user_id, bob.user_id}
    assert "Cancelled reminder R2" in (await t.ask(bob, room, "!reminder cancel R2")).body
    assert "No reminders" in (await t.ask(bob, room, "!reminders")).body


async def test_edit_reschedules_room_mention_and_missed_reminder(start_bot, chat):
    clock = FakeClock("2024-03-04 09:00", "Europe/London")
    t = await start_bot(plugins=[Meetings], clock=clock)
    alice, bob = await chat("alice"), await chat("bob")
    room = await t.room_with(alice, bob)
    refused = await t.ask(bob, room, "!meeting All hands\nwhen: Friday 2pm\nnotify: @room")
    assert refused.body.startswith("You may not mention @room in this room") and ", or let " in refused.body
    await t.ask(alice, room, "!meeting All hands\nwhen: Friday 2pm\nnotify: @room\nremind: 1 hour")
    edited = await t.ask(alice, room, "!meeting edit M1\nwhen: Thursday 2pm\ntitle: <b>All</b> hands")
    assert "Updated M1" in edited.body and "Thu 7 Mar 2024, 14:00 GMT" in edited.body
    assert "&lt;b&gt;All&lt;/b&gt;" in edited.content["formatted_body"]
    assert await _due_times(t, "m1:") == [datetime(2024, 3, 7, 13, 0, tzinfo=UTC)]
    await t.ask(alice, room, "!meeting Retro\nwhen: Thursday 4pm\nremind: 1 hour")

    clock.set("2024-03-07 13:00", "Europe/London")
    await t.parts.scheduler.run_due()
    posted = await alice.wait_for(_reminder_from(t, room, "All</b> hands"))
    assert posted.content["m.mentions"].get("room") is True and "@room" in posted.body
    assert "in 1 hour" in posted.body and "Thu 7 Mar 2024, 14:00 GMT" in posted.body
    clock.set("2024-03-08 09:00", "Europe/London")
    await t.parts.scheduler.run_due()
    missed = await alice.wait_for(lambda e: e.sender == t.user_id and "I missed the reminder" in e.body)
    assert "Retro" in missed.body and "M2" in missed.body and missed.msgtype == "m.notice"
    await _settled(t)
    assert "No upcoming meetings" in (await t.ask(alice, room, "!meetings")).body


async def _settled(t: TestBot) -> None:
    """Wait until the jobs started by `run_due` have finished (the scheduler's pool drains)."""
    await t.parts.scheduler.settle()
