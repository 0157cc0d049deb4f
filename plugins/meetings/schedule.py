"""A meeting's scheduled work: the jobs for the reminders of its next occurrence and for its start,
scheduled in the transaction that makes or changes the meeting; the reminder posts (the access
code shown only by the slot that reveals it); 👍 on a confirmation, to be mentioned in them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from matrixbot import JobRun, Message, Reaction, Tx, format_time, job, on_reaction, pill

from .model import Meeting, Slot, is_thumbs_up, mentioned, slot_key, slots_for, start_key
from .reminders import ReminderCommands
from .render import render_missed, render_reminder, times_for


class MeetingSchedule(ReminderCommands):
    @on_reaction
    async def thumbs_up(self, reaction: Reaction) -> None:
        """👍 on a meeting's or reminder's confirmation: mention me in its reminders; un-react: don't."""
        if not is_thumbs_up(reaction.key):
            return
        item = await self.store.item_confirmed_by(reaction.room_id, reaction.target)
        if item is None:
            return
        if reaction.removed:
            await self.store.unsubscribe(*item, reaction.sender)
        else:
            await self.store.subscribe(*item, reaction.sender)

    @job("remind")
    async def remind(self, run: JobRun) -> None:
        """Post one reminder of one occurrence (or say, once, that it was missed)."""
        meeting = await self.store.get(run.payload["meeting"])
        if meeting is None or meeting.state != "active":
            return
        before = timedelta(seconds=run.payload["before"])
        slot = Slot(_at(run.payload["occurrence"]), before, run.payload["shows_code"])
        due = format_time(slot.due, meeting.zone)
        if run.missed:
            await run.outbox.message(meeting.room_id, Message.from_html(render_missed(meeting, slot, due)))
            return
        users = mentioned(meeting, await self.store.subscribers("M", meeting.id))
        zones = [z for u in users if (z := await self.settings.user_zone(u)) and z != meeting.zone]
        everyone = meeting.notify_room and await self.rooms.can_mention_room(
            meeting.room_id, meeting.organiser
        )
        when = times_for(slot.occurrence, meeting.zone, zones)
        pills = [pill(u, self.rooms.display_name(meeting.room_id, u)) for u in users]

        def message() -> Message:  # rendered at each try of the send: late is judged as it goes out
            note = run.late_note()
            html = render_reminder(
                meeting,
                slot,
                self.clock.now(),
                when,
                pills,
                room=everyone,
                late_due=due if note else None,
                late_reason=note.reason if note else None,
            )
            return Message.from_html(html, mentions=users, room=everyone)

        await run.outbox.message(meeting.room_id, message, notify=True)
        if meeting.code and slot.shows_code:
            await self.store.mark_revealed(meeting.id)

    @job("start")
    async def started(self, run: JobRun) -> None:
        """An occurrence starts: move a repeating meeting on to its next one, or close a one-off."""
        meeting = await self.store.get(run.payload["meeting"])
        occurrence = _at(run.payload["occurrence"])
        if meeting is None or meeting.state != "active" or meeting.next_at != occurrence:
            return
        following = meeting.following(max(occurrence, self.clock.now()))
        async with self.db.transaction() as tx:
            if following is None:
                await self.store.save(tx, replace(meeting, state="done"))
            else:
                moved = replace(meeting, next_at=following)
                await self.store.save(tx, moved)
                await self._schedule(tx, moved)

    async def _schedule(self, tx: Tx, meeting: Meeting) -> None:
        """Jobs for the reminders of the next occurrence, and for its start."""
        occurrence = meeting.next_at
        for slot in slots_for(meeting, occurrence, self.clock.now()):
            payload = {
                "meeting": meeting.id,
                "occurrence": occurrence.timestamp(),
                "before": slot.before.total_seconds(),
                "shows_code": slot.shows_code,
            }
            key = slot_key(meeting.id, meeting.generation, slot)
            await self.jobs.schedule(tx, "remind", slot.due, payload, key=key, room_id=meeting.room_id)
        payload = {"meeting": meeting.id, "occurrence": occurrence.timestamp()}
        key = start_key(meeting.id, meeting.generation, occurrence)
        await self.jobs.schedule(tx, "start", occurrence, payload, key=key, room_id=meeting.room_id)

    async def _reschedule(self, tx: Tx, meeting: Meeting) -> Meeting:
        """Drop the pending jobs and schedule afresh under a new generation (so keys never collide)."""
        await self.jobs.cancel(tx, key_prefix=f"m{meeting.id}:")
        meeting = replace(meeting, generation=meeting.generation + 1)
        await self.store.save(tx, meeting)
        await self._schedule(tx, meeting)
        return meeting


def _at(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
