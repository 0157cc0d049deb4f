"""The bot: a start (the database, the transport, the assembly, the catch-up, the sync loop), a stop
that takes it apart in reverse, and retrying what may pass.

What a start builds is one `Started` (assembly.py), present as a whole or not at all; an instance
that another one leads (several on one PostgreSQL database) stands by first (election.py). Durability
lives in `inbox.py` (events stored with the sync token before they are handled) and `scheduler.py`
(jobs); turning syncs into events in `sync.py`; routing them in `dispatch.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

import nio

from matrixbot import metrics
from matrixbot.api.plugin import Plugin
from matrixbot.config import Config
from matrixbot.datadir import InstanceLock, make_private, warn_if_readable
from matrixbot.db import Database
from matrixbot.engine.assembly import P, Started, assemble, plugin_classes
from matrixbot.engine.election import Election, Role, take_over
from matrixbot.engine.schema import CORE_MIGRATIONS
from matrixbot.engine.tasks import watch
from matrixbot.errors import (
    FatalError,
    MatrixbotError,
    NotStarted,
    StartupError,
    StorageUnavailable,
    SyncFailed,
)
from matrixbot.lifecycle import Lifecycle
from matrixbot.matrix.outages import (
    NETWORK_ERRORS,
    Backoff,
    Kind,
    OutageLog,
    Trouble,
    TroubleLog,
    trouble_from_exception,
)
from matrixbot.matrix.transport import NioTransport, Transport
from matrixbot.time import Clock, SystemClock, TimeParser, TimeService

if TYPE_CHECKING:
    from matrixbot.engine.health import HealthServer

log = logging.getLogger(__name__)
T = TypeVar("T")


class Bot:
    """A bot on its config. `start()` builds it (on `transport`, or matrix-nio's from the config),
    `stop()` takes it apart; `parts` is the `Started` between the two."""

    def __init__(
        self,
        config: Config,
        *,
        clock: Clock | None = None,
        plugins: Sequence[type[Plugin]] | None = None,
        transport: Transport | None = None,
    ) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.lifecycle = Lifecycle()
        self.troubles = TroubleLog(self.clock)
        self.times = TimeService(TimeParser(self.clock, config.languages))
        self._plugins = plugin_classes(plugins)
        self._transport = transport
        self._started: Started | None = None
        self._db: Database | None = None
        """Open from the first step of a start until the stop (the rest is built on it)."""
        self._instance = InstanceLock(config.data_dir)
        self._http: HealthServer | None = None
        self._election: Election | None = None
        self._sync_task: asyncio.Task[None] | None = None
        self._warm_task: asyncio.Future[None] | None = None

    @property
    def parts(self) -> Started:
        """Every part of the started bot (`NotStarted` before `start()` and after `stop()`)."""
        if self._started is None:
            raise NotStarted("the bot has not started: await its start() first")
        return self._started

    def plugin(self, cls: type[P]) -> P:
        """The loaded instance of plugin class `cls`, typed as it."""
        return self.parts.plugin(cls)

    @property
    def fatal(self) -> MatrixbotError | None:
        return self.lifecycle.fatal

    # -- start and stop ---------------------------------------------------------------------

    async def start(self) -> None:
        """Open the database, lead (or stand by until this instance leads), log in, assemble the
        parts, catch up, and start syncing. Returns without parts when stopped while standing by.
        A start that fails closes what it opened (the database, the data directory's lock) before
        the error goes on."""
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        db = self._db = await self._open_database()
        if self.config.http_listen is not None:
            from matrixbot.engine.health import HealthServer  # only when /health is wanted

            self._http = await HealthServer.start(self, *self.config.http_listen)
        transport = self._transport or NioTransport(self.config, on_error=self._note_error)
        self._transport = transport
        election = self._election = Election(self.config, self.lifecycle, db, self._retrying)
        if await election.take():
            await db.migrate("matrixbot", CORE_MIGRATIONS)
            await self._retrying("log in", lambda: transport.connect(db))
        else:
            if not await election.schema_made(len(CORE_MIGRATIONS)):
                return
            await self._retrying("log in", lambda: transport.connect(db))
            if not await election.wait_to_lead(transport, self.config):
                return
            await db.migrate("matrixbot", CORE_MIGRATIONS)
        office = await election.take_office(transport.device_id)
        self._started = started = await assemble(
            self.config,
            clock=self.clock,
            lifecycle=self.lifecycle,
            troubles=self.troubles,
            times=self.times,
            db=db,
            transport=transport,
            plugins=self._plugins,
        )
        if office is not None and office.taken_over:
            await take_over(started, election.standby.token if election.standby else None)
        await self._go_live(started)
        if self._http is not None:  # members and rooms are known now: a feed's holder can be checked
            from matrixbot.calendar.http import CalendarRoutes

            self._http.serve_calendars(CalendarRoutes(started.calendars, self.config.http_trusted_proxies))

    async def _open_database(self) -> Database:
        """Take the data directory's one-instance lock, make it private, then open the database."""
        self._instance.acquire()
        if self.config.source is not None:
            warn_if_readable(self.config.source)
        tightened = make_private(self.config.data_dir)
        if tightened:
            log.warning(
                "made %d path(s) in %s private to this user (were readable by others): %s",
                len(tightened),
                self.config.data_dir,
                ", ".join(str(p) for p in tightened[:5]) + (" …" if len(tightened) > 5 else ""),
            )
        db = await Database.for_config(self.config)
        db.on_fatal = self.lifecycle.fail
        db.on_fault = self.troubles.saw_storage_fault
        return db

    async def _go_live(self, started: Started) -> None:
        """Catch up with the homeserver, handle what was left over, start the scheduler and sync loop."""
        syncer = started.syncer
        await syncer.resume()
        await self._retrying("sync", syncer.first_sync)
        # the rooms the bot is in count as greeted, once (when the hello's table is new: hello.py)
        await started.dispatcher.greeter.remember_rooms(started.transport.rooms, self.clock.now().timestamp())
        # only now does the transport know the rooms and their encryption: replies and jobs can be
        # sent. The catch-up: what was stored while the bot was down and the jobs that fell due
        # meanwhile are gathered first, then taken in the order of their time (lanes.py)
        started.lanes.pause()
        try:
            await syncer.replay()
            await started.scheduler.start()
        finally:
            started.lanes.resume()
        loop = asyncio.get_running_loop()
        self._sync_task = loop.create_task(self._sync_forever(started))
        # Warm the time parser once the start is over, so it does not delay the first answers.
        self._warm_task = loop.create_task(self.times.warm())
        watch(self._warm_task, "warming the time parser")
        log.info(
            "matrixbot started as %s with plugins: %s",
            self.config.user_id,
            ", ".join(started.registry.optional),
        )

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop taking events, let running handlers finish (bounded), close everything: the
        parts in the reverse of the order a start made them."""
        self.lifecycle.stopping.set()
        if self._http is not None:
            await self._http.stop()
        if self._sync_task is not None:
            self._sync_task.cancel()
            await asyncio.gather(self._sync_task, return_exceptions=True)
        started, self._started = self._started, None
        if started is not None:
            await started.dispatcher.drain(timeout)
            await started.inbox.flush()
            self.lifecycle.closing.set()
            await started.scheduler.stop(timeout)
            for plugin in started.registry.plugins.values():
                try:
                    await plugin.stop()
                except Exception:
                    log.exception("plugin %s failed to stop", plugin.name)
        self.lifecycle.closing.set()
        if self._warm_task is not None:
            await asyncio.gather(self._warm_task, return_exceptions=True)
        self.times.close()
        if self._transport is not None:
            await self._transport.close()
        db, self._db = self._db, None
        if db is not None:
            await db.close()
        election, self._election = self._election, None
        if election is not None:
            await election.close()  # the leader's lock last: nothing is written or posted now
        self._instance.release()
        if db is not None:
            log.info("matrixbot stopped")

    async def run_until_stopped(self) -> None:
        await self.lifecycle.stopping.wait()

    def request_stop(self) -> None:
        self.lifecycle.stopping.set()

    # -- what /health and /metrics read (engine/health.py's Status) --------------------------

    @property
    def role(self) -> str:
        """This instance's role: leader, standby (another instance leads) or starting."""
        return (self._election.role if self._election is not None else Role.STARTING).value

    @property
    def last_sync(self) -> float | None:
        """time.monotonic() of the last sync handled in full (a standby's own), None before the first."""
        if self._started is not None:
            return self._started.syncer.last_ok
        return self._election.last_sync if self._election is not None else None

    @property
    def scheduling(self) -> bool:
        return self._started is not None and self._started.scheduler.running

    @property
    def storage_fault(self) -> str | None:
        if self._db is None:
            return "not open"
        return self._db.fault or (self._election.unreachable if self._election is not None else None)

    @property
    def room_count(self) -> int:
        return len(self._transport.rooms) if self._transport is not None else 0

    async def inbox_backlog(self) -> int | None:
        """Events stored and not handled yet; None while the database is not open or failing."""
        db = self._db
        if db is None:
            return None
        try:
            value = await db.fetch_value("SELECT COUNT(*) FROM inbox WHERE state = 'pending'")
        except (ValueError, MatrixbotError):
            return None
        except db.errors:  # the engine's own (sqlite3, asyncpg): closed or failing
            return None
        return int(value or 0)

    # -- syncing ----------------------------------------------------------------------------

    async def _sync_forever(self, started: Started) -> None:
        try:
            while not self.lifecycle.stopping.is_set():
                await self._retrying("sync", started.syncer.sync_once)
        except StartupError as exc:
            log.error("cannot go on: %s", exc)
            self.lifecycle.fail(exc)
        except FatalError as exc:
            self.lifecycle.fail(exc)  # the database reported it
        except Exception as exc:
            log.exception("the sync loop failed")
            self.lifecycle.fail(FatalError(f"the sync loop failed: {type(exc).__name__}: {exc}"))

    async def _retrying(self, what: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """Retry a passing failure until stopped: every 2 s at most while the homeserver cannot be
        reached (so it is heard within seconds of its return), longer while it answers 5xx, as long
        as it asks on `Retry-After`."""
        backoff = Backoff()
        outage = OutageLog(what, log)
        stopping = self.lifecycle.stopping
        while True:
            try:
                result = await attempt()
            except (*NETWORK_ERRORS, SyncFailed, StorageUnavailable) as exc:
                if stopping.is_set():
                    raise StartupError(f"stopped while trying to {what}") from exc
                if isinstance(exc, StorageUnavailable):
                    trouble = Trouble(Kind.STORAGE, f"storage unavailable: {exc}")
                elif isinstance(exc, SyncFailed):
                    trouble = exc.trouble
                else:
                    trouble = trouble_from_exception(exc)
                self.troubles.saw(trouble)
                delay = backoff.delay(trouble)
                outage.failed(trouble, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), delay)
            else:
                outage.worked()
                return result

    async def _note_error(self, response: nio.ErrorResponse) -> None:
        """Every error answer of the homeserver: a rate limit is counted and noted (nio itself waits
        it out, as long as it is told)."""
        metrics.count_rate_limit(response)
        if response.status_code == "M_LIMIT_EXCEEDED" or response.retry_after_ms:
            self.troubles.saw(Kind.RATE_LIMITED)
