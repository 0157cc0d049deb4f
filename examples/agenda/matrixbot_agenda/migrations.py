"""The agenda plugin's tables: ordered and append-only (a released script is never edited)."""

from __future__ import annotations

from matrixbot import Migration

MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE agenda_topics (
        id INTEGER PRIMARY KEY,
        room_id TEXT NOT NULL,
        proposer TEXT NOT NULL,
        source_event TEXT NOT NULL UNIQUE,
        event_id TEXT,
        title TEXT NOT NULL,
        notes TEXT NOT NULL,
        done INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX agenda_topics_room ON agenda_topics (room_id, done);
    CREATE TABLE agenda_support (
        topic_id INTEGER NOT NULL REFERENCES agenda_topics (id),
        user_id TEXT NOT NULL,
        PRIMARY KEY (topic_id, user_id)
    );
    """,
    # when the agenda is for (`!agenda for`): its meeting goes on the room's calendar
    """
    CREATE TABLE agenda_dates (
        room_id TEXT PRIMARY KEY,
        starts_at REAL NOT NULL,
        ends_at REAL NOT NULL,
        all_day INTEGER NOT NULL,
        zone TEXT NOT NULL
    );
    """,
]
