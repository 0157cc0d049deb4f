"""Which instance of the bot leads, and what a new leader takes over.

With SQLite the bot is alone (the data directory's lock sees to it) and leads. With PostgreSQL any
number of instances may run on one account and database, each with its own data_dir (so its own
device): the one holding the leader's lock (storage/leadership.py) leads, the others stand by
(standby.py) until it is gone. `role` is what /health and /metrics say of the instance.

Only the leader writes: its lease guards the database (db.py's `guard`) as it guards the sender.
A leader that loses the lead for good (another holds the lock, or led while this one was cut off)
stops: every waiting write raises, the bot stops and exits non-zero, for its supervisor to start
it again, as a standby.

A leader of another device than the last one takes over its unfinished work: the events stored
and not marked handled, the jobs running or waiting to be tried again. Before the catch-up runs
them, `take_over` gives the sender what it needs to learn what the old leader had posted already
(matrix/earlier.py): where in time that work began, and the jobs' transaction ids.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging

from matrixbot.config import Config
from matrixbot.db import Database
from matrixbot.engine.assembly import Started
from matrixbot.engine.standby import Retrying, Standby
from matrixbot.errors import LostLead
from matrixbot.lifecycle import Lifecycle
from matrixbot.matrix.earlier import EarlierPosts
from matrixbot.matrix.transport import Transport
from matrixbot.storage.leadership import LeaderLock, Office

log = logging.getLogger(__name__)


class Role(enum.Enum):
    STARTING = "starting"
    STANDBY = "standby"
    LEADER = "leader"


class Election:
    def __init__(self, config: Config, lifecycle: Lifecycle, db: Database, retrying: Retrying) -> None:
        self._life = lifecycle
        self._db = db
        self._retrying = retrying
        self.lock = (
            None if config.database is None else LeaderLock(config.database, lifecycle.lease, self._lost)
        )
        self.role = Role.STARTING
        self.standby: Standby | None = None

    async def take(self) -> bool:
        """Lead now, if no other instance does (with SQLite, always)."""
        if self.lock is not None and not await self.lock.take():
            self.role = Role.STANDBY
            return False
        self._lead()
        return True

    async def schema_made(self, known: int) -> bool:
        """As a standby: wait until a leader has made the core's tables (False: stopped first), and
        refuse a schema newer than this code knows (`known` migrations)."""
        told = False
        while not self._life.stopping.is_set():
            version = await self._retrying("read the database", self._core_version)
            if version:
                self._db.refuse_newer("matrixbot", version, known)
                return True
            if not told:
                log.info("waiting for the leader to make the database's tables")
                told = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._life.stopping.wait(), 1.0)
        return False

    async def _core_version(self) -> int:
        try:
            found = await self._db.fetch_value(
                "SELECT version FROM schema_versions WHERE component = 'matrixbot'"
            )
        except self._db.errors:  # no such table yet: no leader has made the database
            return 0
        return int(found or 0)

    async def wait_to_lead(self, transport: Transport, config: Config) -> bool:
        """Stand by, syncing as this device, until this instance leads (True) or stops (False)."""
        assert self.lock is not None, "only a PostgreSQL instance stands by"
        self.standby = Standby(transport, config.data_dir, self.lock, self._life, self._retrying)
        if not await self.standby.until_leading():
            return False
        self._lead()
        return True

    def _lead(self) -> None:
        self.role = Role.LEADER
        if self.lock is not None:
            self._db.guard = self._life.lease.cause

    async def take_office(self, device: str) -> Office | None:
        """As the new leader: its term, and who led before (None with SQLite, where one bot is alone)."""
        return None if self.lock is None else await self.lock.take_office(device)

    @property
    def last_sync(self) -> float | None:
        """A standby's last sync (time.monotonic()); None while it has not synced or leads."""
        return None if self.standby is None or self.role is not Role.STANDBY else self.standby.last_ok

    @property
    def unreachable(self) -> str | None:
        """Why a standby cannot ask for the leader's lock now (it could not take over), or None."""
        return self.lock.unreachable if self.lock is not None and self.role is Role.STANDBY else None

    def _lost(self, exc: LostLead) -> None:
        log.error("%s: stopping, to start again as a standby", exc)
        self._db.give_up(exc)
        self._life.closing.set()  # a send waiting for the lease gives up now
        self._life.fail(exc)

    async def close(self) -> None:
        """Give the lock up (after everything else has stopped writing and posting)."""
        if self.lock is not None:
            await self.lock.close()


async def take_over(started: Started, start: str | None) -> None:
    """Before the catch-up of a leader that follows another device: the sender checks what it posts
    against what the account posted before (matrix/earlier.py), back to the oldest unfinished work
    (`start`: a sync token of the take-over to read the rooms' history back from)."""
    jobs = await started.scheduler.unfinished()
    moments = [await started.inbox.oldest_unfinished(), await started.inbox.synced_at()]
    known = [moment for moment in [*moments, *(due for _, due in jobs)] if moment is not None]
    if not known:  # nothing was ever stored: nothing to take over
        return
    started.sender.earlier = EarlierPosts(
        started.transport,
        since=min(known),
        start=start or "",
        jobs=[started.sender.prefix(f"job:{job}") for job, _ in jobs],
    )
    log.info(
        "taking over from another device: %d job(s) unfinished; posts checked against the rooms' history",
        len(jobs),
    )
