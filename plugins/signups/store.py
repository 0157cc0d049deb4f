"""Every SQL statement of the signups plugin.

Writes that decide places (join, leave, edit) read the list, change it and read it again inside one
`BEGIN IMMEDIATE` transaction, so two people taking the last place at once are ordered by the
database: one gets it, the other waits. Each returns the sheet before and after, for the caller to
tell who was promoted or moved to the waitlist.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from matrixbot import Database, Row, Tx, When, in_zone, made_by, make_once

from .model import Details, Entry, Held, Kind, Removal, Sheet, SignupList, holdings

Check = Callable[[Sheet], None]
"""Called with the sheet as it would be after a change, before it commits; raising refuses the change."""
Schedule = Callable[[Tx, SignupList], Awaitable[None]]
"""Schedules a list's jobs inside the transaction that creates or changes it."""
LONGEST = timedelta(days=366)
"""Lists starting this long before a window are read to see whether they still overlap it."""


@dataclass(frozen=True)
class Change:
    before: Sheet
    after: Sheet


class SignupStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self, room_id: str, organiser: str, source_event: str, details: Details, schedule: Schedule
    ) -> SignupList:
        """Store a new list and its jobs; a re-run of the same command finds the list it made."""

        async def insert() -> int:
            list_id = await tx.execute(
                "INSERT INTO signups_lists (room_id, organiser, source_event, title, starts_at, ends_at, "
                "all_day, zone, place, talks, places, closes_at, slot_seconds) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (room_id, organiser, source_event, *_detail_values(details)),
            )
            await schedule(tx, SignupList(list_id, room_id, organiser, details))
            return list_id

        async with self.db.transaction() as tx:
            made = await make_once(tx, "signups_lists", source_event, insert)
            row = (
                None
                if made.new
                else await tx.fetch_one("SELECT * FROM signups_lists WHERE id = ?", (made.id,))
            )
            return SignupList(made.id, room_id, organiser, details) if row is None else _list(row)

    async def set_event(self, list_id: int, event_id: str) -> None:
        await self.db.execute("UPDATE signups_lists SET event_id = ? WHERE id = ?", (event_id, list_id))

    async def get(self, room_id: str, list_id: int) -> SignupList | None:
        row = await self.db.fetch_one(
            "SELECT * FROM signups_lists WHERE id = ? AND room_id = ?", (list_id, room_id)
        )
        return None if row is None else _list(row)

    async def by_message(self, room_id: str, event_id: str) -> SignupList | None:
        row = await self.db.fetch_one(
            "SELECT * FROM signups_lists WHERE room_id = ? AND event_id = ?", (room_id, event_id)
        )
        return None if row is None else _list(row)

    async def by_id(self, list_id: int) -> SignupList | None:
        row = await self.db.fetch_one("SELECT * FROM signups_lists WHERE id = ?", (list_id,))
        return None if row is None else _list(row)

    async def in_room(self, room_id: str) -> list[SignupList]:
        rows = await self.db.fetch_all(
            "SELECT * FROM signups_lists WHERE room_id = ? ORDER BY starts_at, id", (room_id,)
        )
        return [_list(r) for r in rows]

    async def overlapping(self, room_id: str, start: datetime, end: datetime) -> list[SignupList]:
        """Lists of the room starting before `end` (the caller checks each one's end against `start`)."""
        rows = await self.db.fetch_all(
            "SELECT * FROM signups_lists WHERE room_id = ? AND starts_at < ? AND starts_at > ? ORDER BY starts_at",
            (room_id, end.timestamp(), (start - LONGEST).timestamp()),
        )
        return [_list(r) for r in rows]

    async def sheets_overlapping(self, room_id: str, start: datetime, end: datetime) -> list[Sheet]:
        """The room's lists overlapping start–end with their entries, read in two statements."""
        lists = [s for s in await self.overlapping(room_id, start, end) if s.end > start]
        if not lists:
            return []
        rows = await self.db.fetch_all(
            "SELECT e.* FROM signups_entries e JOIN signups_lists l ON l.id = e.list_id "
            "WHERE l.room_id = ? AND l.starts_at < ? AND l.starts_at > ? ORDER BY e.id",
            (room_id, end.timestamp(), (start - LONGEST).timestamp()),
        )
        entries: dict[int, list[Entry]] = {}
        for row in rows:
            entries.setdefault(row["list_id"], []).append(_entry(row))
        return [Sheet(s, tuple(entries.get(s.id, ()))) for s in lists]

    async def sheet(self, signup_list: SignupList) -> Sheet:
        rows = await self.db.fetch_all(
            "SELECT * FROM signups_entries WHERE list_id = ? ORDER BY id", (signup_list.id,)
        )
        return Sheet(signup_list, tuple(_entry(r) for r in rows))

    async def join(self, list_id: int, user_id: str, kind: Kind, topic: str | None, check: Check) -> Change:
        """Add a signup (a talk, or a place); an existing one of that kind is left as it is."""
        async with self.db.transaction() as tx:
            before = await _sheet(tx, list_id)
            if before.entry(user_id, kind) is None:
                position = await tx.fetch_value(
                    "SELECT COALESCE(MAX(position), 0) + 1 FROM signups_entries WHERE list_id = ?", (list_id,)
                )
                await tx.execute(
                    "INSERT INTO signups_entries (list_id, user_id, kind, topic, position) VALUES (?, ?, ?, ?, ?)",
                    (list_id, user_id, kind, topic, position),
                )
            after = await _sheet(tx, list_id)
            check(after)
            return Change(before, after)

    async def leave(self, list_id: int, user_id: str, kinds: tuple[Kind, ...]) -> Change:
        """Remove a person's signups of the given kinds."""
        async with self.db.transaction() as tx:
            before = await _sheet(tx, list_id)
            await tx.execute(
                f"DELETE FROM signups_entries WHERE list_id = ? AND user_id = ? "
                f"AND kind IN ({', '.join('?' * len(kinds))})",
                (list_id, user_id, *kinds),
            )
            return Change(before, await _sheet(tx, list_id))

    async def remove(
        self, list_id: int, user_id: str, removed_by: str, source_event: str
    ) -> tuple[Removal, Change | None] | None:
        """Take a person off a list (every signup of theirs) for the command `source_event`, and
        remember it; None if they are not on it. Handled again (after a crash) the command finds
        the removal it made, with no change (None): the person is told again, in the same words."""
        async with self.db.transaction() as tx:
            found = await made_by(tx, "signups_removals", source_event)
            if found is not None:
                return _removal(
                    await tx.fetch_one("SELECT * FROM signups_removals WHERE id = ?", (found,))
                ), None
            before = await _sheet(tx, list_id)
            held = holdings(before, user_id)
            if not held:
                return None
            topic = next((e.topic for e in before.entries if e.user_id == user_id and e.kind == "talk"), None)
            removal = Removal(user_id, removed_by, held, topic)

            async def insert() -> int:
                await tx.execute(
                    "DELETE FROM signups_entries WHERE list_id = ? AND user_id = ?", (list_id, user_id)
                )
                return await tx.execute(
                    "INSERT INTO signups_removals (list_id, user_id, removed_by, held, topic, source_event) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (list_id, user_id, removed_by, ",".join(held), topic, source_event),
                )

            await make_once(tx, "signups_removals", source_event, insert)
            return removal, Change(before, await _sheet(tx, list_id))

    async def update(self, list_id: int, details: Details, check: Check, schedule: Schedule) -> Change:
        """Change a list's details (and reschedule its jobs) in one transaction."""
        async with self.db.transaction() as tx:
            before = await _sheet(tx, list_id)
            await tx.execute(
                "UPDATE signups_lists SET title = ?, starts_at = ?, ends_at = ?, all_day = ?, zone = ?, "
                "place = ?, talks = ?, places = ?, closes_at = ?, slot_seconds = ? WHERE id = ?",
                (*_detail_values(details), list_id),
            )
            after = await _sheet(tx, list_id)
            check(after)
            await schedule(tx, after.signup_list)
            return Change(before, after)

    async def set_closed(self, list_id: int, closed: bool) -> None:
        await self.db.execute("UPDATE signups_lists SET closed = ? WHERE id = ?", (int(closed), list_id))

    async def set_running_order(self, list_id: int, entry_ids: list[int]) -> None:
        async with self.db.transaction() as tx:
            await tx.executemany(
                "UPDATE signups_entries SET position = ? WHERE id = ? AND list_id = ?",
                [(number, entry_id, list_id) for number, entry_id in enumerate(entry_ids, 1)],
            )


