"""Every SQL statement of the datepoll plugin."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from matrixbot import Database, Row, Tx, When, make_once

from .model import Ballot, Option, Poll


def _ts(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def _dt(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _when(row: Row, zone: str) -> When:
    start = datetime.fromtimestamp(row["start"], UTC)
    return When(start, _dt(row["end"]), zone, bool(row["all_day"]))


_DROP_EMPTY_BALLOT = (
    "DELETE FROM datepoll_ballots WHERE poll_id = ? AND user_id = ? AND NOT EXISTS "
    "(SELECT 1 FROM datepoll_choices WHERE poll_id = ? AND user_id = ?)"
)
"""A vote emptied by taking back a reaction or by a changed option is no vote (unlike `!vote none`)."""


class PollStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, tx: Tx, poll: Poll, source_event: str) -> int:
        """Store a new poll; the same command handled again (after a crash) finds the poll it made."""

        async def insert() -> int:
            poll_id = await tx.execute(
                "INSERT INTO datepoll_polls (room_id, source_event, creator, title, zone, created_at, closes_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    poll.room_id,
                    source_event,
                    poll.creator,
                    poll.title,
                    poll.zone,
                    poll.created_at.timestamp(),
                    _ts(poll.closes_at),
                ),
            )
            await tx.executemany(
                'INSERT INTO datepoll_options (poll_id, number, text, start, "end", all_day, notes, clashes) '
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(poll_id, *self._option_row(option)) for option in poll.options],
            )
            return poll_id

        return (await make_once(tx, "datepoll_polls", source_event, insert)).id

    @staticmethod
    def _option_row(option: Option) -> tuple[object, ...]:
        when = option.when
        return (
            option.number,
            option.text,
            when.start_utc.timestamp(),
            _ts(when.end_utc),
            int(when.all_day),
            json.dumps(list(option.notes)),
            json.dumps(list(option.clashes)),
        )

    async def set_events(self, poll_id: int, text_event_id: str, poll_event_id: str) -> None:
        await self.db.execute(
            "UPDATE datepoll_polls SET text_event_id = ?, poll_event_id = ? WHERE id = ?",
            (text_event_id, poll_event_id, poll_id),
        )

    async def get(self, room_id: str, poll_id: int) -> Poll | None:
        row = await self.db.fetch_one(
            "SELECT * FROM datepoll_polls WHERE id = ? AND room_id = ?", (poll_id, room_id)
        )
        return None if row is None else await self._poll(row)

    async def by_event(self, room_id: str, event_id: str) -> Poll | None:
        """The poll whose text version or native poll event is `event_id`."""
        row = await self.db.fetch_one(
            "SELECT * FROM datepoll_polls WHERE room_id = ? AND (text_event_id = ? OR poll_event_id = ?)",
            (room_id, event_id, event_id),
        )
        return None if row is None else await self._poll(row)

    async def open_polls(self, room_id: str) -> list[Poll]:
        rows = await self.db.fetch_all(
            "SELECT * FROM datepoll_polls WHERE room_id = ? AND state = 'open' ORDER BY id", (room_id,)
        )
        return [await self._poll(row) for row in rows]

    async def closed_ids(self, room_id: str) -> list[int]:
        rows = await self.db.fetch_all(
            "SELECT id FROM datepoll_polls WHERE room_id = ? AND state != 'open' ORDER BY id", (room_id,)
        )
        return [row["id"] for row in rows]

    async def _poll(self, row: Row) -> Poll:
        options = await self.db.fetch_all(
            "SELECT * FROM datepoll_options WHERE poll_id = ? ORDER BY number", (row["id"],)
        )
        return Poll(
            id=row["id"],
            room_id=row["room_id"],
            creator=row["creator"],
            title=row["title"],
            zone=row["zone"],
            created_at=datetime.fromtimestamp(row["created_at"], UTC),
            closes_at=_dt(row["closes_at"]),
            state=row["state"],
            text_event_id=row["text_event_id"],
            poll_event_id=row["poll_event_id"],
            options=tuple(
                Option(
                    o["number"],
                    o["text"],
                    _when(o, row["zone"]),
                    tuple(json.loads(o["notes"])),
                    tuple(json.loads(o["clashes"])),
                )
                for o in options
            ),
            closed_at=_dt(row["closed_at"]),
            result_event_id=row["result_event_id"],
            picked=row["picked"],
        )

    async def replace_option(self, tx: Tx, poll_id: int, option: Option) -> list[str]:
        """Change one option and drop its votes; returns who had voted for it (yes or maybe)."""
        rows = await tx.fetch_all(
            "SELECT user_id FROM datepoll_choices WHERE poll_id = ? AND number = ? ORDER BY user_id",
            (poll_id, option.number),
        )
        await tx.execute(
            "DELETE FROM datepoll_choices WHERE poll_id = ? AND number = ?", (poll_id, option.number)
        )
        await tx.executemany(
            _DROP_EMPTY_BALLOT, [(poll_id, r["user_id"], poll_id, r["user_id"]) for r in rows]
        )
        await tx.execute(
            'UPDATE datepoll_options SET text = ?, start = ?, "end" = ?, all_day = ?, notes = ?, clashes = ? '
            "WHERE poll_id = ? AND number = ?",
            (*self._option_row(option)[1:], poll_id, option.number),
        )
        return [r["user_id"] for r in rows]

    async def set_clashes(self, poll_id: int, clashes: dict[int, tuple[str, ...]]) -> None:
        async with self.db.transaction() as tx:
            await tx.executemany(
                "UPDATE datepoll_options SET clashes = ? WHERE poll_id = ? AND number = ?",
                [(json.dumps(list(titles)), poll_id, number) for number, titles in clashes.items()],
            )

    async def close(self, tx: Tx, poll_id: int, closed_at: datetime) -> bool:
        """Mark a poll closed as of `closed_at`; False if it already was."""
        return bool(
            await tx.execute(
                "UPDATE datepoll_polls SET state = 'closed', closed_at = ? WHERE id = ? AND state = 'open'",
                (closed_at.timestamp(), poll_id),
            )
        )

    async def reopen(self, tx: Tx, poll_id: int, closes_at: datetime | None) -> bool:
        """Open a closed poll again (its result and pick forgotten); False if it was open."""
        return bool(
            await tx.execute(
                "UPDATE datepoll_polls SET state = 'open', closed_at = NULL, result_event_id = NULL, "
                "picked = NULL, closes_at = ? WHERE id = ? AND state != 'open'",
                (_ts(closes_at), poll_id),
            )
        )

    async def set_deadline(self, tx: Tx, poll_id: int, closes_at: datetime | None) -> None:
        await tx.execute("UPDATE datepoll_polls SET closes_at = ? WHERE id = ?", (_ts(closes_at), poll_id))

    async def set_result(self, poll_id: int, event_id: str) -> None:
        await self.db.execute(
            "UPDATE datepoll_polls SET result_event_id = ? WHERE id = ?", (event_id, poll_id)
        )

    async def pick(self, poll_id: int, number: int) -> None:
        await self.db.execute("UPDATE datepoll_polls SET picked = ? WHERE id = ?", (number, poll_id))

    async def set_poll_event(self, poll_id: int, poll_event_id: str) -> None:
        await self.db.execute(
            "UPDATE datepoll_polls SET poll_event_id = ? WHERE id = ?", (poll_event_id, poll_id)
        )

    # -- votes --------------------------------------------------------------------------------

    async def ballots(self, poll_id: int) -> list[Ballot]:
        voters = await self.db.fetch_all(
            "SELECT user_id FROM datepoll_ballots WHERE poll_id = ? ORDER BY user_id", (poll_id,)
        )
        choices = await self.db.fetch_all(
            "SELECT user_id, number, choice FROM datepoll_choices WHERE poll_id = ?", (poll_id,)
        )
        ballots = []
        for voter in voters:
            mine = [c for c in choices if c["user_id"] == voter["user_id"]]
            ballots.append(
                Ballot(
                    voter["user_id"],
                    frozenset(c["number"] for c in mine if c["choice"] == "yes"),
                    frozenset(c["number"] for c in mine if c["choice"] == "maybe"),
                )
            )
        return ballots

    async def ballot(self, poll_id: int, user_id: str) -> Ballot:
        for ballot in await self.ballots(poll_id):
            if ballot.user_id == user_id:
                return ballot
        return Ballot(user_id)

    async def save_ballot(self, poll_id: int, ballot: Ballot) -> None:
        """Replace a person's whole vote (an empty ballot still records that they voted: 'none')."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "DELETE FROM datepoll_choices WHERE poll_id = ? AND user_id = ?", (poll_id, ballot.user_id)
            )
            await tx.execute(
                "INSERT INTO datepoll_ballots (poll_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (poll_id, ballot.user_id),
            )
            await tx.executemany(
                "INSERT INTO datepoll_choices (poll_id, user_id, number, choice) VALUES (?, ?, ?, ?)",
                [(poll_id, ballot.user_id, n, "yes") for n in ballot.yes]
                + [(poll_id, ballot.user_id, n, "maybe") for n in ballot.maybe],
            )

    async def remove_yes(self, poll_id: int, user_id: str, number: int) -> None:
        """Take back one yes (a redacted reaction); a vote left with nothing in it is no vote."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "DELETE FROM datepoll_choices WHERE poll_id = ? AND user_id = ? AND number = ? AND choice = 'yes'",
                (poll_id, user_id, number),
            )
            await tx.execute(_DROP_EMPTY_BALLOT, (poll_id, user_id, poll_id, user_id))


class BusyStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, room_id: str, title: str, when: When, added_by: str) -> int:
        end = when.end_utc or when.start_utc + timedelta(hours=1)  # a bare time is taken as an hour
        return await self.db.execute(
            'INSERT INTO datepoll_busy (room_id, title, start, "end", all_day, zone, added_by) '
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                room_id,
                title,
                when.start_utc.timestamp(),
                end.timestamp(),
                int(when.all_day),
                when.zone,
                added_by,
            ),
        )

    async def overlapping(self, room_id: str, start: datetime, end: datetime) -> list[tuple[int, str, When]]:
        rows = await self.db.fetch_all(
            'SELECT * FROM datepoll_busy WHERE room_id = ? AND start < ? AND "end" > ? ORDER BY start',
            (room_id, end.timestamp(), start.timestamp()),
        )
        return [(r["id"], r["title"], _when(r, r["zone"])) for r in rows]

    async def all(self, room_id: str) -> list[tuple[int, str, When]]:
        rows = await self.db.fetch_all(
            "SELECT * FROM datepoll_busy WHERE room_id = ? ORDER BY start", (room_id,)
        )
        return [(r["id"], r["title"], _when(r, r["zone"])) for r in rows]

    async def added_by(self, room_id: str, busy_id: int) -> str | None:
        value = await self.db.fetch_value(
            "SELECT added_by FROM datepoll_busy WHERE room_id = ? AND id = ?", (room_id, busy_id)
        )
        return value if isinstance(value, str) else None

    async def remove(self, room_id: str, busy_id: int) -> None:
        await self.db.execute("DELETE FROM datepoll_busy WHERE room_id = ? AND id = ?", (room_id, busy_id))
