"""Rooms that move: when a room is upgraded (its `m.room.tombstone` names a successor), the bot
follows and takes the room's things along: settings, plugins on or off, polls, meetings, reminders,
check-ins, signup lists, and the jobs that post for them.

The bot joins the successor straight away when it may (through the server of whoever upgraded the
room); when it may not (an invite-only room), it waits for an invite there, and accepts that invite
whoever sends it. Once joined, every row of every table (the core's and each plugin's) that names
the old room names the new one, in one transaction, and the new room is told in one line. The
event log (inbox, reactions) and direct chats stay as they were. Live messages (a poll's tally, a
signup list) stay in the old room, which no longer takes messages: `!polls`, `!signups` show the
items in the new one.
"""

from __future__ import annotations

import functools
import logging

from matrixbot.api.settings import SettingsStore
from matrixbot.db import Database, Tx
from matrixbot.engine.lanes import Lanes, Work
from matrixbot.i18n import _, speaking
from matrixbot.matrix.events import RoomEvent
from matrixbot.matrix.markup import Message, h
from matrixbot.matrix.rooms import RoomDirectory
from matrixbot.matrix.sender import Sender

log = logging.getLogger(__name__)

STAYS = frozenset({"inbox", "reactions", "direct_rooms", "room_moves"})
"""Tables whose rows keep naming the old room: what happened there, and the bot's direct chats.
(The bot's arrival moves: the successor gets no hello, only the line saying what was moved.)"""


class RoomMoves:
    def __init__(
        self, db: Database, rooms: RoomDirectory, sender: Sender, settings: SettingsStore, lanes: Lanes
    ) -> None:
        self._db = db
        self._rooms = rooms
        self._sender = sender
        self._settings = settings
        self._lanes = lanes

    async def upgraded(self, tombstone: RoomEvent) -> None:
        """A room's tombstone: follow it to its successor now, or once invited there."""
        new = tombstone.content.get("replacement_room")
        old = tombstone.room_id
        if not isinstance(new, str) or not new.startswith("!") or new == old:
            return
        await self._db.execute(
            "INSERT INTO room_moves (old_room, new_room, state) VALUES (?, ?, 'waiting') "
            "ON CONFLICT (old_room) DO NOTHING",
            (old, new),
        )
        via = tombstone.sender.split(":", 1)[1:]
        if await self._rooms.join(new, via):
            log.info("followed %s to its successor %s", old, new)
            await self.joined(new)
        else:
            log.info("%s was upgraded to %s; waiting for an invite there", old, new)

    async def successor(self, room_id: str) -> bool:
        """Whether `room_id` is the successor of a room the bot was in (its invite is accepted from
        anyone: the room's things are waiting to go there)."""
        found = await self._db.fetch_value(
            "SELECT 1 FROM room_moves WHERE new_room = ? AND state = 'waiting'", (room_id,)
        )
        return found is not None

    async def joined(self, room_id: str) -> None:
        """The bot is in `room_id` now: when it succeeds a room, take that room's things over."""
        old = await self._db.fetch_value(
            "SELECT old_room FROM room_moves WHERE new_room = ? AND state = 'waiting'", (room_id,)
        )
        if old is None:
            return
        tables = [t for t in await self._db.tables_with("room_id") if t not in STAYS]
        moved = await self._db.write(lambda tx: _move(tx, tables, str(old), room_id))
        self._settings.forget(str(old), room_id)
        self._sender.expect(room_id)
        log.info("moved %d row(s) of %s to %s", moved, old, room_id)
        self._lanes.add(Work(room_id, 0.0, True, functools.partial(self._tell, str(old), room_id)))

    async def _tell(self, old: str, new: str) -> bool:
        with speaking(await self._settings.language(new)):
            html = _(
                "This room replaces {room}: I have moved its settings, polls, meetings, reminders, "
                "check-ins and signup lists here, and what was scheduled there will be posted here. "
                "Messages I keep up to date (a poll's tally, a signup list) stay in the old room; "
                "{help} lists the commands that show them here."
            ).format(room=f"<code>{h(old)}</code>", help="<code>!help</code>")
        await self._sender.outbox(f"moved:{old}:{new}").message(new, Message.from_html(html))
        return True


async def _move(tx: Tx, tables: list[str], old: str, new: str) -> int:
    """Every row naming `old` in `tables` names `new`: a row whose other key columns clash with one
    the new room already has gives way to it (the new room's setting is the newer)."""
    moved = 0
    for table in tables:
        primary = await tx.primary_key(table)
        keys = [c for c in primary if c != "room_id"]
        if "room_id" in primary and keys:
            columns = ", ".join(keys)
            await tx.execute(
                f"DELETE FROM {table} WHERE room_id = ? AND ({columns}) IN "
                f"(SELECT {columns} FROM {table} WHERE room_id = ?)",
                (old, new),
            )
        elif "room_id" in primary:  # one row per room (the bot's arrival): the new room's stays
            await tx.execute(
                f"DELETE FROM {table} WHERE room_id = ? AND EXISTS (SELECT 1 FROM {table} WHERE room_id = ?)",
                (old, new),
            )
        moved += await tx.execute(f"UPDATE {table} SET room_id = ? WHERE room_id = ?", (new, old))
    await tx.execute("UPDATE room_moves SET state = 'done' WHERE old_room = ?", (old,))
    return moved
