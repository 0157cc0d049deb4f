"""The rooms' kept state in the database (matrix/roomstate.py says what is kept, and why).

`write` runs inside the inbox's transaction, the one that stores a sync's events and its token,
which also notes the token the state is of (`AT_TOKEN`): the state and the token are stored
together or not at all, so a crash cannot leave them apart. `load` reads the rooms back at a start
and says when they cannot be trusted, so that the start asks for every room's state instead:

- no sync token: the first start;
- no `room_state_at`: a database from before the rooms were kept;
- `room_state_at` is not the stored sync token: the token was written without the rooms' state
  (by a version of the bot from before, or a database put together from parts), so the state may
  miss what came in between;
- a stored room without the bot's own join or without its create event: a full-state sync always
  brings both, so that room's rows are not what a sync left (a hand-edited or partly copied
  database, or a `user_id` changed in the config).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from matrixbot.db import Database, Tx
from matrixbot.matrix.roomstate import StateChanges, StoredRoom, rooms_from_rows

AT_TOKEN = "room_state_at"
"""The `meta` key of the sync token the stored room state is of (the inbox writes it with the token)."""


@dataclass(frozen=True)
class KeptRooms:
    """The rooms read back at a start, or why they cannot be used (`distrust`)."""

    rooms: list[StoredRoom]
    distrust: str | None = None


async def write(tx: Tx, changes: StateChanges) -> None:
    """Apply `changes` (in the caller's transaction, the one that stores their sync's token)."""
    if changes.replace_all:
        await tx.execute("DELETE FROM room_members")
        await tx.execute("DELETE FROM room_state")
    for room_id in changes.left:
        await tx.execute("DELETE FROM room_members WHERE room_id = ?", (room_id,))
        await tx.execute("DELETE FROM room_state WHERE room_id = ?", (room_id,))
    members = [(r, u, m.membership, m.display_name) for (r, u), m in changes.members.items() if m]
    if members:
        await tx.executemany(
            "INSERT INTO room_members (room_id, user_id, membership, display_name) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (room_id, user_id) DO UPDATE SET "
            "membership = excluded.membership, display_name = excluded.display_name",
            members,
        )
    gone = [key for key, member in changes.members.items() if member is None]
    if gone and not changes.replace_all:
        await tx.executemany("DELETE FROM room_members WHERE room_id = ? AND user_id = ?", gone)
    if changes.events:
        await tx.executemany(
            "INSERT INTO room_state (room_id, event_type, event) VALUES (?, ?, ?) "
            "ON CONFLICT (room_id, event_type) DO UPDATE SET event = excluded.event",
            [(r, t, json.dumps(e, separators=(",", ":"))) for (r, t), e in changes.events.items()],
        )


async def load(db: Database, token: str | None, bot_user_id: str) -> KeptRooms:
    """The rooms kept at sync `token` (the stored one), unless they cannot be trusted (the module's
    docstring lists when)."""
    if token is None:
        return KeptRooms([], "the first start")
    at = await db.fetch_value("SELECT value FROM meta WHERE key = ?", (AT_TOKEN,))
    if at is None:
        return KeptRooms([], "no room state is stored yet (a database from an earlier version)")
    if at != token:
        return KeptRooms([], "the stored room state is not of the stored sync token")
    members = await db.fetch_all("SELECT room_id, user_id, membership, display_name FROM room_members")
    events = await db.fetch_all("SELECT room_id, event_type, event FROM room_state")
    rooms = rooms_from_rows(
        ((r["room_id"], r["user_id"], r["membership"], r["display_name"]) for r in members),
        ((r["room_id"], r["event_type"], r["event"]) for r in events),
    )
    for room in rooms:
        flaw = room.flaw(bot_user_id)
        if flaw is not None:
            return KeptRooms([], flaw)
    return KeptRooms(rooms)
