"""Large stores written straight into SQLite, the way the plugins themselves would have written them.

The schema comes from the core's and the plugins' own migrations (run through `Database.migrate`,
so the bot sees its usual versions); the rows follow `plugins/meetings/store.py` (a reminder is a
row in `meetings_reminders` plus a pending `jobs` row keyed like `reminder_key`) and
`plugins/datepoll/store.py` (a poll and its options). All rows go in one transaction.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matrixbot.plugins.datepoll.migrations import MIGRATIONS as DATEPOLL_MIGRATIONS
from matrixbot.plugins.meetings.migrations import MIGRATIONS as MEETINGS_MIGRATIONS

from matrixbot.db import Database
from matrixbot.engine.schema import CORE_MIGRATIONS

ZONES = ("Europe/London", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC")


@dataclass(frozen=True)
class Reminder:
    room_id: str
    text: str
    due_at: float
    """UTC seconds, rounded to the millisecond (the handler compares it with the job's payload)."""


async def create_schema(db_path: Path) -> None:
    """An empty store with the core's, meetings' and datepoll's tables (others migrate at start)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db = await Database.open(db_path)
    try:
        await db.migrate("matrixbot", CORE_MIGRATIONS)
        await db.migrate("meetings", MEETINGS_MIGRATIONS)
        await db.migrate("datepoll", DATEPOLL_MIGRATIONS)
    finally:
        await db.close()


def seed(
    db_path: Path,
    *,
    creator: str,
    reminders: Sequence[Reminder] = (),
    settings_rooms: int = 0,
    open_polls: int = 0,
    now: float,
) -> None:
    """Write reminders (with their jobs), per-room settings and open 8-option polls, in one transaction."""
    conn = sqlite3.connect(db_path)
    try:
        with conn:
            _reminders(conn, creator, reminders)
            _room_settings(conn, settings_rooms)
            _polls(conn, creator, open_polls, now)
    finally:
        conn.close()


def fake_room(n: int) -> str:
    return f"!seeded{n:06d}:localhost"


def _reminders(conn: sqlite3.Connection, creator: str, reminders: Sequence[Reminder]) -> None:
    start = conn.execute("SELECT COALESCE(MAX(id), 0) FROM meetings_reminders").fetchone()[0] + 1
    conn.executemany(
        "INSERT INTO meetings_reminders (id, room_id, creator, text, due_at, zone, repeat, first_at, state) "
        "VALUES (?, ?, ?, ?, ?, 'UTC', NULL, ?, 'active')",
        [(start + i, r.room_id, creator, r.text, r.due_at, r.due_at) for i, r in enumerate(reminders)],
    )
    conn.executemany(
        "INSERT INTO jobs (plugin, handler, due_at, run_at, payload, key, room_id, state) "
        "VALUES ('meetings', 'reminder', ?, ?, ?, ?, ?, 'pending')",
        [
            (
                r.due_at,
                r.due_at,
                json.dumps({"reminder": start + i, "at": r.due_at}),
                f"r{start + i}:{int(r.due_at)}",
                r.room_id,
            )
            for i, r in enumerate(reminders)
        ],
    )


def _room_settings(conn: sqlite3.Connection, rooms: int) -> None:
    conn.executemany(
        "INSERT INTO room_settings (room_id, key, value) VALUES (?, 'timezone', ?)",
        [(fake_room(n), ZONES[n % len(ZONES)]) for n in range(rooms)],
    )
    conn.executemany(
        "INSERT INTO room_plugins (room_id, plugin, enabled) VALUES (?, 'checkins', 0)",
        [(fake_room(n),) for n in range(rooms)],
    )


def _polls(conn: sqlite3.Connection, creator: str, count: int, now: float) -> None:
    day = 86_400.0
    for n in range(count):
        cursor = conn.execute(
            "INSERT INTO datepoll_polls (room_id, source_event, creator, title, zone, created_at, state) "
            "VALUES (?, ?, ?, ?, 'UTC', ?, 'open')",
            (fake_room(n), f"$seeded-poll-{n}", creator, f"Seeded poll {n}", now),
        )
        poll_id = cursor.lastrowid
        conn.executemany(
            "INSERT INTO datepoll_options (poll_id, number, text, start, end, all_day, notes) "
            "VALUES (?, ?, ?, ?, ?, 0, '[]')",
            [
                (poll_id, k, f"option {k}", now + (k + 7) * day, now + (k + 7) * day + 3600)
                for k in range(1, 9)
            ],
        )


YEAR_S = 365 * 86_400.0


async def store_of_size(db_path: Path, n: int, *, creator: str) -> None:
    """The scaling store: n future reminders over the next year, n/20 rooms' settings, n/100 open polls."""
    await create_schema(db_path)
    now = time.time()
    rooms = max(n // 20, 1)
    reminders = [
        Reminder(fake_room(i % rooms), f"seeded-{i}", round(now + 3600 + i * YEAR_S / max(n, 1), 3))
        for i in range(n)
    ]
    seed(db_path, creator=creator, reminders=reminders, settings_rooms=n // 20, open_polls=n // 100, now=now)
