"""A standby: another instance of the bot on the same account and PostgreSQL database, waiting to lead.

It is a device of its own (its own data_dir: session, encryption store) and syncs like any client of
the bot's account, so the room keys that members' clients share with every device of the account
reach it too, and its keys stay uploaded; but it neither answers nor posts, and writes nothing of
the leader's (the inbox, the sync token, the jobs): it does not even build those parts. Its own sync
token is kept in its data_dir (`standby.json`), its timeline filter asks for no events.

Every POLL seconds it asks for the leader's lock (storage/leadership.py). Once it has it, it syncs
once more without waiting, so every to-device message addressed to it (room keys) is taken before
it syncs from the leader's token: a sync from an older token than its own would drop those unseen.
Then the bot goes live as any leader does (engine/bot.py): it resumes from the shared token,
handles what the old leader left unhandled, and runs the jobs that fall due.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

import nio

from matrixbot.engine.sync import SYNC_DEADLINE, SYNC_FILTER, SYNC_TIMEOUT_MS
from matrixbot.errors import FatalError, StartupError, SyncFailed
from matrixbot.lifecycle import Lifecycle
from matrixbot.matrix.outages import trouble_from_response
from matrixbot.matrix.transport import Transport
from matrixbot.storage.leadership import LeaderLock

log = logging.getLogger(__name__)
T = TypeVar("T")

TOKEN_FILE = "standby.json"
STANDBY_FILTER: dict[str, Any] = {
    **SYNC_FILTER,
    "room": {**SYNC_FILTER["room"], "timeline": {"limit": 0}},
}
"""What a standby syncs: rooms' state (members, encryption) and to-device messages, no timeline."""


class Retrying(Protocol):
    """Tries `attempt` until it works, waiting out passing failures (the bot's `_retrying`)."""

    def __call__(self, what: str, attempt: Callable[[], Awaitable[T]]) -> Awaitable[T]: ...


class Standby:
    def __init__(
        self,
        transport: Transport,
        data_dir: Path,
        lock: LeaderLock,
        lifecycle: Lifecycle,
        retrying: Retrying,
    ) -> None:
        self._transport = transport
        self._path = data_dir / TOKEN_FILE
        self._lock = lock
        self._life = lifecycle
        self._retrying = retrying
        self.token = _read_token(self._path, transport.device_id)
        """Its own sync token: after the take-over, where the rooms' history is read back from."""
        self.last_ok: float | None = None
        """time.monotonic() of its last sync (/health reads it)."""

    async def until_leading(self) -> bool:
        """Sync until this instance holds the leader's lock (True) or the bot stops (False)."""
        log.info("standing by: another instance leads; asking for its lock every second")
        syncing = asyncio.get_running_loop().create_task(self._sync_forever())
        try:
            took = await self._lock.wait_to_take(self._life.stopping)
        finally:
            syncing.cancel()
            await asyncio.gather(syncing, return_exceptions=True)
        if took:
            await self._retrying("sync", lambda: self._sync(0))
        return took

    async def _sync_forever(self) -> None:
        try:
            while True:
                await self._retrying("sync", lambda: self._sync(SYNC_TIMEOUT_MS))
        except StartupError as exc:
            if not self._life.stopping.is_set():
                log.error("cannot go on: %s", exc)
                self._life.fail(exc)
        except Exception as exc:
            log.exception("the standby's sync loop failed")
            self._life.fail(FatalError(f"the standby's sync loop failed: {type(exc).__name__}: {exc}"))

    async def _sync(self, timeout: int) -> None:
        request = self._transport.sync(
            timeout=timeout, sync_filter=STANDBY_FILTER, since=self.token, full_state=None
        )
        async with asyncio.timeout(SYNC_DEADLINE if timeout else None):
            response = await request
        if not isinstance(response, nio.SyncResponse):
            if response.status_code == "M_UNKNOWN_TOKEN":
                raise StartupError(
                    "the homeserver no longer accepts this standby's access token; log in again"
                )
            raise SyncFailed(trouble_from_response(response))
        self.token = response.next_batch
        _write_token(self._path, self._transport.device_id, self.token)
        if self._transport.encryption is not None:
            await self._transport.encryption.upkeep()
        self.last_ok = time.monotonic()


def _read_token(path: Path, device_id: str) -> str | None:
    with contextlib.suppress(OSError, ValueError, AttributeError, KeyError, TypeError):
        stored = json.loads(path.read_text())
        if stored.get("device_id") == device_id:
            return str(stored["token"])
    return None


def _write_token(path: Path, device_id: str, token: str) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"device_id": device_id, "token": token}, handle)
    os.replace(tmp, path)
