"""The started bot, assembled once: every part built, in order, into one immutable object.

`assemble` takes what a start has opened (the database, a connected transport) and builds the rest
on it: the rooms, the sender, the rooms' lanes, the scheduler, the settings, the plugins (each on
its own services) with their catalog, the room calendars, the inbox, the room moves, the
dispatcher and the sync loop's `Syncer`; it runs each plugin's migrations and set-up. The result,
`Started`, has every part present and typed, none optional: the bot holds it, or nothing.

Adding a part to the engine is one field here and one line in `assemble` (and its teardown in
`Bot.stop`, if it holds anything).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from matrixbot.api.catalog import ALWAYS_ON
from matrixbot.api.plugin import Plugin, Services
from matrixbot.api.settings import SettingsStore
from matrixbot.calendar.service import CalendarService
from matrixbot.config import Config
from matrixbot.db import Database
from matrixbot.engine.dispatch import Dispatcher
from matrixbot.engine.gaps import GapFiller
from matrixbot.engine.inbox import Inbox
from matrixbot.engine.lanes import Lanes
from matrixbot.engine.moves import RoomMoves
from matrixbot.engine.registry import BUILTIN_PLUGINS, Registry, discover
from matrixbot.engine.scheduler import Scheduler
from matrixbot.engine.sync import Syncer
from matrixbot.engine.unreadable import UnreadableNotices
from matrixbot.errors import StartupError
from matrixbot.lifecycle import Lifecycle
from matrixbot.matrix.outages import TroubleLog
from matrixbot.matrix.rooms import RoomDirectory
from matrixbot.matrix.sender import Sender
from matrixbot.matrix.transport import Transport
from matrixbot.time import Clock, TimeService

P = TypeVar("P", bound=Plugin)


@dataclass(frozen=True)
class Started:
    """A started bot's parts, all present."""

    config: Config
    clock: Clock
    lifecycle: Lifecycle
    troubles: TroubleLog
    times: TimeService
    db: Database
    transport: Transport
    rooms: RoomDirectory
    sender: Sender
    lanes: Lanes
    scheduler: Scheduler
    settings: SettingsStore
    registry: Registry
    calendars: CalendarService
    inbox: Inbox
    moves: RoomMoves
    dispatcher: Dispatcher
    syncer: Syncer

    def plugin(self, cls: type[P]) -> P:
        """The loaded instance of plugin class `cls` (so a test calls its own methods, typed)."""
        loaded = self.registry.plugins.get(cls.name)
        if not isinstance(loaded, cls):
            names = ", ".join(sorted(self.registry.plugins))
            raise LookupError(f"plugin {cls.__name__} ('{cls.name}') is not loaded; loaded: {names}")
        return loaded


def plugin_classes(chosen: Sequence[type[Plugin]] | None) -> list[type[Plugin]]:
    """The plugins to load: every installed one (None), or the core's own and those `chosen`."""
    found = discover()
    if chosen is None:
        return found
    return [c for c in found if c.name in ALWAYS_ON] + [c for c in chosen if c.name not in ALWAYS_ON]


async def assemble(
    config: Config,
    *,
    clock: Clock,
    lifecycle: Lifecycle,
    troubles: TroubleLog,
    times: TimeService,
    db: Database,
    transport: Transport,
    plugins: Sequence[type[Plugin]],
) -> Started:
    """Build every part on the open database and the connected transport; load the plugins."""
    rooms = RoomDirectory(transport, config.user_id, owners=config.owners, ignore_users=config.ignore_users)
    sender = Sender(transport, rooms, db, await _nonce(db), lifecycle, troubles=troubles)
    lanes = Lanes()
    scheduler = Scheduler(db, clock, sender, lanes, late_grace=config.late_grace, troubles=troubles)
    settings = SettingsStore(
        db,
        default_zone=config.timezone,
        default_plugins=BUILTIN_PLUGINS if config.default_plugins is None else config.default_plugins,
    )
    registry = Registry(settings)
    calendars = CalendarService(
        db,
        registry,
        settings,
        rooms,
        clock,
        public_url=config.http_public_url,
        listening=config.http_listen is not None,
    )
    for cls in plugins:
        services = Services(
            db=db,
            jobs=scheduler.for_plugin(cls.name),
            sender=sender,
            settings=settings,
            rooms=rooms,
            clock=clock,
            times=times,
            config=config.plugin_config(cls.name),
            prefix=config.prefix,
            late_grace=config.late_grace,
            log=logging.getLogger(f"matrixbot.plugins.{cls.name}"),
            devices=transport.devices,
            catalog=registry,
            calendars=calendars,
        )
        registry.add(cls(services))
    for name in config.default_plugins or ():
        if name not in registry.plugins:
            raise StartupError(
                f"default_plugins: there is no plugin '{name}' "
                f"(installed: {', '.join(registry.optional) or 'none'})"
            )
    for plugin in registry.plugins.values():
        await db.migrate(plugin.name, plugin.migrations)
        for setting in plugin.room_settings:
            settings.declare(setting)
        nudges = plugin.nudge_jobs()
        for name, handler in plugin.job_handlers().items():
            scheduler.register(plugin.name, name, handler, nudge=name in nudges)
    for plugin in registry.plugins.values():
        await plugin.setup()
    inbox = Inbox(db)
    moves = RoomMoves(db, rooms, sender, settings, lanes)
    dispatcher = Dispatcher(config, registry, db, sender, lanes, moves, lifecycle, on_handled=inbox.mark_done)
    unreadable = (
        None if transport.encryption is None else UnreadableNotices(transport, settings, rooms, sender, lanes)
    )
    syncer = Syncer(
        transport,
        config,
        clock,
        inbox,
        dispatcher,
        GapFiller(transport, lanes, sender, settings),
        moves,
        rooms,
        lifecycle,
        unreadable,
        settings,
    )
    return Started(
        config=config,
        clock=clock,
        lifecycle=lifecycle,
        troubles=troubles,
        times=times,
        db=db,
        transport=transport,
        rooms=rooms,
        sender=sender,
        lanes=lanes,
        scheduler=scheduler,
        settings=settings,
        registry=registry,
        calendars=calendars,
        inbox=inbox,
        moves=moves,
        dispatcher=dispatcher,
        syncer=syncer,
    )


async def _nonce(db: Database) -> str:
    """A random tag of this database, in every transaction id, so ids never collide with another install."""
    async with db.transaction() as tx:
        nonce = await tx.fetch_value("SELECT value FROM meta WHERE key = 'txn_nonce'")
        if nonce is None:
            nonce = secrets.token_hex(6)
            await tx.execute("INSERT INTO meta (key, value) VALUES ('txn_nonce', ?)", (nonce,))
    return str(nonce)
