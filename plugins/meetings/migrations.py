"""The meetings plugin's tables: ordered, append-only."""

from __future__ import annotations

from matrixbot import Migration, Tx


async def _subscriber_positions(tx: Tx) -> None:
    """The order people subscribed in, kept in a column (SQLite's hidden rowid kept it before)."""
    await tx.execute("ALTER TABLE meetings_subscribers ADD COLUMN position INTEGER NOT NULL DEFAULT 0")
    await tx.number_rows("meetings_subscribers", "position")


MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE meetings_meetings (
        id INTEGER PRIMARY KEY,
        room_id TEXT NOT NULL,
        organiser TEXT NOT NULL,
        title TEXT NOT NULL,
        first_at REAL NOT NULL,          -- first occurrence (UTC seconds): anchors the repeat
        next_at REAL NOT NULL,           -- the occurrence reminders are scheduled for
        zone TEXT NOT NULL,
        duration_s INTEGER,
        url TEXT,
        code TEXT,
        code_revealed INTEGER NOT NULL DEFAULT 0,
        reveal_s INTEGER,                -- NULL: with the reminder closest to the start
        remind TEXT NOT NULL,            -- JSON list of seconds before the start
        notify TEXT NOT NULL,            -- JSON list of user ids
        notify_room INTEGER NOT NULL DEFAULT 0,
        repeat TEXT,                     -- Recurrence JSON
        generation INTEGER NOT NULL DEFAULT 0,
        confirm_event TEXT,
        state TEXT NOT NULL DEFAULT 'active'
    );
    CREATE INDEX meetings_meetings_room ON meetings_meetings (room_id, state);
    CREATE TABLE meetings_reminders (
        id INTEGER PRIMARY KEY,
        room_id TEXT NOT NULL,
        creator TEXT NOT NULL,
        text TEXT NOT NULL,
        due_at REAL NOT NULL,
        zone TEXT NOT NULL,
        repeat TEXT,
        first_at REAL NOT NULL,
        confirm_event TEXT,
        state TEXT NOT NULL DEFAULT 'active'
    );
    CREATE INDEX meetings_reminders_room ON meetings_reminders (room_id, state);
    CREATE TABLE meetings_subscribers (
        kind TEXT NOT NULL,              -- 'M' a meeting, 'R' a simple reminder
        item_id INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        PRIMARY KEY (kind, item_id, user_id)
    );
    """,
    # the command that made a meeting or reminder: handling it again after a crash makes no second one
    """
    ALTER TABLE meetings_meetings ADD COLUMN origin_event TEXT;
    CREATE UNIQUE INDEX meetings_meetings_origin ON meetings_meetings (origin_event);
    ALTER TABLE meetings_reminders ADD COLUMN origin_event TEXT;
    CREATE UNIQUE INDEX meetings_reminders_origin ON meetings_reminders (origin_event);
    """,
    # one name for that column in every plugin (`matrixbot.make_once`); the rows and indexes stay
    """
    ALTER TABLE meetings_meetings RENAME COLUMN origin_event TO source_event;
    ALTER TABLE meetings_reminders RENAME COLUMN origin_event TO source_event;
    """,
    # reminders mention the organiser too, unless `notify: none` / `notify: only …` said not to
    """
    ALTER TABLE meetings_meetings ADD COLUMN notify_organiser INTEGER NOT NULL DEFAULT 1;
    """,
    # the occurrences of repeating meetings that `!meeting skip` left out: the room's calendar
    # feed lists them as EXDATEs (next_at alone cannot tell a skipped occurrence from a past one)
    """
    CREATE TABLE meetings_skips (
        meeting_id INTEGER NOT NULL REFERENCES meetings_meetings (id),
        occurrence REAL NOT NULL,
        PRIMARY KEY (meeting_id, occurrence)
    );
    """,
    # the order of the 👍 subscribers, whom a reminder mentions in that order
    _subscriber_positions,
]
