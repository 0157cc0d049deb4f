"""The inbox: every event the bot receives, stored before it is handled, with the sync token.

An event is written here in the same transaction as the sync token that follows it, then handed
to the dispatcher, and marked done once handled. So a crash never loses an event (it is here, or
the sync that carries it is replayed) and never handles one twice (ids are unique here).
Encrypted events that could not be read yet wait here as `undecrypted`.

Every write here goes through `Database.write`/`execute`, which wait out a storage fault (a held
lock, a full disk) and return only once the write committed. So while the database cannot be
written, `store` does not return: the sync loop waits with the same response in hand and its token
never moves past events that are not stored, and nothing is handled before it is stored.

Marking an event done is written behind the handling, in batches: the room's next event does not
wait for that commit (one disk flush per handled event was ~2 ms of every command in a burst, and
the commits of all rooms queued on the one connection). What a `kill -9` can cost is what it could
cost before between a handler's end and its mark: the events handled but not yet marked are
handled again at the next start, and their answers, sent with the same transaction ids, are not
posted again. `flush()` (called at stop) writes what is still waiting.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Sequence

from matrixbot.db import Database, Row, Tx
from matrixbot.engine.tasks import watch
from matrixbot.matrix.events import RoomEvent

TOKEN_EVERY = 30.0
"""Seconds between writes of a sync token that came with nothing to store."""
KEEP_DONE_FOR = 7 * 86400.0
"""Handled event ids are kept this long (seconds) to recognise an event delivered again."""


class Inbox:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._token_saved_at = 0.0
        self._done: list[str] = []
        self._marking: asyncio.Task[None] | None = None

    async def token(self) -> str | None:
        token = await self._db.fetch_value("SELECT value FROM meta WHERE key = 'sync_token'")
        return None if token is None else str(token)

    async def synced_at(self) -> float | None:
        """When the stored token was written (Unix seconds): where a gap after it begins."""
        value = await self._db.fetch_value("SELECT value FROM meta WHERE key = 'synced_at'")
        return None if value is None else float(value)

    async def store(self, events: Sequence[RoomEvent], token: str) -> list[RoomEvent]:
        """Write the events and the new token in one transaction; return the events not seen before.

        A sync with nothing to store (most often the echo of the bot's own answer) writes its token
        only every TOKEN_EVERY seconds: replaying such syncs after a crash brings nothing to handle,
        and skipping the write keeps a disk flush off every command's path.
        """
        now = time.time()
        if not events and now - self._token_saved_at < TOKEN_EVERY:
            return []

        async def write(tx: Tx) -> list[RoomEvent]:
            new = []
            for position, event in enumerate(events):
                if not event.event_id:
                    continue
                state = "undecrypted" if event.type == "m.room.encrypted" else "pending"
                inserted = await tx.execute(
                    "INSERT INTO inbox (event_id, room_id, event, state, received_at, position) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
                    (event.event_id, event.room_id, event.to_json(), state, now, position),
                )
                if inserted:
                    new.append(event)
            await tx.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [("sync_token", token), ("synced_at", str(now))],
            )
            return new

        new = await self._db.write(write)
        self._token_saved_at = now
        return new

    async def mark_done(self, event: RoomEvent) -> None:
        """Note `event` as handled; the mark is written soon, with others (see the module's docstring)."""
        self._done.append(event.event_id)
        if self._marking is None or self._marking.done():
            self._marking = asyncio.get_running_loop().create_task(self._write_marks())
            watch(self._marking, "marking handled events done")

    async def flush(self) -> None:
        """Wait until every event noted as handled is marked done in the database (or its writer
        failed: that is logged where it happened, and the unmarked events are handled again at
        the next start)."""
        while self._marking is not None and not self._marking.done():
            await asyncio.wait([self._marking])

    async def _write_marks(self) -> None:
        while self._done:
            rows, self._done = [(event_id,) for event_id in self._done], []
            await self._db.write(functools.partial(_mark, rows=rows))

    async def decrypted(self, event: RoomEvent) -> None:
        """An event held as unreadable can be read now: it waits to be handled like any other."""
        await self._db.execute(
            "UPDATE inbox SET event = ?, state = 'pending' WHERE event_id = ?",
            (event.to_json(), event.event_id),
        )

    async def oldest_unfinished(self) -> float | None:
        """When the oldest event not handled yet (or not readable yet) was stored (Unix seconds)."""
        value = await self._db.fetch_value(
            "SELECT MIN(received_at) FROM inbox WHERE state IN ('pending', 'undecrypted')"
        )
        return None if value is None else float(value)

    async def unfinished(self, *, undecrypted_since: float) -> list[Row]:
        """Events stored but not handled (and unreadable ones newer than `undecrypted_since`), oldest first.

        Also forgets handled events older than KEEP_DONE_FOR.
        """
        await self._db.execute(
            "DELETE FROM inbox WHERE state = 'done' AND received_at < ?", (time.time() - KEEP_DONE_FOR,)
        )
        return await self._db.fetch_all(
            "SELECT event, state, received_at FROM inbox WHERE state = 'pending' "
            "OR (state = 'undecrypted' AND received_at > ?) ORDER BY received_at, position",
            (undecrypted_since,),
        )


async def _mark(tx: Tx, rows: list[tuple[str]]) -> None:
    await tx.executemany("UPDATE inbox SET state = 'done', event = NULL WHERE event_id = ?", rows)
