"""Which instance of the bot leads, when several share one PostgreSQL database: the holder of a
session-level advisory lock, held on a connection of its own.

Every instance on PostgreSQL asks for the lock at start; the one that gets it leads, the others
stand by (engine/standby.py) and ask again every POLL seconds. The lock is the session's: the
server gives it up when the session ends, at once when the holder's process dies (its kernel closes
the socket, `kill -9` included) or its connection is cut, and after KEEPALIVE_SECONDS of silence
when its machine or network vanishes (the server's TCP keepalives, postgres.KEEPALIVE).
It is not on the connection the bot's work goes through, which is cut and opened again as faults
come (db.py) and must not cost the lead each time.

Fencing. A leader may post and write only under its lease (`lifecycle.Lease`): HEARTBEAT seconds
apart it sends `SELECT 1` on the lock's session, and an answer extends the lease to LEASE seconds
after the heartbeat was *sent*. The server cannot have heard the leader before that moment, and
frees the lock no sooner than KEEPALIVE_SECONDS after it last heard it, so a leader cut off from
its database stops posting LEASE seconds after its last good heartbeat, KEEPALIVE_SECONDS - LEASE
seconds before a standby can take the lock; a standby then needs up to POLL seconds to ask and a
second or more to go live before its first post. A cut the server makes itself (the session
terminated) ends the lease at once, when the client hears of it.

Terms. Whoever takes the lock as a new leader writes `(term + 1, its device, since)` into
`matrixbot_leader` (`take_office`). A leader whose lock's connection was lost connects again and
takes the lock back only if nobody else holds it and the term is still its own (nobody led
meanwhile); then it posts again, as if nothing happened. Otherwise it has lost the lead: `LostLead`
goes to `on_lost` (the bot stops and exits non-zero, for its supervisor to start it again, as a
standby).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from matrixbot.errors import LostLead, StartupError
from matrixbot.lifecycle import Lease
from matrixbot.storage.postgres import CONNECT_TIMEOUT, KEEPALIVE, _driver, cause_of, describe

if TYPE_CHECKING:
    import asyncpg

log = logging.getLogger(__name__)

LOCK = (0x6D626F74, 1)
"""The advisory lock's two keys ("mbot", 1): one bot per database, so one leader's lock."""
HEARTBEAT = 1.0
"""Seconds between the leader's heartbeats on its lock's session."""
LEASE = 4.0
"""Seconds after sending its last answered heartbeat that a leader may still post and write (X)."""
KEEPALIVE_SECONDS = 7.0
"""The least time after the server last heard the leader before it can free the lock when the
leader's machine or network vanished (Y): 3 + 4 × 1 s of probes, or 7 s of an unacknowledged answer."""
POLL = 1.0
"""Seconds between a standby's asks for the lock."""
TABLE = """
CREATE TABLE IF NOT EXISTS matrixbot_leader (
    id INTEGER PRIMARY KEY, term BIGINT NOT NULL, device TEXT NOT NULL, since DOUBLE PRECISION NOT NULL
)
"""


@dataclass(frozen=True)
class Office:
    """A leader's term, and who led before it (None: nobody ever did)."""

    term: int
    device: str
    previous_device: str | None
    previous_since: float | None

    @property
    def taken_over(self) -> bool:
        """Whether another device led before: what it posted is not known to this one's transaction ids."""
        return self.previous_device is not None and self.previous_device != self.device


