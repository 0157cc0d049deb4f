"""The signups plugin's tables: ordered, append-only."""

from __future__ import annotations

from matrixbot import Migration

MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE signups_lists (
        id INTEGER PRIMARY KEY,
        room_id TEXT NOT NULL,
        organiser TEXT NOT NULL,
        source_event TEXT NOT NULL UNIQUE,
        event_id TEXT,
        title TEXT NOT NULL,
        starts_at REAL NOT NULL,
        ends_at REAL,
        all_day INTEGER NOT NULL,
        zone TEXT NOT NULL,
        place TEXT,
        talks INTEGER NOT NULL,
        places INTEGER,
        closes_at REAL,
        slot_seconds INTEGER,
        closed INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX signups_lists_room ON signups_lists (room_id, closed);
    CREATE TABLE signups_entries (
        id INTEGER PRIMARY KEY,
        list_id INTEGER NOT NULL REFERENCES signups_lists (id),
        user_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('talk', 'attend')),
        topic TEXT,
        position INTEGER NOT NULL,
        UNIQUE (list_id, user_id, kind)
    );
    """,
    # who an organiser took off a list, by whom and what they held: told once, also after a crash
    """
    CREATE TABLE signups_removals (
        id INTEGER PRIMARY KEY,
        list_id INTEGER NOT NULL REFERENCES signups_lists (id),
        user_id TEXT NOT NULL,
        removed_by TEXT NOT NULL,
        held TEXT NOT NULL,              -- comma-separated: talk, talk waitlist, place, waitlist
        topic TEXT,
        source_event TEXT NOT NULL UNIQUE
    );
    """,
]
