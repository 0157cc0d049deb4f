"""What the bot's account posted before this instance led, read from the rooms' history, so that
work taken over from another device is not posted twice.

A homeserver recognises a repeated transaction id only from the device (Synapse: the access token)
that used it. An instance that takes over from another device therefore cannot count on it: a
command the old leader answered but had not marked done yet, or a job it ran but had not marked
done, would be answered or posted a second time. So every post carries its transaction id
(`TXN_KEY`; in an encrypted room in the clear part too, so it is read without the room's keys), and
after a take-over the sender asks `EarlierPosts` before each send: the first time it posts into a
room, that room's history is read back to where the unfinished work began, and the ids the account
posted there are kept; a send whose id is among them is not sent (the earlier event stands for it).

It costs nothing per answer (some 60 bytes of content) and, after a take-over, one read of each room
the new leader posts in, back to the oldest unfinished work (at most HISTORY events). It applies
for WINDOW seconds after the take-over (the catch-up, notices of unreadable messages, the first
retries) and, past that, to the jobs that were running or being retried when it took over.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable

import nio

from matrixbot.matrix.events import TXN_KEY
from matrixbot.matrix.outages import Trouble, trouble_from_response
from matrixbot.matrix.transport import Transport

log = logging.getLogger(__name__)

WINDOW = 900.0
"""Seconds after a take-over during which every send is checked against the rooms' history."""
HISTORY = 1000
"""Events read at most per room: a room busier than that since the oldest unfinished work is read
only this far back."""
PAGE = 100
CLOCK_MARGIN = 60.0
"""Seconds read further back than the oldest unfinished work: the bot's clock (which dated that
work) and the homeserver's (which dates events) may be apart a little."""


class HistoryUnreadable(Exception):
    """A room's history could not be read now (a passing failure): the send waits and tries again."""

    def __init__(self, trouble: Trouble) -> None:
        super().__init__(trouble.detail)
        self.trouble = trouble


class EarlierPosts:
    """The account's posts before a take-over, by transaction id, read once per room when needed.

    `since`: when the oldest unfinished work began (Unix seconds, the bot's clock); `start`: a sync
    token of the take-over to read back from ("" for the room's end); `jobs`: the transaction-id
    prefixes of the jobs taken over, checked past the window.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        since: float,
        start: str = "",
        jobs: Iterable[str] = (),
        window: float = WINDOW,
    ) -> None:
        self._transport = transport
        self._since_ms = int((since - CLOCK_MARGIN) * 1000)
        self._start = start
        self._jobs = frozenset(jobs)
        self._until = time.monotonic() + window
        self._rooms: dict[str, asyncio.Task[dict[str, str]]] = {}

    def covers(self, txn_id: str) -> bool:
        """Whether a send with `txn_id` must be checked: within the window, or a job's taken over."""
        return time.monotonic() < self._until or txn_id.rpartition(".")[0] in self._jobs

    async def find(self, room_id: str, txn_id: str) -> str | None:
        """The event the account posted in `room_id` with `txn_id` before the take-over, if it did.
        Raises HistoryUnreadable while the room's history cannot be read."""
        reading = self._rooms.get(room_id)
        if reading is None or (reading.done() and reading.exception() is not None):
            reading = self._rooms[room_id] = asyncio.get_running_loop().create_task(self._read(room_id))
        return (await asyncio.shield(reading)).get(txn_id)

    async def _read(self, room_id: str) -> dict[str, str]:
        """The transaction ids the account posted in `room_id`, back to `since` or HISTORY events."""
        own = self._transport.user_id
        posted: dict[str, str] = {}
        start, read = self._start, 0
        while read < HISTORY:
            response = await self._transport.messages(room_id, start=start, end="", limit=PAGE)
            if not isinstance(response, nio.RoomMessagesResponse):
                raise HistoryUnreadable(trouble_from_response(response))
            oldest = None
            for event in response.chunk:
                source = event.source
                txn = (source.get("content") or {}).get(TXN_KEY)
                if source.get("sender") == own and isinstance(txn, str):
                    posted.setdefault(txn, str(source.get("event_id")))
                oldest = source.get("origin_server_ts")
            read += len(response.chunk)
            done = not response.chunk or not response.end or response.end == start
            if done or (isinstance(oldest, int) and oldest < self._since_ms):
                break
            start = response.end
        log.info(
            "read %d event(s) of %s: %d post(s) made before this instance led", read, room_id, len(posted)
        )
        return posted
