"""Every SQL statement of the agenda plugin."""

from __future__ import annotations

from datetime import UTC, datetime

from matrixbot import Database, Row, When, in_zone, make_once

from .model import Topic, meeting_end

_SELECT = (
    "SELECT t.*, (SELECT COUNT(*) FROM agenda_support s WHERE s.topic_id = t.id) AS support "
    "FROM agenda_topics t"
)


class TopicStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, room_id: str, proposer: str, source_event: str, title: str, notes: str) -> Topic:
        """Store a topic; a re-run of the same command (after a crash) finds the topic it made."""
        async with self.db.transaction() as tx:

            async def insert() -> int:
                return await tx.execute(
                    "INSERT INTO agenda_topics (room_id, proposer, source_event, title, notes) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (room_id, proposer, source_event, title, notes),
                )

            made = await make_once(tx, "agenda_topics", source_event, insert)
            row = await tx.fetch_one(f"{_SELECT} WHERE t.id = ?", (made.id,))
            assert row is not None  # made or found in this transaction
            return _topic(row)

    async def set_event(self, topic_id: int, event_id: str) -> None:
        """Remember the message announcing the topic: 👍 on it supports the topic."""
        await self.db.execute("UPDATE agenda_topics SET event_id = ? WHERE id = ?", (event_id, topic_id))

    async def get(self, room_id: str, topic_id: int) -> Topic | None:
        row = await self.db.fetch_one(f"{_SELECT} WHERE t.id = ? AND t.room_id = ?", (topic_id, room_id))
        return None if row is None else _topic(row)

    async def by_message(self, room_id: str, event_id: str) -> Topic | None:
        row = await self.db.fetch_one(
            f"{_SELECT} WHERE t.room_id = ? AND t.event_id = ?", (room_id, event_id)
        )
        return None if row is None else _topic(row)

    async def open_topics(self, room_id: str) -> list[Topic]:
        rows = await self.db.fetch_all(f"{_SELECT} WHERE t.room_id = ? AND t.done = 0", (room_id,))
        return [_topic(r) for r in rows]

    async def set_done(self, topic_id: int) -> None:
        await self.db.execute("UPDATE agenda_topics SET done = 1 WHERE id = ?", (topic_id,))

    async def support(self, topic_id: int, user_id: str, *, given: bool) -> None:
        """Record or withdraw one person's support; saying it twice counts once."""
        if given:
            await self.db.execute(
                "INSERT INTO agenda_support (topic_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (topic_id, user_id),
            )
        else:
            await self.db.execute(
                "DELETE FROM agenda_support WHERE topic_id = ? AND user_id = ?", (topic_id, user_id)
            )

    async def set_date(self, room_id: str, when: When) -> None:
        """Say when the room's agenda is for (one date per room: a new one replaces it)."""
        await self.db.execute(
            "INSERT INTO agenda_dates (room_id, starts_at, ends_at, all_day, zone) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (room_id) DO UPDATE SET starts_at = excluded.starts_at, "
            "ends_at = excluded.ends_at, all_day = excluded.all_day, zone = excluded.zone",
            (
                room_id,
                when.start_utc.timestamp(),
                meeting_end(when).timestamp(),
                int(when.all_day),
                when.zone,
            ),
        )

    async def clear_date(self, room_id: str) -> bool:
        return await self.db.execute("DELETE FROM agenda_dates WHERE room_id = ?", (room_id,)) > 0

    async def date(self, room_id: str) -> When | None:
        row = await self.db.fetch_one("SELECT * FROM agenda_dates WHERE room_id = ?", (room_id,))
        if row is None:
            return None
        zone = row["zone"]
        start, end = (in_zone(datetime.fromtimestamp(row[c], UTC), zone) for c in ("starts_at", "ends_at"))
        return When(start, end, zone, bool(row["all_day"]))


def _topic(row: Row) -> Topic:
    return Topic(
        id=row["id"],
        room_id=row["room_id"],
        proposer=row["proposer"],
        title=row["title"],
        notes=row["notes"],
        event_id=row["event_id"],
        done=bool(row["done"]),
        support=row["support"],
    )
