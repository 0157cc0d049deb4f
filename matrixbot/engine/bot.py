"""The bot: wiring the services together, a clean start and stop, and retrying what may pass.

Durability lives in `inbox.py` (events stored with the sync token before they are handled) and
`scheduler.py` (jobs); turning syncs into events in `sync.py`; routing them in `dispatch.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

import nio

from matrixbot import metrics
from matrixbot.api.plugin import Plugin, Services
from matrixbot.api.settings import SettingsStore
from matrixbot.calendar.service import CalendarService
from matrixbot.config import Config
from matrixbot.datadir import InstanceLock, make_private, warn_if_readable
from matrixbot.db import Database
from matrixbot.engine.dispatch import Dispatcher
from matrixbot.engine.gaps import GapFiller
from matrixbot.engine.inbox import Inbox
from matrixbot.engine.lanes import Lanes
from matrixbot.engine.moves import RoomMoves
from matrixbot.engine.parts import Parts
from matrixbot.engine.registry import BUILTIN_PLUGINS, Registry, discover
from matrixbot.engine.scheduler import Scheduler
from matrixbot.engine.schema import CORE_MIGRATIONS
from matrixbot.engine.sync import Syncer
from matrixbot.engine.tasks import watch
from matrixbot.engine.unreadable import UnreadableNotices
from matrixbot.errors import (
    FatalError,
    MatrixbotError,
    NotStarted,
    StartupError,
    StorageUnavailable,
    SyncFailed,
)
from matrixbot.matrix import crypto
from matrixbot.matrix.outages import (
    NETWORK_ERRORS,
    Backoff,
    Kind,
    OutageLog,
    Trouble,
    TroubleLog,
    trouble_from_exception,
)
from matrixbot.matrix.rooms import RoomDirectory
from matrixbot.matrix.sender import Sender
from matrixbot.matrix.session import log_in
from matrixbot.plugins.core.plugin import CorePlugin
from matrixbot.plugins.devices.plugin import DevicesPlugin
from matrixbot.time import Clock, SystemClock, TimeParser, TimeService

if TYPE_CHECKING:
    from matrixbot.engine.health import HealthServer

log = logging.getLogger(__name__)
T = TypeVar("T")


class Bot:
    def __init__(
        self, config: Config, *, clock: Clock | None = None, plugins: Sequence[type[Plugin]] | None = None
    ) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self._plugin_classes = plugins
        self.client: nio.AsyncClient | None = None
        self.db: Database | None = None
        self.registry: Registry | None = None
        self.scheduler: Scheduler | None = None
        self.dispatcher: Dispatcher | None = None
        self.sender: Sender | None = None
        self.rooms: RoomDirectory
        self.settings: SettingsStore
        self.inbox: Inbox
        self.moves: RoomMoves
        self.calendars: CalendarService
        self.times = TimeService(TimeParser(self.clock, config.languages))
        self.troubles = TroubleLog(self.clock)
        self.syncer: Syncer | None = None
        self._parts: Parts | None = None
        self._stopping = asyncio.Event()
        self._sync_task: asyncio.Task[None] | None = None
        self._warm_task: asyncio.Future[None] | None = None
        self.fatal: MatrixbotError | None = None
        self.decryptor: crypto.Decryptor | None = None
        self._instance = InstanceLock(config.data_dir)
        self._http: HealthServer | None = None

    # -- start and stop ---------------------------------------------------------------------

    async def start(self) -> None:
        """Open the database, log in, load the plugins, catch up, and start syncing."""
        await self._open_database()
        if self.config.http_listen is not None:
            # the listener is imported only when /health is wanted
            from matrixbot.engine.health import HealthServer

            self._http = await HealthServer.start(self, *self.config.http_listen)
        self.client = await self._connect()
        await self._assemble()
        await self._go_live()
        if self._http is not None:  # members and rooms are known now: a feed's holder can be checked
            from matrixbot.calendar.http import CalendarRoutes

            self._http.serve_calendars(CalendarRoutes(self.calendars, self.config.http_trusted_proxies))

    async def _open_database(self) -> None:
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
        self.db = await Database.for_config(self.config)
        self.db.on_fatal = self._fail
        self.db.on_fault = self.troubles.saw_storage_fault
        await self.db.migrate("matrixbot", CORE_MIGRATIONS)

    async def _connect(self) -> nio.AsyncClient:
        """Log in (reusing the stored session and device) and open the crypto store."""
        config = self.config
        client = nio.AsyncClient(
            config.homeserver,
            config.user_id,
            config=nio.AsyncClientConfig(
                max_timeouts=0,
                request_timeout=60,
                store_sync_tokens=False,
                encryption_enabled=config.e2ee.enabled,
                pickle_key=crypto.pickle_key(config) if config.e2ee.enabled else "",
                store=crypto.CryptoStore,
            ),
        )
        self.client = client
        # nio annotates the callback as a coroutine object; it takes (and awaits when needed) a callable
        client.add_response_callback(metrics.count_rate_limit, nio.ErrorResponse)  # type: ignore[arg-type]
        # nio waits out a 429 itself (as long as it is told); the log only notes that it happened
        client.add_response_callback(self._note_rate_limit, nio.ErrorResponse)  # type: ignore[arg-type]
        session = await self._retrying("log in", lambda: log_in(client, config))
        client.user_id, client.device_id = session.user_id, session.device_id
        client.access_token = session.access_token
        if config.e2ee.enabled:
            await self._open_crypto_store(session.device_id)
        return client

    async def _assemble(self) -> None:
        """Build the services and the plugins on them; run their migrations and set-up."""
        assert self.db is not None and self.client is not None
        config = self.config
        self.rooms = rooms = RoomDirectory(
            self.client, config.user_id, owners=config.owners, ignore_users=config.ignore_users
        )
        self.sender = sender = Sender(
            self.client, rooms, self.db, await self._nonce(), trust=config.e2ee.trust, troubles=self.troubles
        )
        lanes = Lanes()
        self.scheduler = Scheduler(
            self.db, self.clock, sender, lanes, late_grace=config.late_grace, troubles=self.troubles
        )
        self.settings = settings = SettingsStore(
            self.db,
            default_zone=config.timezone,
            default_plugins=BUILTIN_PLUGINS if config.default_plugins is None else config.default_plugins,
        )
        plugin_classes: list[type[Plugin]] = [
            CorePlugin,
            DevicesPlugin,
            *(self._plugin_classes if self._plugin_classes is not None else discover()),
        ]
        plugins: list[Plugin] = []
        for cls in plugin_classes:
            services = Services(
                db=self.db,
                jobs=self.scheduler.for_plugin(cls.name),
                sender=sender,
                settings=settings,
                rooms=rooms,
                clock=self.clock,
                times=self.times,
                config=config.plugin_config(cls.name),
                prefix=config.prefix,
                late_grace=config.late_grace,
                log=logging.getLogger(f"matrixbot.plugins.{cls.name}"),
                raw_client=self.client,
                peers=self._plugins,
            )
            plugins.append(cls(services))
        self.registry = Registry(plugins, settings)
        core = plugins[0]
        assert isinstance(core, CorePlugin)
        core.catalog = self.registry
        self.calendars = CalendarService(
            self.db,
            self.registry,
            settings,
            rooms,
            self.clock,
            public_url=config.http_public_url,
            listening=config.http_listen is not None,
        )
        core.feeds = self.calendars
        for name in config.default_plugins or ():
            if name not in self.registry.plugins:
                raise StartupError(
                    f"default_plugins: there is no plugin '{name}' "
                    f"(installed: {', '.join(self.registry.optional) or 'none'})"
                )
        for plugin in plugins:
            await self.db.migrate(plugin.name, plugin.migrations)
            for setting in plugin.room_settings:
                settings.declare(setting)
            nudges = plugin.nudge_jobs()
            for name, handler in plugin.job_handlers().items():
                self.scheduler.register(plugin.name, name, handler, nudge=name in nudges)
        for plugin in plugins:
            await plugin.setup()
        self.inbox = Inbox(self.db)
        self.moves = RoomMoves(self.db, rooms, sender, settings, lanes)
        self.dispatcher = Dispatcher(
            config, self.registry, self.db, sender, lanes, self.moves, on_handled=self.inbox.mark_done
        )
        self._parts = Parts(self.db, self.registry, self.scheduler, self.dispatcher, sender)

    @property
    def parts(self) -> Parts:
        """The database, registry, scheduler, dispatcher and sender, once `start()` has built them."""
        if self._parts is None:
            raise NotStarted("the bot has not started: await its start() first")
        return self._parts

    async def _go_live(self) -> None:
        """Catch up with the homeserver, handle what was left over, start the scheduler and sync loop."""
        client, parts = self.client, self.parts
        assert client is not None
        self.syncer = syncer = Syncer(
            client,
            self.config,
            self.clock,
            self.inbox,
            parts.dispatcher,
            GapFiller(client, parts.dispatcher.lanes, parts.sender, self.settings),
            self.moves,
            self.rooms,
            parts.sender,
            UnreadableNotices(client, self.settings, self.rooms, parts.sender, parts.dispatcher.lanes)
            if self.decryptor
            else None,
            self.decryptor,
        )
        await syncer.resume()
        await self._retrying("sync", lambda: syncer.sync_once(full_state=True))
        # the rooms the bot is in count as greeted, once (when the hello's table is new: hello.py)
        await parts.dispatcher.greeter.remember_rooms(client.rooms, self.clock.now().timestamp())
        # only now does nio know the rooms and their encryption: replies and jobs can be sent.
        # The catch-up: what was stored while the bot was down and the jobs that fell due meanwhile
        # are gathered first, then taken in the order of their time (lanes.py)
        parts.dispatcher.lanes.pause()
        try:
            await syncer.replay()
            await parts.scheduler.start()
        finally:
            parts.dispatcher.lanes.resume()
        loop = asyncio.get_running_loop()
        self._sync_task = loop.create_task(self._sync_forever())
        # Warm the time parser once the start is over, so it does not delay the first answers.
        self._warm_task = loop.create_task(self.times.warm())
        watch(self._warm_task, "warming the time parser")
        log.info(
            "matrixbot started as %s with plugins: %s",
            self.config.user_id,
            ", ".join(parts.registry.optional),
        )

    async def _open_crypto_store(self, device_id: str) -> None:
        """Open (or create) this device's crypto store; a lost or damaged one stops the start."""
        assert self.client is not None and self.db is not None
        known = await self.db.fetch_value("SELECT value FROM meta WHERE key = 'crypto_device'")
        crypto.check_store(self.config, device_id, known)
        self.client.store_path = str(crypto.crypto_dir(self.config))
        crypto.load_store(self.client, self.config)
        make_private(self.config.data_dir)  # nio creates its store file 0644
        await self.db.execute(
            "INSERT INTO meta (key, value) VALUES ('crypto_device', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (device_id,),
        )
        self.decryptor = crypto.Decryptor(self.client)
        await crypto.upkeep(self.client)

    def _plugins(self) -> dict[str, Plugin]:
        return self.registry.plugins if self.registry else {}

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop taking events, let running handlers finish (bounded), close everything."""
        self._stopping.set()
        if self._http is not None:
            await self._http.stop()
        if self._sync_task is not None:
            self._sync_task.cancel()
            await asyncio.gather(self._sync_task, return_exceptions=True)
        if self.dispatcher is not None:
            await self.dispatcher.drain(timeout)
            await self.inbox.flush()
        if self.sender is not None:
            self.sender.stopping.set()
        if self.scheduler is not None:
            await self.scheduler.stop(timeout)
        if self.registry is not None:
            for plugin in self.registry.plugins.values():
                try:
                    await plugin.stop()
                except Exception:
                    log.exception("plugin %s failed to stop", plugin.name)
        if self._warm_task is not None:
            await asyncio.gather(self._warm_task, return_exceptions=True)
        self.times.close()
        if self.client is not None:
            await self.client.close()
        if self.db is not None:
            await self.db.close()
        self._instance.release()
        if self.db is not None:
            log.info("matrixbot stopped")

    async def run_until_stopped(self) -> None:
        await self._stopping.wait()

    def request_stop(self) -> None:
        self._stopping.set()

    def _fail(self, exc: MatrixbotError) -> None:
        """A fault the bot cannot ride out: stop, and exit non-zero (see cli.run_bot)."""
        if self.fatal is None:
            self.fatal = exc
        self._stopping.set()

    async def _nonce(self) -> str:
        """A random tag of this database, in every transaction id, so ids never collide with another install."""
        assert self.db is not None
        async with self.db.transaction() as tx:
            nonce = await tx.fetch_value("SELECT value FROM meta WHERE key = 'txn_nonce'")
            if nonce is None:
                nonce = secrets.token_hex(6)
                await tx.execute("INSERT INTO meta (key, value) VALUES ('txn_nonce', ?)", (nonce,))
        return str(nonce)

    # -- syncing ----------------------------------------------------------------------------

    async def _sync_forever(self) -> None:
        assert self.syncer is not None
        try:
            while not self._stopping.is_set():
                await self._retrying("sync", self.syncer.sync_once)
        except StartupError as exc:
            log.error("cannot go on: %s", exc)
            self._fail(exc)
        except FatalError as exc:
            self._fail(exc)  # the database reported it
        except Exception as exc:
            log.exception("the sync loop failed")
            self._fail(FatalError(f"the sync loop failed: {type(exc).__name__}: {exc}"))

    async def _retrying(self, what: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """Retry a passing failure until stopped: every 2 s at most while the homeserver cannot be
        reached (so it is heard within seconds of its return), longer while it answers 5xx, as long
        as it asks on `Retry-After`."""
        backoff = Backoff()
        outage = OutageLog(what, log)
        while True:
            try:
                result = await attempt()
            except (*NETWORK_ERRORS, SyncFailed, StorageUnavailable) as exc:
                if self._stopping.is_set():
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
                    await asyncio.wait_for(self._stopping.wait(), delay)
            else:
                outage.worked()
                return result

    async def _note_rate_limit(self, response: nio.ErrorResponse) -> None:
        if response.status_code == "M_LIMIT_EXCEEDED" or response.retry_after_ms:
            self.troubles.saw(Kind.RATE_LIMITED)