class LeaderLock:
    """The lock an instance leads by: taken with `take()` (or `wait_to_take()`), then kept by a
    background heartbeat that keeps `lease` and reports a lost lead to `on_lost`."""

    def __init__(self, url: str, lease: Lease, on_lost: Callable[[LostLead], None]) -> None:
        self._pg = _driver()
        self.url = url
        self.where = describe(url)
        self._lease = lease
        self._on_lost = on_lost
        self._conn: asyncpg.Connection | None = None
        self._pid = 0
        self._using = asyncio.Lock()
        """One statement at a time on the lock's session (the heartbeat, a take, the office)."""
        self._cut = asyncio.Event()
        self._keeping: asyncio.Task[None] | None = None
        self._unreachable: str | None = None
        self.term = 0
        self.held = False

    @property
    def unreachable(self) -> str | None:
        """Why the last ask for the lock got no answer (the server away), or None."""
        return self._unreachable

    # -- taking it ------------------------------------------------------------------------------

    async def take(self) -> bool:
        """Take the lock if no other session holds it (True); a server away counts as not taken.
        Taken, the lease starts and the heartbeat keeps it."""
        try:
            async with self._using:
                sent = time.monotonic()
                took = bool(await self._ask("SELECT pg_try_advisory_lock($1, $2)", *LOCK))
        except Exception as exc:
            self._drop()
            cause = cause_of(exc, None)
            if cause is None:
                raise StartupError(f"the database {self.where}: {type(exc).__name__}: {exc}") from None
            if self._unreachable is None:
                log.warning("cannot ask %s for the leader's lock (%s); asking again", self.where, cause)
            self._unreachable = cause
            return False
        self._unreachable = None
        if took:
            self.held = True
            self._lease.until = sent + LEASE
            self._keeping = asyncio.get_running_loop().create_task(self._keep())
        return took

    async def wait_to_take(self, stopping: asyncio.Event) -> bool:
        """Ask for the lock every POLL seconds until it is taken (True) or `stopping` is set (False)."""
        while not stopping.is_set():
            if await self.take():
                return True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), POLL)
        return False

    async def take_office(self, device: str) -> Office:
        """As the new leader: the next term, recorded with this `device` and now; returns it with the
        previous leader's device."""
        async with self._using:
            conn = await self._session()
            async with conn.transaction():
                await conn.execute(TABLE)
                row = await conn.fetchrow("SELECT term, device, since FROM matrixbot_leader WHERE id = 1")
                term = (int(row["term"]) if row else 0) + 1
                await conn.execute(
                    "INSERT INTO matrixbot_leader (id, term, device, since) VALUES (1, $1, $2, $3) "
                    "ON CONFLICT (id) DO UPDATE SET term = excluded.term, device = excluded.device, "
                    "since = excluded.since",
                    term,
                    device,
                    time.time(),
                )
        self.term = term
        office = Office(term, device, row["device"] if row else None, row["since"] if row else None)
        log.info(
            "leading (term %d; %s)",
            term,
            f"device {office.previous_device} led before" if office.previous_device else "the first leader",
        )
        return office

    # -- keeping it -----------------------------------------------------------------------------

    async def _keep(self) -> None:
        """Heartbeats while leading; after a lost session, take the lock back or report the loss."""
        try:
            while True:
                sent = time.monotonic()
                try:
                    async with self._using:
                        await self._ask("SELECT 1")
                except Exception:
                    await self._regain()
                    continue
                self._lease.until = sent + LEASE
                self._cut.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._cut.wait(), HEARTBEAT)
        except LostLead as exc:
            self._lost(exc)
        except Exception as exc:  # a bug here must not leave a leader that believes it leads
            log.exception("the leader's heartbeat failed")
            self._lost(LostLead(f"the leader's heartbeat failed: {type(exc).__name__}: {exc}"))

    def _lost(self, exc: LostLead) -> None:
        self._lease.until = 0.0
        self.held = False
        self._drop()
        self._on_lost(exc)

    async def _regain(self) -> None:
        """The lock's session was lost (or does not answer): until it is confirmed again nothing is
        posted or written (the lease lapses by itself). Connect again and take the lock back if it is
        free and nobody led meanwhile; raise LostLead if another leads or led."""
        old = self._pid
        self._drop()
        log.warning(
            "lost the session holding the leader's lock on %s (or it does not answer): posting nothing "
            "(since %.1f s ago, when the lease ran out) until the lock is held again",
            self.where,
            max(0.0, time.monotonic() - self._lease.until),
        )
        while True:
            try:
                async with self._using:
                    if await self._take_back(old):
                        log.warning("the leader's lock is held again (term %d): posting again", self.term)
                        return
            except LostLead:
                raise
            except Exception as exc:
                self._drop()
                if cause_of(exc, None) is None:
                    raise LostLead(f"the database {self.where} refused this instance: {exc}") from None
                await asyncio.sleep(POLL)

    async def _take_back(self, old_pid: int) -> bool:
        sent = time.monotonic()
        if not await self._ask("SELECT pg_try_advisory_lock($1, $2)", *LOCK):
            holder = await self._ask(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 "
                "AND objsubid = 2 AND granted",
                *LOCK,
            )
            if holder is not None and holder != old_pid:
                raise LostLead("another instance of the bot holds the leader's lock now")
            if holder == old_pid:  # this instance's old session, not found dead yet: end it
                await self._ask("SELECT pg_terminate_backend($1)", old_pid)
            await asyncio.sleep(0.1)
            return False  # ask again
        term = await self._ask("SELECT term FROM matrixbot_leader WHERE id = 1")
        if term is not None and int(term) != self.term:
            self._drop()  # the lock goes with the session
            raise LostLead(f"another instance of the bot led meanwhile (term {term})")
        self._lease.until = sent + LEASE
        return True

    # -- the session ----------------------------------------------------------------------------

    async def _session(self) -> asyncpg.Connection:
        if self._conn is None or self._conn.is_closed():
            conn = await self._pg.connect(
                self.url,
                timeout=CONNECT_TIMEOUT,
                server_settings={"application_name": "matrixbot leader lock", **KEEPALIVE},
            )
            conn.add_termination_listener(self._terminated)
            self._conn, self._pid = conn, conn.get_server_pid()
        return self._conn

    async def _ask(self, sql: str, *args: Any) -> Any:
        """One statement on the lock's session (opened if needed), given up after LEASE seconds."""
        conn = await self._session()
        return await asyncio.wait_for(conn.fetchval(sql, *args), LEASE)

    def _terminated(self, conn: asyncpg.Connection) -> None:
        """The session ended (the server cut it, or it was closed): a leader stops posting at once."""
        if conn is self._conn and self.held:
            self._lease.until = min(self._lease.until, time.monotonic())
            self._cut.set()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.remove_termination_listener(self._terminated)
            conn.terminate()

    async def close(self) -> None:
        """Stop the heartbeat and end the session (the server frees the lock with it)."""
        if self._keeping is not None:
            self._keeping.cancel()
            await asyncio.gather(self._keeping, return_exceptions=True)
        self.held = False
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.remove_termination_listener(self._terminated)
            try:
                await asyncio.wait_for(conn.close(), 5)
            except Exception:
                conn.terminate()
