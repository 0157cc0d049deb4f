"""Every SQL statement of the meetings plugin."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from matrixbot import Database, Recurrence, Row, Tx

from .model import Meeting, SimpleReminder

_MEETING_COLUMNS = (
    "room_id, organiser, title, first_at, next_at, zone, duration_s, url, code, code_revealed, "
    "reveal_s, remind, notify, notify_room, repeat, generation, state, notify_organiser"
)


def _ts(moment: datetime) -> float:
    return moment.timestamp()


def _dt(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def _seconds(delta: timedelta | None) -> int | None:
    return None if delta is None else int(delta.total_seconds())


def _delta(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)


def _meeting_values(m: Meeting) -> tuple[Any, ...]:
    return (
        m.room_id,
        m.organiser,
        m.title,
        _ts(m.first_at),
        _ts(m.next_at),
        m.zone,
        _seconds(m.duration),
        m.url,
        m.code,
        int(m.code_revealed),
        _seconds(m.reveal),
        json.dumps([_seconds(d) for d in m.remind]),
        json.dumps(list(m.notify)),
        int(m.notify_room),
        None if m.repeat is None else m.repeat.to_json(),
        m.generation,
        m.state,
        int(m.notify_organiser),
    )


def _meeting(row: Row) -> Meeting:
    return Meeting(
        id=row["id"],
        room_id=row["room_id"],
        organiser=row["organiser"],
        title=row["title"],
        first_at=_dt(row["first_at"]),
        next_at=_dt(row["next_at"]),
        zone=row["zone"],
        duration=_delta(row["duration_s"]),
        url=row["url"],
        code=row["code"],
        code_revealed=bool(row["code_revealed"]),
        reveal=_delta(row["reveal_s"]),
        remind=tuple(timedelta(seconds=s) for s in json.loads(row["remind"])),
        notify=tuple(json.loads(row["notify"])),
        notify_room=bool(row["notify_room"]),
        repeat=None if row["repeat"] is None else Recurrence.from_json(row["repeat"]),
        generation=row["generation"],
        confirm_event=row["confirm_event"],
        state=row["state"],
        notify_organiser=bool(row["notify_organiser"]),
    )


def _reminder(row: Row) -> SimpleReminder:
    return SimpleReminder(
        id=row["id"],
        room_id=row["room_id"],
        creator=row["creator"],
        text=row["text"],
        due_at=_dt(row["due_at"]),
        zone=row["zone"],
        repeat=None if row["repeat"] is None else Recurrence.from_json(row["repeat"]),
        first_at=_dt(row["first_at"]),
        confirm_event=row["confirm_event"],
        state=row["state"],
    )


class MeetingStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- meetings -------------------------------------------------------------------------------

    async def insert(self, tx: Tx, meeting: Meeting) -> int:
        marks = ", ".join("?" * len(_meeting_values(meeting)))
        return await tx.execute(
            f"INSERT INTO meetings_meetings ({_MEETING_COLUMNS}) VALUES ({marks})", _meeting_values(meeting)
        )

    async def save(self, tx: Tx, meeting: Meeting) -> None:
        assignments = ", ".join(f"{c.strip()} = ?" for c in _MEETING_COLUMNS.split(","))
        await tx.execute(
            f"UPDATE meetings_meetings SET {assignments} WHERE id = ?",
            (*_meeting_values(meeting), meeting.id),
        )

    async def get(self, meeting_id: int) -> Meeting | None:
        row = await self._db.fetch_one("SELECT * FROM meetings_meetings WHERE id = ?", (meeting_id,))
        return None if row is None else _meeting(row)

    async def codes(self) -> list[str]:
        """The access codes of every meeting still to come (for the log's secret filter)."""
        rows = await self._db.fetch_all(
            "SELECT DISTINCT code FROM meetings_meetings WHERE code IS NOT NULL AND state = 'active'"
        )
        return [r["code"] for r in rows]

    async def active_in(self, room_id: str) -> list[Meeting]:
        rows = await self._db.fetch_all(
            "SELECT * FROM meetings_meetings WHERE room_id = ? AND state = 'active' ORDER BY next_at, id",
            (room_id,),
        )
        return [_meeting(r) for r in rows]

    async def on_calendar(self, room_id: str, since: datetime) -> list[tuple[Meeting, list[datetime]]]:
        """The room's meetings for its calendar: the active ones, and one-offs that took place since
        `since` (a day's margin: the caller checks each end), each with its skipped occurrences."""
        rows = await self._db.fetch_all(
            "SELECT * FROM meetings_meetings WHERE room_id = ? "
            "AND (state = 'active' OR (state = 'done' AND next_at >= ?)) ORDER BY next_at, id",
            (room_id, _ts(since - timedelta(days=1))),
        )
        skips = await self._db.fetch_all(
            "SELECT s.meeting_id, s.occurrence FROM meetings_skips s JOIN meetings_meetings m "
            "ON m.id = s.meeting_id WHERE m.room_id = ? ORDER BY s.occurrence",
            (room_id,),
        )
        skipped: dict[int, list[datetime]] = {}
        for skip in skips:
            skipped.setdefault(skip["meeting_id"], []).append(_dt(skip["occurrence"]))
        return [(m, skipped.get(m.id, [])) for m in map(_meeting, rows)]

    async def add_skip(self, tx: Tx, meeting_id: int, occurrence: datetime) -> None:
        await tx.execute(
            "INSERT INTO meetings_skips (meeting_id, occurrence) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (meeting_id, _ts(occurrence)),
        )

    async def set_confirm_event(self, meeting_id: int, event_id: str) -> None:
        await self._db.execute(
            "UPDATE meetings_meetings SET confirm_event = ? WHERE id = ?", (event_id, meeting_id)
        )

    async def mark_revealed(self, meeting_id: int) -> None:
        await self._db.execute("UPDATE meetings_meetings SET code_revealed = 1 WHERE id = ?", (meeting_id,))

    # -- simple reminders -----------------------------------------------------------------------

    async def insert_reminder(self, tx: Tx, r: SimpleReminder) -> int:
        return await tx.execute(
            "INSERT INTO meetings_reminders (room_id, creator, text, due_at, zone, repeat, first_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                r.room_id,
                r.creator,
                r.text,
                _ts(r.due_at),
                r.zone,
                None if r.repeat is None else r.repeat.to_json(),
                _ts(r.first_at),
            ),
        )

    async def get_reminder(self, reminder_id: int) -> SimpleReminder | None:
        row = await self._db.fetch_one("SELECT * FROM meetings_reminders WHERE id = ?", (reminder_id,))
        return None if row is None else _reminder(row)

    async def reminders_in(self, room_id: str) -> list[SimpleReminder]:
        rows = await self._db.fetch_all(
            "SELECT * FROM meetings_reminders WHERE room_id = ? AND state = 'active' ORDER BY due_at, id",
            (room_id,),
        )
        return [_reminder(r) for r in rows]

    async def move_reminder(self, tx: Tx, reminder_id: int, due: datetime | None) -> None:
        """Point a reminder at its next time, or mark it done when there is none."""
        if due is None:
            await tx.execute("UPDATE meetings_reminders SET state = 'done' WHERE id = ?", (reminder_id,))
        else:
            await tx.execute("UPDATE meetings_reminders SET due_at = ? WHERE id = ?", (_ts(due), reminder_id))

    async def cancel_reminder(self, tx: Tx, reminder_id: int) -> None:
        await tx.execute("UPDATE meetings_reminders SET state = 'cancelled' WHERE id = ?", (reminder_id,))

    async def set_reminder_confirm_event(self, reminder_id: int, event_id: str) -> None:
        await self._db.execute(
            "UPDATE meetings_reminders SET confirm_event = ? WHERE id = ?", (event_id, reminder_id)
        )

    # -- 👍 subscribers -------------------------------------------------------------------------

    async def item_confirmed_by(self, room_id: str, event_id: str) -> tuple[str, int] | None:
        """The meeting ('M', id) or reminder ('R', id) whose confirmation is `event_id`."""
        for kind, table in (("M", "meetings_meetings"), ("R", "meetings_reminders")):
            found = await self._db.fetch_value(
                f"SELECT id FROM {table} WHERE room_id = ? AND confirm_event = ? AND state = 'active'",
                (room_id, event_id),
            )
            if found is not None:
                return kind, found
        return None

    async def subscribe(self, kind: str, item_id: int, user_id: str) -> None:
        await self._db.execute(
            "INSERT INTO meetings_subscribers (kind, item_id, user_id, position) VALUES (?, ?, ?, "
            "(SELECT COALESCE(MAX(position), 0) + 1 FROM meetings_subscribers)) ON CONFLICT DO NOTHING",
            (kind, item_id, user_id),
        )

    async def unsubscribe(self, kind: str, item_id: int, user_id: str) -> None:
        await self._db.execute(
            "DELETE FROM meetings_subscribers WHERE kind = ? AND item_id = ? AND user_id = ?",
            (kind, item_id, user_id),
        )

    async def subscribers(self, kind: str, item_id: int) -> list[str]:
        rows = await self._db.fetch_all(
            "SELECT user_id FROM meetings_subscribers WHERE kind = ? AND item_id = ? ORDER BY position",
            (kind, item_id),
        )
        return [r["user_id"] for r in rows]
