"""Schema of the datepoll plugin: ordered, append-only."""

from __future__ import annotations

from matrixbot import Migration

# `end` is a word PostgreSQL reserves: the column is written "end" (the same column on SQLite, which
# took it bare in the first release of this script).
MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE datepoll_polls (
        id INTEGER PRIMARY KEY,
        room_id TEXT NOT NULL,
        source_event TEXT NOT NULL UNIQUE,
        creator TEXT NOT NULL,
        title TEXT NOT NULL,
        zone TEXT NOT NULL,
        created_at REAL NOT NULL,
        closes_at REAL,
        state TEXT NOT NULL DEFAULT 'open',
        text_event_id TEXT,
        poll_event_id TEXT
    );
    CREATE INDEX datepoll_polls_room ON datepoll_polls (room_id, state);
    CREATE TABLE datepoll_options (
        poll_id INTEGER NOT NULL REFERENCES datepoll_polls (id),
        number INTEGER NOT NULL,
        text TEXT NOT NULL,
        start REAL NOT NULL,
        "end" REAL,
        all_day INTEGER NOT NULL,
        notes TEXT NOT NULL,
        PRIMARY KEY (poll_id, number)
    );
    CREATE TABLE datepoll_ballots (
        poll_id INTEGER NOT NULL REFERENCES datepoll_polls (id),
        user_id TEXT NOT NULL,
        PRIMARY KEY (poll_id, user_id)
    );
    CREATE TABLE datepoll_choices (
        poll_id INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        number INTEGER NOT NULL,
        choice TEXT NOT NULL CHECK (choice IN ('yes', 'maybe')),
        PRIMARY KEY (poll_id, user_id, number)
    );
    CREATE TABLE datepoll_busy (
        id INTEGER PRIMARY KEY,
        room_id TEXT NOT NULL,
        title TEXT NOT NULL,
        start REAL NOT NULL,
        "end" REAL NOT NULL,
        all_day INTEGER NOT NULL,
        zone TEXT NOT NULL,
        added_by TEXT NOT NULL
    );
    CREATE INDEX datepoll_busy_room ON datepoll_busy (room_id, start);
    """,
    # a poll's life: when it closed (what a late vote sent before that is judged by), its posted
    # result (corrected when such a vote arrives), the option picked from a tie; and an option's
    # clashes apart from its parse warnings, so they can be checked again when the room's busy
    # times change
    """
    ALTER TABLE datepoll_polls ADD COLUMN closed_at REAL;
    ALTER TABLE datepoll_polls ADD COLUMN result_event_id TEXT;
    ALTER TABLE datepoll_polls ADD COLUMN picked INTEGER;
    ALTER TABLE datepoll_options ADD COLUMN clashes TEXT NOT NULL DEFAULT '[]';
    UPDATE datepoll_polls SET closed_at = COALESCE(closes_at, created_at) WHERE state != 'open';
    """,
]
