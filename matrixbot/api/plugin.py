"""The plugin contract: what a plugin declares, and the services the core hands it.

A plugin is a class with a name, a description, its migrations and declared commands, event
handlers and job handlers. It reaches the world only through `Services` (database, scheduler,
sender, settings, rooms, clock, time parser, the encryption session's devices), and sees the
other plugins one way: the `catalog`.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, ParamSpec, TypeVar

from matrixbot.api.calendar import CalendarFeeds, CalendarItem
from matrixbot.api.commands import Command
from matrixbot.api.contracts import Contract
from matrixbot.api.declared import Declared, Method
from matrixbot.api.jobs import PluginJobs
from matrixbot.api.settings import Setting, SettingsStore
from matrixbot.db import Database, Migration
from matrixbot.i18n import ENGLISH, Translations, speaking
from matrixbot.matrix.devices import Devices
from matrixbot.matrix.rooms import RoomDirectory
from matrixbot.matrix.sender import Outbox, Sender
from matrixbot.time import Clock, TimeService

if TYPE_CHECKING:
    from matrixbot.api.catalog import Catalog

T = TypeVar("T")


@dataclass(frozen=True)
class BusyTime:
    """Something that already takes a room's time (a busy date, a meeting), for clash checks."""

    title: str
    start: datetime
    end: datetime
    source: str


@dataclass(frozen=True)
class Services:
    db: Database
    jobs: PluginJobs
    sender: Sender
    settings: SettingsStore
    rooms: RoomDirectory
    clock: Clock
    times: TimeService
    config: dict[str, Any]
    prefix: str
    late_grace: timedelta
    log: logging.Logger
    devices: Devices
    """The bot's encryption session and the devices it knows (`!device`)."""
    catalog: Catalog
    """The loaded plugins, their commands, and which of them a room has on: the one way a plugin
    sees the others (filled in once all are loaded)."""
    calendars: CalendarFeeds
    """The addresses of the rooms' calendars (`!calendar`)."""

    def provider(self, contract: Contract[T]) -> T | None:
        """The first loaded plugin that offers `contract`, typed as its Protocol, or None: for
        optional cooperation (a meeting from a poll: `provider(POLL_WINNERS)`)."""
        for plugin in self.catalog.plugins.values():
            if contract.offered_by(plugin):
                return plugin
        return None

    async def busy(self, room_id: str, start: datetime, end: datetime) -> list[BusyTime]:
        """What takes the room's time between start and end, from every plugin's `busy_times`."""
        found: list[BusyTime] = []
        for plugin in self.catalog.plugins.values():
            found.extend(await plugin.busy_times(room_id, start, end))
        return sorted(found, key=lambda b: b.start)

    async def busy_changed(self, room_id: str, cause: str) -> None:
        """Tell every plugin that the room's busy times changed (`cause`: the id of the event that
        changed them, for the transaction ids of what they post about it)."""
        for plugin in self.catalog.plugins.values():
            await plugin.busy_changed(room_id, cause)


