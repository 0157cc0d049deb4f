"""The bot: wiring the services together, the sync loop, and a clean start and stop.

Sync and durability, in short: each sync's events are written to the `inbox` table in the same
transaction as the new sync token, then handed to the dispatcher, and marked done when handled.
A crash before that transaction replays the sync (events are de-duplicated by id); a crash after
it re-dispatches whatever was not marked done. On the very first start the backlog is skipped.
When a sync's timeline is `limited` (a gap, e.g. after downtime), the missing events are fetched
with `/messages` back to the previous token, so no command is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import aiohttp
import nio

from matrixbot import crypto
from matrixbot.builtin import CorePlugin
from matrixbot.clock import Clock, SystemClock
from matrixbot.config import Config
from matrixbot.core_schema import CORE_MIGRATIONS
from matrixbot.db import Database
from matrixbot.devices import DevicesPlugin
from matrixbot.dispatch import Dispatcher
from matrixbot.errors import StartupError
from matrixbot.events import RoomEvent
from matrixbot.markup import Message, h
from matrixbot.plugin import Plugin, Services
from matrixbot.registry import Registry, discover
from matrixbot.rooms import RoomDirectory
from matrixbot.scheduler import Scheduler
from matrixbot.sender import Sender
from matrixbot.session import log_in
from matrixbot.settings import SettingsStore
from matrixbot.timefmt import format_time
from matrixbot.timeparse import TimeParser

log = logging.getLogger(__name__)
T = TypeVar("T")

SYNC_FILTER: dict[str, Any] = {
    "presence": {"not_types": ["*"]},
    "account_data": {"not_types": ["*"]},
    "room": {
        "timeline": {"limit": 100},
        "state": {"lazy_load_members": False},
        "ephemeral": {"not_types": ["*"]},
        "account_data": {"not_types": ["*"]},
    },
}
GAP_PAGES = 20
SYNC_TIMEOUT_MS = 30_000


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
        self.times = TimeParser(self.clock, config.languages)
        self._token: str | None = None
        self._stopping = asyncio.Event()
        self._sync_task: asyncio.Task[None] | None = None
        self._warm_task: asyncio.Future[None] | None = None
        self.fatal: StartupError | None = None
        self.decryptor: crypto.Decryptor | None = None
        self.synced = asyncio.Event()
        """Set after each completed sync round (tests and the demo wait on it)."""

    # -- start and stop ---------------------------------------------------------------------

    async def start(self) -> None:
        config = self.config
        self.db = await Database.open(config.data_dir / "matrixbot.sqlite3")
        await self.db.migrate("matrixbot", CORE_MIGRATIONS)
        nonce = await self._nonce()
        self.client = nio.AsyncClient(
            config.homeserver,
            config.user_id,
            config=nio.AsyncClientConfig(
                max_timeouts=0,
                request_timeout=60,
                store_sync_tokens=False,
                encryption_enabled=config.e2ee.enabled,
                pickle_key=crypto.pickle_key(config) if config.e2ee.enabled else "",
            ),
        )
        session = await self._retrying("log in", lambda: log_in(self.client, config))
        self.client.user_id, self.client.device_id = session.user_id, session.device_id
        self.client.access_token = session.access_token
        if config.e2ee.enabled:
            await self._open_crypto_store(session.device_id)
        rooms = RoomDirectory(
            self.client, config.user_id, owners=config.owners, ignore_users=config.ignore_users
        )
        sender = Sender(self.client, rooms, self.db, nonce, trust=config.e2ee.trust)
        self.scheduler = Scheduler(self.db, self.clock, sender, late_grace=config.late_grace)
        settings = SettingsStore(
            self.db,
            default_zone=config.timezone,
            default_language=config.language,
            languages=config.languages,
            default_plugins=config.default_plugins,
        )
        plugin_classes = [
            CorePlugin,
            DevicesPlugin,
            *(self._plugin_classes if self._plugin_classes is not None else discover()),
        ]
        plugins = []
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
        self.registry = Registry(plugins)
        core = plugins[0]
        assert isinstance(core, CorePlugin)
        core.registry = self.registry
        for name in config.default_plugins:
            if name not in self.registry.plugins:
                raise StartupError(
                    f"default_plugins: there is no plugin '{name}' "
                    f"(installed: {', '.join(self.registry.optional) or 'none'})"
                )
        for plugin in plugins:
            await self.db.migrate(plugin.name, plugin.migrations)
            for setting in plugin.room_settings:
                settings.declare(setting)
            for name, handler in plugin.job_handlers().items():
                self.scheduler.register(plugin.name, name, handler)
        for plugin in plugins:
            await plugin.setup()
        self.dispatcher = Dispatcher(config, self.registry, self.db, sender, on_handled=self._handled)
        self._warm_task = asyncio.get_running_loop().run_in_executor(None, self.times.warm)
        self._token = await self.db.fetch_value("SELECT value FROM meta WHERE key = 'sync_token'")
        await self._redispatch_pending()
        await self._retrying("sync", lambda: self._sync_once(full_state=True))
        await self.scheduler.start()
        self._sync_task = asyncio.get_running_loop().create_task(self._sync_forever())
        log.info(
            "matrixbot started as %s with plugins: %s", config.user_id, ", ".join(self.registry.optional)
        )

    async def _open_crypto_store(self, device_id: str) -> None:
        """Open (or create) this device's crypto store; a lost or damaged one stops the start."""
        assert self.client is not None and self.db is not None
        known = await self.db.fetch_value("SELECT value FROM meta WHERE key = 'crypto_device'")
        crypto.check_store(self.config, device_id, known)
        self.client.store_path = str(crypto.crypto_dir(self.config))
        crypto.load_store(self.client, self.config)
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
        if self._sync_task is not None:
            self._sync_task.cancel()
            await asyncio.gather(self._sync_task, return_exceptions=True)
        if self.dispatcher is not None:
            await self.dispatcher.drain(timeout)
        if self.scheduler is not None:
            self.scheduler._sender.stopping.set()
            await self.scheduler.stop(timeout)
        if self.registry is not None:
            for plugin in self.registry.plugins.values():
                try:
                    await plugin.stop()
                except Exception:
                    log.exception("plugin %s failed to stop", plugin.name)
        if self._warm_task is not None:
            await asyncio.gather(self._warm_task, return_exceptions=True)
        if self.client is not None:
            await self.client.close()
        if self.db is not None:
            await self.db.close()
        log.info("matrixbot stopped")

    async def run_until_stopped(self) -> None:
        await self._stopping.wait()

    def request_stop(self) -> None:
        self._stopping.set()

    async def _nonce(self) -> str:
        """A random tag of this database, in every transaction id, so ids never collide with another install."""
        assert self.db is not None
        async with self.db.transaction() as tx:
            nonce = await tx.fetch_value("SELECT value FROM meta WHERE key = 'txn_nonce'")
            if nonce is None:
                nonce = secrets.token_hex(6)
                await tx.execute("INSERT INTO meta (key, value) VALUES ('txn_nonce', ?)", (nonce,))
        return nonce

    # -- syncing ----------------------------------------------------------------------------

    async def _sync_forever(self) -> None:
        try:
            while not self._stopping.is_set():
                await self._retrying("sync", self._sync_once)
        except StartupError as exc:
            log.error("cannot go on: %s", exc)
            self.fatal = exc
            self._stopping.set()

    async def _retrying(self, what: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """Retry a passing failure (network, 5xx) with capped exponential backoff, until stopped."""
        backoff = 1.0
        while True:
            try:
                return await attempt()
            except (aiohttp.ClientError, OSError, TimeoutError, SyncFailed) as exc:
                if self._stopping.is_set():
                    raise StartupError(f"stopped while trying to {what}") from exc
                log.warning("%s failed (%s); retrying in %.0fs", what, _describe(exc), backoff)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), backoff)
                backoff = min(backoff * 2, 60.0)

    async def _sync_once(self, *, full_state: bool = False) -> None:
        assert self.client is not None
        response = await self.client.sync(
            timeout=0 if full_state else SYNC_TIMEOUT_MS,
            sync_filter=SYNC_FILTER,
            since=self._token,
            full_state=full_state or None,
        )
        if not isinstance(response, nio.SyncResponse):
            if response.status_code == "M_UNKNOWN_TOKEN":
                raise StartupError("the homeserver no longer accepts the bot's access token; log in again")
            raise SyncFailed(f"{response.status_code} {response.message}")
        await self._process(response)
        self.synced.set()
        self.synced = asyncio.Event()

    async def _process(self, response: nio.SyncResponse) -> None:
        assert self.db is not None and self.dispatcher is not None
        first_start = self._token is None
        await self._handle_invites(response)
        batch: list[RoomEvent] = []
        rooms = self.dispatcher._sender.rooms
        for room_id, info in response.rooms.join.items():
            for event in info.state:
                rooms.observe_state(room_id, event.source)
            for event in info.timeline.events:
                if "state_key" in event.source:
                    rooms.observe_state(room_id, event.source)
            if first_start:
                continue
            events = [_normalise(e, room_id) for e in info.timeline.events]
            if info.timeline.limited and info.timeline.prev_batch and self._token:
                events = await self._fill_gap(room_id, info.timeline.prev_batch, self._token) + events
            batch.extend(_after_own_join(events, self.config.user_id))
        for room_id in response.rooms.leave:
            rooms.forget(room_id)
        new = await self._store(batch, response.next_batch)
        self._token = response.next_batch
        for event in new:
            if event.type == "m.room.encrypted":
                if self.decryptor is not None and event.sender != self.config.user_id:
                    await self.decryptor.hold(event.source(), event.room_id, time.time())
            else:
                await self.dispatcher.submit(event)
        if self.decryptor is not None:
            await crypto.upkeep(self.client)
            await self._retry_unreadable()

    async def _retry_unreadable(self) -> None:
        """Hand over events whose keys have arrived; tell rooms about ones still unreadable."""
        assert self.decryptor is not None and self.db is not None and self.dispatcher is not None
        for event_id, room_id, source in self.decryptor.retry():
            event = RoomEvent.from_source(source, room_id, encrypted=True)
            await self.db.execute(
                "UPDATE inbox SET event = ?, state = 'pending' WHERE event_id = ?",
                (event.to_json(), event_id),
            )
            await self.dispatcher.submit(event)
        for item in self.decryptor.overdue(time.time()):
            await self._tell_unreadable(item)

    async def _tell_unreadable(self, item: crypto.Unreadable) -> None:
        assert self.registry is not None and self.client is not None
        core = self.registry.plugins["core"]
        zone = await core.settings.zone(item.room_id)
        sent = format_time(datetime.fromtimestamp(item.event.server_timestamp / 1000, UTC), zone)
        who = core.rooms.display_name(item.room_id, item.event.sender)
        html = (
            f"I could not read a message {h(who)} sent ({h(sent)}): it is encrypted with a key my session "
            "did not receive. Please send it again. If this keeps happening, your app may share keys only "
            f"with verified sessions: verify my session (device <code>{h(self.client.device_id or '')}</code>, "
            f"key <code>{h(crypto.fingerprint(self.client))}</code>) or allow unverified sessions."
        )
        outbox = core.sender.outbox(f"unreadable:{item.event.event_id}")
        await outbox.message(item.room_id, Message.from_html(html))

    async def _store(self, events: list[RoomEvent], token: str) -> list[RoomEvent]:
        """Write the events and the new token in one transaction; return the events not seen before."""
        assert self.db is not None
        new = []
        now = time.time()
        async with self.db.transaction() as tx:
            for event in events:
                if not event.event_id:
                    continue
                state = "undecrypted" if event.type == "m.room.encrypted" else "pending"
                inserted = await tx.execute(
                    "INSERT INTO inbox (event_id, room_id, event, state, received_at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (event_id) DO NOTHING",
                    (event.event_id, event.room_id, event.to_json(), state, now),
                )
                if inserted:
                    new.append(event)
            await tx.execute(
                "INSERT INTO meta (key, value) VALUES ('sync_token', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (token,),
            )
        return new

    async def _handled(self, event: RoomEvent) -> None:
        assert self.db is not None
        await self.db.execute(
            "UPDATE inbox SET state = 'done', event = NULL WHERE event_id = ?", (event.event_id,)
        )

    async def _redispatch_pending(self) -> None:
        """Events stored before a crash or stop but not handled yet are handled now, once."""
        assert self.db is not None and self.dispatcher is not None
        await self.db.execute(
            "DELETE FROM inbox WHERE state = 'done' AND received_at < ?", (time.time() - 7 * 86400,)
        )
        rows = await self.db.fetch_all(
            "SELECT event FROM inbox WHERE state = 'pending' ORDER BY received_at, rowid"
        )
        for row in rows:
            await self.dispatcher.submit(RoomEvent.from_json(row["event"]))

    async def _fill_gap(self, room_id: str, prev_batch: str, since: str) -> list[RoomEvent]:
        """Fetch the events a limited sync left out, from `prev_batch` back to the last token."""
        assert self.client is not None
        found: list[RoomEvent] = []
        start = prev_batch
        for _ in range(GAP_PAGES):
            response = await self.client.room_messages(
                room_id, start=start, end=since, direction=nio.MessageDirection.back, limit=100
            )
            if not isinstance(response, nio.RoomMessagesResponse):
                log.warning("could not fetch missed events of %s: %s", room_id, response)
                break
            found.extend(_normalise(e, room_id) for e in response.chunk)
            if not response.chunk or not response.end or response.end == start:
                break
            start = response.end
        log.info("filled a gap of %d event(s) in %s", len(found), room_id)
        return list(reversed(found))

    async def _handle_invites(self, response: nio.SyncResponse) -> None:
        assert self.client is not None
        for room_id, info in response.rooms.invite.items():
            inviter = next(
                (
                    e.sender
                    for e in info.invite_state
                    if isinstance(e, nio.InviteMemberEvent)
                    and e.state_key == self.config.user_id
                    and e.membership == "invite"
                ),
                None,
            )
            if inviter and self.config.may_invite(inviter):
                result = await self.client.join(room_id)
                if isinstance(result, nio.JoinResponse):
                    log.info("joined %s on invite from %s", room_id, inviter)
                else:
                    log.warning("could not join %s: %s", room_id, result)
            else:
                log.warning("refused invite to %s from %s (not in allowed_inviters)", room_id, inviter)
                await self.client.room_leave(room_id)


class SyncFailed(Exception):
    pass


def _normalise(event: Any, room_id: str) -> RoomEvent:
    source = getattr(event, "source", None) or {}
    return RoomEvent.from_source(source, room_id, encrypted=bool(getattr(event, "decrypted", False)))


def _after_own_join(events: list[RoomEvent], bot_user_id: str) -> list[RoomEvent]:
    """In a room the bot just joined, only what came after its join is for it."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if (
            event.type == "m.room.member"
            and event.state_key == bot_user_id
            and event.content.get("membership") == "join"
            and (event.unsigned.get("prev_content") or {}).get("membership") != "join"
        ):
            return events[index + 1 :]
    return events


def _describe(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientError | OSError | TimeoutError):
        return f"homeserver unreachable: {type(exc).__name__}"
    return f"{type(exc).__name__}: {exc}"
