"""Every SQL statement of the check-ins plugin. Times are stored as UTC epoch seconds."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from matrixbot import Database, Row, Tx, make_once

from .model import Answer, Asked, Member, Round, Series
from .parse import RoundSpec

_ROUND = (
    "SELECT r.id, r.number, r.opened_at, r.closes_at, r.event_id, r.closed, r.summary_event_id, "
    "s.id AS series_id, s.room_id, "
    "s.organiser, s.question, s.who, s.every, s.nudge_seconds, s.close_seconds, s.zone, s.first_at, "
    "s.stopped_at, s.clock_fixed FROM checkins_rounds r JOIN checkins_series s ON s.id = r.series_id"
)


def _ts(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def _dt(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _series(row: Row) -> Series:
    return Series(
        id=row["series_id"],
        room_id=row["room_id"],
        organiser=row["organiser"],
        question=row["question"],
        who=tuple(json.loads(row["who"])) if row["who"] else None,
        every=row["every"],
        nudge=timedelta(seconds=row["nudge_seconds"]),
        closes=timedelta(seconds=row["close_seconds"]),
        zone=row["zone"],
        first_at=datetime.fromtimestamp(row["first_at"], UTC),
        stopped=row["stopped_at"] is not None,
        clock_fixed=bool(row["clock_fixed"]),
    )


def _round(row: Row) -> Round:
    return Round(
        id=row["id"],
        series=_series(row),
        number=row["number"],
        opened_at=datetime.fromtimestamp(row["opened_at"], UTC),
        closes_at=datetime.fromtimestamp(row["closes_at"], UTC),
        event_id=row["event_id"],
        closed=bool(row["closed"]),
        summary_event_id=row["summary_event_id"],
    )


def _answer(row: Row) -> Answer:
    return Answer(
        row["user_id"],
        datetime.fromtimestamp(row["answered_at"], UTC),
        row["note"],
        row["via"],
        row["event_id"],
    )


class CheckinStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- rounds -------------------------------------------------------------------------------

    async def create_series(
        self,
        tx: Tx,
        room_id: str,
        organiser: str,
        spec: RoundSpec,
        zone: str,
        first_at: datetime,
        source: str,
    ) -> int:
        """A new series, or the one this command already created (a command handled twice)."""

        async def insert() -> int:
            return await tx.execute(
                "INSERT INTO checkins_series (room_id, organiser, question, who, every, nudge_seconds, "
                "close_seconds, zone, first_at, clock_fixed, source_event) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    room_id,
                    organiser,
                    spec.question,
                    json.dumps(spec.who) if spec.who is not None else None,
                    spec.every,
                    int(spec.nudge.total_seconds()),
                    int(spec.closes.total_seconds()),
                    zone,
                    first_at.timestamp(),
                    int(spec.at is not None),
                    source,
                ),
            )

        return (await make_once(tx, "checkins_series", source, insert)).id

    async def series_in(self, tx: Tx, series_id: int) -> Series:
        row = await tx.fetch_one(
            "SELECT *, id AS series_id FROM checkins_series WHERE id = ?",
            (series_id,),
        )
        assert row is not None
        return _series(row)

    async def open_round(
        self, tx: Tx, series_id: int, number: int, opened_at: datetime, closes_at: datetime
    ) -> tuple[int, bool]:
        """Round `number` of a series (created once); returns its id and whether it is new."""
        new = await tx.execute(
            "INSERT INTO checkins_rounds (series_id, number, room_id, opened_at, closes_at) "
            "SELECT id, ?, room_id, ?, ? FROM checkins_series WHERE id = ? "
            "ON CONFLICT (series_id, number) DO NOTHING",
            (number, opened_at.timestamp(), closes_at.timestamp(), series_id),
        )
        round_id = await tx.fetch_value(
            "SELECT id FROM checkins_rounds WHERE series_id = ? AND number = ?", (series_id, number)
        )
        return int(round_id), bool(new)

    async def add_asked(self, tx: Tx, round_id: int, asked: Sequence[Asked]) -> None:
        await tx.executemany(
            "INSERT INTO checkins_asked (round_id, user_id, away_until) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [(round_id, a.user_id, _ts(a.away_until)) for a in asked],
        )

    async def set_event(self, round_id: int, event_id: str) -> None:
        await self.db.execute("UPDATE checkins_rounds SET event_id = ? WHERE id = ?", (event_id, round_id))

    async def close(self, tx: Tx, round_id: int) -> bool:
        """Mark a round closed; False when it already was."""
        return bool(
            await tx.execute("UPDATE checkins_rounds SET closed = 1 WHERE id = ? AND closed = 0", (round_id,))
        )

    async def stop_series(self, tx: Tx, series_id: int, now: datetime) -> None:
        await tx.execute(
            "UPDATE checkins_series SET stopped_at = ? WHERE id = ? AND stopped_at IS NULL",
            (now.timestamp(), series_id),
        )

    async def round(self, round_id: int, room_id: str | None = None) -> Round | None:
        row = await self.db.fetch_one(f"{_ROUND} WHERE r.id = ?", (round_id,))
        if row is None or (room_id is not None and row["room_id"] != room_id):
            return None
        return _round(row)

    async def round_by_event(self, room_id: str, event_id: str) -> Round | None:
        row = await self.db.fetch_one(f"{_ROUND} WHERE r.event_id = ? AND s.room_id = ?", (event_id, room_id))
        return None if row is None else _round(row)

    async def open_at(self, room_id: str, moment: datetime) -> dict[int, Round]:
        """The room's rounds that were open at `moment` (closed since or not)."""
        rows = await self.db.fetch_all(
            f"{_ROUND} WHERE s.room_id = ? AND r.opened_at <= ? AND r.closes_at > ? ORDER BY r.id",
            (room_id, moment.timestamp(), moment.timestamp()),
        )
        return {row["id"]: _round(row) for row in rows}

    async def set_summary(self, round_id: int, event_id: str) -> None:
        await self.db.execute(
            "UPDATE checkins_rounds SET summary_event_id = ? WHERE id = ?", (event_id, round_id)
        )

    async def open_rounds(self, room_id: str) -> dict[int, Round]:
        rows = await self.db.fetch_all(
            f"{_ROUND} WHERE s.room_id = ? AND r.closed = 0 ORDER BY r.id", (room_id,)
        )
        return {row["id"]: _round(row) for row in rows}

    async def repeating(self, room_id: str) -> dict[int, Round]:
        """The latest round of each series in the room that still repeats."""
        rows = await self.db.fetch_all(
            f"{_ROUND} WHERE s.room_id = ? AND s.every IS NOT NULL AND s.stopped_at IS NULL "
            "AND r.number = (SELECT MAX(number) FROM checkins_rounds WHERE series_id = s.id) ORDER BY r.id",
            (room_id,),
        )
        return {row["id"]: _round(row) for row in rows}

    async def rounds(self, room_id: str) -> list[Round]:
        rows = await self.db.fetch_all(f"{_ROUND} WHERE s.room_id = ? ORDER BY r.id", (room_id,))
        return [_round(row) for row in rows]

    async def closed_before(self, room_id: str, round_id: int, limit: int) -> list[Round]:
        """The room's latest closed rounds up to `round_id`, oldest first."""
        rows = await self.db.fetch_all(
            f"{_ROUND} WHERE s.room_id = ? AND r.closed = 1 AND r.id <= ? ORDER BY r.id DESC LIMIT ?",
            (room_id, round_id, limit),
        )
        return [_round(row) for row in reversed(rows)]

    # -- answers ------------------------------------------------------------------------------

    async def asked(self, round_id: int) -> list[Asked]:
        rows = await self.db.fetch_all(
            "SELECT user_id, away_until FROM checkins_asked WHERE round_id = ? ORDER BY user_id", (round_id,)
        )
        return [Asked(r["user_id"], _dt(r["away_until"])) for r in rows]

    async def answers(self, round_id: int) -> list[Answer]:
        rows = await self.db.fetch_all(
            "SELECT * FROM checkins_answers WHERE round_id = ? ORDER BY answered_at, id", (round_id,)
        )
        return [_answer(r) for r in rows]

    async def user_answers(self, room_id: str, user_id: str) -> dict[int, list[Answer]]:
        rows = await self.db.fetch_all(
            "SELECT a.* FROM checkins_answers a JOIN checkins_rounds r ON r.id = a.round_id "
            "WHERE r.room_id = ? AND a.user_id = ? ORDER BY a.answered_at, a.id",
            (room_id, user_id),
        )
        found: dict[int, list[Answer]] = {}
        for row in rows:
            found.setdefault(row["round_id"], []).append(_answer(row))
        return found

    async def user_asked(self, room_id: str, user_id: str) -> dict[int, Asked]:
        rows = await self.db.fetch_all(
            "SELECT a.* FROM checkins_asked a JOIN checkins_rounds r ON r.id = a.round_id "
            "WHERE r.room_id = ? AND a.user_id = ?",
            (room_id, user_id),
        )
        return {r["round_id"]: Asked(r["user_id"], _dt(r["away_until"])) for r in rows}

    async def add_answer(self, round_id: int, answer: Answer) -> bool:
        """Store an answer once per event (its time judged by the caller: before the round closed);
        False when it was already stored."""
        return bool(
            await self.db.execute(
                "INSERT INTO checkins_answers (round_id, user_id, answered_at, note, via, event_id) "
                "SELECT id, ?, ?, ?, ?, ? FROM checkins_rounds WHERE id = ? "
                "ON CONFLICT (event_id) DO NOTHING",
                (
                    answer.user_id,
                    answer.answered_at.timestamp(),
                    answer.note,
                    answer.via,
                    answer.event_id,
                    round_id,
                ),
            )
        )

    async def remove_answer(self, event_id: str) -> bool:
        """Forget the answer an event gave (a ✅ taken back, in time: judged by the caller); False
        when there was none."""
        return bool(await self.db.execute("DELETE FROM checkins_answers WHERE event_id = ?", (event_id,)))

    # -- members ------------------------------------------------------------------------------

    async def members(self, room_id: str) -> dict[str, Member]:
        rows = await self.db.fetch_all("SELECT * FROM checkins_members WHERE room_id = ?", (room_id,))
        return {
            r["user_id"]: Member(r["user_id"], r["org"], bool(r["opted_out"]), _dt(r["away_until"]))
            for r in rows
        }

    async def set_member(self, room_id: str, user_id: str, **values: Any) -> None:
        """Set `org`, `opted_out` or `away_until` of a member; away also applies to the open rounds."""
        columns = {"org", "opted_out", "away_until"}
        assert set(values) <= columns
        if "away_until" in values:
            values["away_until"] = _ts(values["away_until"])
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        updates = ", ".join(f"{k} = excluded.{k}" for k in values)
        async with self.db.transaction() as tx:
            await tx.execute(
                f"INSERT INTO checkins_members (room_id, user_id, {names}) VALUES (?, ?, {marks}) "
                f"ON CONFLICT (room_id, user_id) DO UPDATE SET {updates}",
                (room_id, user_id, *values.values()),
            )
            if "away_until" in values:
                await tx.execute(
                    "UPDATE checkins_asked SET away_until = ? WHERE user_id = ? AND round_id IN "
                    "(SELECT id FROM checkins_rounds WHERE room_id = ? AND closed = 0)",
                    (values["away_until"], user_id, room_id),
                )
