"""The check-ins plugin's tables: ordered, append-only."""

from __future__ import annotations

from matrixbot import Migration

MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE checkins_series (
        id INTEGER PRIMARY KEY,
        room_id TEXT NOT NULL,
        organiser TEXT NOT NULL,
        question TEXT NOT NULL,
        who TEXT,
        every TEXT,
        nudge_seconds INTEGER NOT NULL,
        close_seconds INTEGER NOT NULL,
        zone TEXT NOT NULL,
        first_at REAL NOT NULL,
        stopped_at REAL,
        source_event TEXT UNIQUE
    );
    CREATE TABLE checkins_rounds (
        id INTEGER PRIMARY KEY,
        series_id INTEGER NOT NULL REFERENCES checkins_series (id),
        number INTEGER NOT NULL,
        room_id TEXT NOT NULL,
        opened_at REAL NOT NULL,
        closes_at REAL NOT NULL,
        event_id TEXT,
        closed INTEGER NOT NULL DEFAULT 0,
        UNIQUE (series_id, number)
    );
    CREATE INDEX checkins_rounds_room ON checkins_rounds (room_id, closed);
    CREATE INDEX checkins_rounds_event ON checkins_rounds (event_id);
    CREATE TABLE checkins_asked (
        round_id INTEGER NOT NULL REFERENCES checkins_rounds (id),
        user_id TEXT NOT NULL,
        away_until REAL,
        PRIMARY KEY (round_id, user_id)
    );
    CREATE TABLE checkins_answers (
        id INTEGER PRIMARY KEY,
        round_id INTEGER NOT NULL REFERENCES checkins_rounds (id),
        user_id TEXT NOT NULL,
        answered_at REAL NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        via TEXT NOT NULL,
        event_id TEXT NOT NULL UNIQUE
    );
    CREATE INDEX checkins_answers_round ON checkins_answers (round_id, user_id);
    CREATE TABLE checkins_members (
        room_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        org TEXT,
        opted_out INTEGER NOT NULL DEFAULT 0,
        away_until REAL,
        PRIMARY KEY (room_id, user_id)
    );
    """,
    # the posted summary of a round, corrected when an answer sent before the close arrives after it
    """
    ALTER TABLE checkins_rounds ADD COLUMN summary_event_id TEXT;
    """,
    # the organiser gave the repeats a clock time (`at:`): working hours keep it, moving only the day
    "ALTER TABLE checkins_series ADD COLUMN clock_fixed INTEGER NOT NULL DEFAULT 0;",
]