class Plugin:
    """Base class of every plugin. Subclasses set `name`, `description`, and declare handlers.

    A plugin uses its services by their attributes, one spelling each: `self.db`, `self.jobs`,
    `self.prefix`, … (`self.services` is the bundle they come from, which a Context also carries).
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    migrations: ClassVar[Sequence[Migration]] = ()
    room_settings: ClassVar[Sequence[Setting]] = ()
    removes: ClassVar[str] = ""
    """What the plugin removes from a room when the bot may (e.g. "messages that show a meeting's
    access code"): where it may not, the bot's hello says so and what power level would let it."""
    translations: ClassVar[Translations | None] = None
    """The plugin's own catalogs, `Translations(__package__)`: what its commands' help, its
    description and settings, and the texts it marks with its `_` are said with in another
    language than English (see docs/writing-plugins.md, "Languages"). None: always English."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.db = services.db
        self.jobs = services.jobs
        self.sender = services.sender
        self.settings = services.settings
        self.rooms = services.rooms
        self.clock = services.clock
        self.times = services.times
        self.config = services.config
        self.prefix = services.prefix
        self.log = services.log
        self.catalog = services.catalog
        self._declarations: _Declarations | None = None

    async def setup(self) -> None:
        """Called once at start, after migrations, before events flow."""

    async def stop(self) -> None:
        """Called once at shutdown, after handlers have finished."""

    async def busy_times(self, room_id: str, start: datetime, end: datetime) -> list[BusyTime]:
        """Override to report what this plugin has booked in the room (overlapping start–end)."""
        return []

    async def calendar_items(self, room_id: str, start: datetime, end: datetime) -> list[CalendarItem]:
        """Override to put this plugin's things on the room's calendar (the `!calendar` feed and
        its agenda page): each one-off item that overlaps start–end, and each repeating item that
        has an occurrence in it (with its repeat and skips), as it is now. Leave out what is
        cancelled: the core keeps it in the feed as cancelled for a while. Nothing secret."""
        return []

    async def busy_changed(self, room_id: str, cause: str) -> None:
        """Override to check again what this plugin holds against the room's busy times; a plugin
        whose `busy_times` change calls `self.services.busy_changed(room_id, event_id)`."""

    async def language(self, room_id: str, user_id: str | None = None) -> str:
        """The language to write to `room_id` in (its `language` setting), or to `user_id` (their
        own, else the room's): `with speaking(await self.language(room, user)): …` for a direct
        message, or a post a command makes for the whole room."""
        return await self.settings.language(room_id, user_id)

    def outbox(self, origin: str) -> Outbox:
        """An outbox with transaction ids stable for `origin`: re-running the same work posts nothing twice."""
        return self.sender.outbox(f"{self.name}:{origin}")

    def commands(self) -> list[Command[...]]:
        """The commands this plugin declares (top level; subcommands hang off them)."""
        return self._declared()[0]

    def event_handlers(self, kind: str) -> list[Callable[..., Any]]:
        return self._declared()[1].get(kind, [])

    def job_handlers(self) -> dict[str, Callable[..., Any]]:
        return self._declared()[2]

    def nudge_jobs(self) -> set[str]:
        """The names of this plugin's jobs declared `nudge=True` (see `job`)."""
        return self._declared()[3]

    def _declared(self) -> _Declarations:
        """Collect the decorated methods once per plugin (these lookups happen for every event).

        Subcommands are reached through their parent; handlers come back bound to this plugin, and
        run in their room's language (`in_room_language`).
        """
        if self._declarations is None:
            specs: list[Command[...]] = []
            handlers: dict[str, list[Callable[..., Any]]] = {}
            jobs: dict[str, Callable[..., Any]] = {}
            nudges: set[str] = set()
            for name, member in inspect.getmembers(type(self)):
                if isinstance(member, Command) and not member.parent:
                    member.plugin = self.name
                    for sub in member.subcommands.values():
                        sub.plugin = self.name
                    specs.append(member)
                elif isinstance(member, EventHandler):
                    handlers.setdefault(member.kind, []).append(in_room_language(self, getattr(self, name)))
                elif isinstance(member, JobHandler):
                    jobs[member.name] = in_room_language(self, getattr(self, name))
                    if member.nudge:
                        nudges.add(member.name)
            self._declarations = (specs, handlers, jobs, nudges)
        return self._declarations


P = ParamSpec("P")
_Declarations = tuple[
    list[Command[...]], dict[str, list[Callable[..., Any]]], dict[str, Callable[..., Any]], set[str]
]


@dataclass(eq=False)
class EventHandler(Declared[P]):
    """A method that handles one kind of event (`@on_reaction`), called for every such event."""

    kind: str


@dataclass(eq=False)
class JobHandler(Declared[P]):
    """A method that runs a named job when it is due (`@job("remind")`)."""

    name: str
    nudge: bool = False


def _on(kind: str) -> Callable[[Method[P]], EventHandler[P]]:
    def decorate(func: Method[P]) -> EventHandler[P]:
        return EventHandler(func, kind)

    return decorate


on_message = _on("message")
"""Plain messages that are not commands: `async def f(self, event: RoomEvent)` (replies, thread replies)."""
on_reaction = _on("reaction")
"""Reactions added or removed: `async def f(self, reaction: Reaction)`."""
on_poll_response = _on("poll_response")
"""Native poll votes: `async def f(self, response: PollResponse)`."""
on_member = _on("member")
"""Membership changes: `async def f(self, change: Membership)`."""


def in_room_language(
    plugin: Plugin, handler: Callable[[Any], Awaitable[None]]
) -> Callable[[Any], Awaitable[None]]:
    """`handler` (a job's, or an event handler's: its argument has a `room_id`, a job's run its
    job's) run in its room's language, with `plugin`'s catalog for what it declared."""

    @functools.wraps(handler)
    async def run(arg: Any) -> None:
        job = getattr(arg, "job", None)
        room_id = job.room_id if job is not None else getattr(arg, "room_id", None)
        language = await plugin.settings.language(room_id) if room_id else ENGLISH
        with speaking(language, plugin.translations):
            await handler(arg)

    return run


def job(name: str, *, nudge: bool = False) -> Callable[[Method[P]], JobHandler[P]]:
    """A named job handler: `@job("remind") async def remind(self, run: JobRun)`.

    A job runs in its room's lane at its due time, after what the room sent before then (so a
    deadline's job sees every vote sent before it). `nudge=True` is for a job that speaks to people
    about the present ("please vote"): run late, after a downtime, it goes after everything the room
    sent meanwhile, and its handler decides from that whether it is still needed.
    """

    def decorate(func: Method[P]) -> JobHandler[P]:
        return JobHandler(func, name, nudge)

    return decorate