async def _sheet(tx: Tx, list_id: int) -> Sheet:
    row = await tx.fetch_one("SELECT * FROM signups_lists WHERE id = ?", (list_id,))
    if row is None:
        raise LookupError(f"signup list {list_id} is gone")
    rows = await tx.fetch_all("SELECT * FROM signups_entries WHERE list_id = ? ORDER BY id", (list_id,))
    return Sheet(_list(row), tuple(_entry(r) for r in rows))


def _detail_values(details: Details) -> tuple[Any, ...]:
    when = details.when
    return (
        details.title,
        when.start_utc.timestamp(),
        None if when.end_utc is None else when.end_utc.timestamp(),
        int(when.all_day),
        when.zone,
        details.where,
        details.talks,
        details.places,
        None if details.closes_at is None else details.closes_at.timestamp(),
        None if details.slot is None else int(details.slot.total_seconds()),
    )


def _instant(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _list(row: Row) -> SignupList:
    start = in_zone(datetime.fromtimestamp(row["starts_at"], UTC), row["zone"])
    end = _instant(row["ends_at"])
    when = When(start, None if end is None else in_zone(end, row["zone"]), row["zone"], bool(row["all_day"]))
    details = Details(
        title=row["title"],
        when=when,
        where=row["place"],
        talks=row["talks"],
        places=row["places"],
        closes_at=_instant(row["closes_at"]),
        slot=None if row["slot_seconds"] is None else timedelta(seconds=row["slot_seconds"]),
    )
    return SignupList(
        id=row["id"],
        room_id=row["room_id"],
        organiser=row["organiser"],
        details=details,
        event_id=row["event_id"],
        closed=bool(row["closed"]),
    )


def _removal(row: Row | None) -> Removal:
    assert row is not None, "a removal found by its command is read in the same transaction"
    held = tuple(cast(Held, h) for h in row["held"].split(","))
    return Removal(row["user_id"], row["removed_by"], held, row["topic"])


def _entry(row: Row) -> Entry:
    return Entry(row["id"], row["user_id"], row["kind"], row["topic"], row["position"])
