"""The core's own tables (plugins keep theirs in their own migrations)."""

from __future__ import annotations

from matrixbot.db import Migration, Tx


async def _inbox_positions(tx: Tx) -> None:
    """Each event's place in the sync that brought it: events stored together are handled in the
    homeserver's order on PostgreSQL too, where no hidden rowid keeps it."""
    await tx.execute("ALTER TABLE inbox ADD COLUMN position INTEGER NOT NULL DEFAULT 0")
    await tx.number_rows("inbox", "position")


CORE_MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE inbox (
        event_id TEXT PRIMARY KEY,
        room_id TEXT NOT NULL,
        event TEXT,
        state TEXT NOT NULL,
        received_at REAL NOT NULL
    );
    CREATE INDEX inbox_pending ON inbox (state, received_at);
    CREATE TABLE room_settings (
        room_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (room_id, key)
    );
    CREATE TABLE room_plugins (
        room_id TEXT NOT NULL, plugin TEXT NOT NULL, enabled INTEGER NOT NULL,
        PRIMARY KEY (room_id, plugin)
    );
    CREATE TABLE user_settings (
        user_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (user_id, key)
    );
    CREATE TABLE reactions (
        event_id TEXT PRIMARY KEY, room_id TEXT NOT NULL, sender TEXT NOT NULL,
        target TEXT NOT NULL, key TEXT NOT NULL
    );
    CREATE TABLE direct_rooms (user_id TEXT PRIMARY KEY, room_id TEXT NOT NULL);
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        plugin TEXT NOT NULL,
        handler TEXT NOT NULL,
        due_at REAL NOT NULL,
        payload TEXT NOT NULL,
        key TEXT,
        room_id TEXT,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        finished_at REAL,
        UNIQUE (plugin, key)
    );
    CREATE INDEX jobs_due ON jobs (state, due_at);
    """,
    # when a job is next tried, apart from when it was due: a retry must not make a job look on time
    """
    ALTER TABLE jobs ADD COLUMN run_at REAL;
    UPDATE jobs SET run_at = due_at;
    DROP INDEX jobs_due;
    CREATE INDEX jobs_run ON jobs (state, run_at);
    """,
    # rooms that were upgraded: the successor the bot follows, and whether their things went there
    """
    CREATE TABLE room_moves (
        old_room TEXT PRIMARY KEY, new_room TEXT NOT NULL, state TEXT NOT NULL
    );
    CREATE INDEX room_moves_new ON room_moves (new_room, state);
    """,
    # the rooms the bot has been in (its first join to each): the hello goes out once per room
    # (engine/hello.py); the rooms it is in when this table is made are added at the next start
    """
    CREATE TABLE room_arrivals (
        room_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, arrived_at REAL NOT NULL
    );
    INSERT INTO meta (key, value) VALUES ('arrivals_known', 'no');
    """,
    # the room calendars (`!calendar`, matrixbot/calendar): each address is held as the SHA-256 of its
    # token, never the token; a room admin's `!calendar off` is remembered; every item served is
    # remembered with its version, so a change raises its SEQUENCE and one no longer offered is
    # served as cancelled for a while
    """
    CREATE TABLE calendar_feeds (
        token_hash TEXT PRIMARY KEY,
        room_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        created_at REAL NOT NULL,
        UNIQUE (room_id, user_id)
    );
    CREATE TABLE calendar_off (room_id TEXT PRIMARY KEY, since REAL NOT NULL);
    CREATE TABLE calendar_items (
        room_id TEXT NOT NULL,
        uid TEXT NOT NULL,
        plugin TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        changed_at REAL NOT NULL,
        item TEXT NOT NULL,
        gone_at REAL,
        PRIMARY KEY (room_id, uid)
    );
    """,
    # the order of the events of one sync, kept in a column of its own (SQLite's rowid kept it)
    _inbox_positions,
    # what the bot keeps of each room it is in (matrix/roomstate.py), written with the sync token,
    # so that a restart resumes from the token instead of asking for every room's state; a database
    # from before has no `room_state_at`, so its next start asks once (engine/roomstore.py)
    """
    CREATE TABLE room_members (
        room_id TEXT NOT NULL, user_id TEXT NOT NULL, membership TEXT NOT NULL, display_name TEXT,
        PRIMARY KEY (room_id, user_id)
    );
    CREATE TABLE room_state (
        room_id TEXT NOT NULL, event_type TEXT NOT NULL, event TEXT NOT NULL,
        PRIMARY KEY (room_id, event_type)
    );
    """,
]
