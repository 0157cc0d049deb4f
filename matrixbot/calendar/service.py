"""The room calendars: the addresses `!calendar` hands out, and each room's calendar as it is now.

A room's calendar is gathered on each fetch: every plugin on in the room is asked for its items
(`Plugin.calendar_items`) in a window from `PAST` ago to `AHEAD`, and what it offers is reconciled
with what was served before (ledger.py), so versions and cancellations are right however seldom a
calendar app comes. The feed is named by a hash of its entries (its ETag) before it is written, so
an app that has it already gets a 304 and nothing is written; a feed that changed is written off
the event loop, and kept (per room, by ETag) for the next app that asks.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from matrixbot.api.calendar import CalendarItem, FeedAddress
from matrixbot.api.catalog import Catalog
from matrixbot.api.settings import SettingsStore
from matrixbot.calendar.addresses import AddressStore, Holder
from matrixbot.calendar.ics import render_ics
from matrixbot.calendar.ledger import Entry, LedgerStore, Offer, Plan, reconcile
from matrixbot.calendar.page import render_page
from matrixbot.db import Database
from matrixbot.i18n import _, speaking
from matrixbot.matrix.rooms import RoomDirectory
from matrixbot.time import Clock

log = logging.getLogger(__name__)

PAST = timedelta(days=90)
"""How far back the feed goes (calendar apps show what happened too)."""
AHEAD = timedelta(days=2 * 366)
"""How far ahead one-off items are looked for (repeats run on as their rule says)."""
ZONE_YEARS = 10
"""The VTIMEZONEs cover this many years past the current one."""
PLUGIN_TIMEOUT = 5.0
"""Seconds a plugin has to say what it puts on a calendar; one that takes longer is served as before."""
MAX_ITEMS = 5000
"""Items taken from one plugin for one room, at most."""
CACHED_FEEDS = 64
"""Rooms whose last feed is kept written."""
FORMAT = "1"
"""Part of every ETag: a change to how feeds are written changes every ETag."""


@dataclass(frozen=True)
class RoomCalendar:
    """A room's calendar at one fetch."""

    room_id: str
    name: str
    zone: str
    entries: list[Entry]
    last_year: int
    etag: str


class CalendarService:
    """The `CalendarFeeds` of `!calendar`, and each room's calendar for the listener."""

    def __init__(
        self,
        db: Database,
        catalog: Catalog,
        settings: SettingsStore,
        rooms: RoomDirectory,
        clock: Clock,
        *,
        public_url: str | None,
        listening: bool,
    ) -> None:
        self._addresses = AddressStore(db)
        self._ledger = LedgerStore(db)
        self._catalog = catalog
        self._settings = settings
        self._rooms = rooms
        self._clock = clock
        self._public_url = public_url
        self._listening = listening
        local, _sep, server = rooms.bot_user_id.removeprefix("@").partition(":")
        self._uid_tail = f"{local}@{server or 'matrixbot'}"
        self._locks: dict[str, asyncio.Lock] = {}
        self._written: OrderedDict[str, tuple[str, bytes]] = OrderedDict()

    # -- what `!calendar` uses (the CalendarFeeds protocol) -------------------------------------

    @property
    def unavailable(self) -> str | None:
        if not self._listening:
            return _(
                "Room calendars are not set up on this bot: its operator sets http.listen and "
                "http.public_url in its config (README: The room's calendar)."
            )
        if not self._public_url:
            return _(
                "Room calendars are not set up on this bot: its operator sets http.public_url, the "
                "address calendar apps reach it at, in its config (README: The room's calendar)."
            )
        return None

    async def is_off(self, room_id: str) -> bool:
        return await self._addresses.is_off(room_id)

    async def issue(self, room_id: str, user_id: str) -> tuple[FeedAddress, bool]:
        token, ended = await self._addresses.issue(room_id, user_id, self._clock.now())
        return self.address(token), ended > 0

    async def reset(self, room_id: str, user_id: str) -> tuple[FeedAddress, int]:
        token, ended = await self._addresses.issue(room_id, user_id, self._clock.now(), reset=True)
        return self.address(token), ended

    async def turn_off(self, room_id: str) -> int:
        self._written.pop(room_id, None)
        return await self._addresses.turn_off(room_id, self._clock.now())

    async def turn_on(self, room_id: str) -> bool:
        return await self._addresses.turn_on(room_id)

    def address(self, token: str) -> FeedAddress:
        base = f"{self._public_url or ''}/calendar/{token}"
        return FeedAddress(
            webcal="webcal://" + base.split("://", 1)[-1] + ".ics", https=base + ".ics", page=base
        )

    # -- what the listener uses -----------------------------------------------------------------

    async def holder(self, token: str) -> Holder | None:
        """Whose address `token` is, while it works: issued, not ended, its holder still in the room
        (and the bot too); else None."""
        holder = await self._addresses.holder(token)
        if holder is None or holder.user_id not in self._rooms.members(holder.room_id):
            return None
        return holder

    async def calendar(self, room_id: str) -> RoomCalendar:
        """The room's calendar now, reconciled with what it served before (one fetch at a time per room)."""
        lock = self._locks.setdefault(room_id, asyncio.Lock())
        async with lock:
            now = self._clock.now()
            since = now - PAST
            offers, failed = await self._offers(room_id, since, now + AHEAD)
            tracked = await self._ledger.tracked(room_id)
            plan: Plan = await asyncio.to_thread(reconcile, offers, tracked, failed, now, since)
            await self._ledger.apply(room_id, plan)
        name, zone = self._rooms.name(room_id), await self._settings.zone(room_id)
        last_year = now.year + ZONE_YEARS
        return RoomCalendar(
            room_id, name, zone, plan.entries, last_year, _etag(name, zone, plan.entries, last_year)
        )

    async def feed(self, calendar: RoomCalendar) -> bytes:
        """The calendar as iCalendar: written off the event loop, or as written last for its ETag."""
        kept = self._written.get(calendar.room_id)
        if kept is not None and kept[0] == calendar.etag:
            self._written.move_to_end(calendar.room_id)
            return kept[1]
        body = await asyncio.to_thread(
            render_ics, calendar.name, calendar.zone, calendar.entries, calendar.last_year
        )
        self._written[calendar.room_id] = (calendar.etag, body)
        self._written.move_to_end(calendar.room_id)
        while len(self._written) > CACHED_FEEDS:
            self._written.popitem(last=False)
        return body

    async def page(self, calendar: RoomCalendar, token: str, holder: Holder) -> bytes:
        """The agenda page (coming occurrences depend on the time, so it is written each time), in
        the language of the address's holder: theirs, else the room's."""
        language = await self._settings.language(calendar.room_id, holder.user_id)
        with speaking(language):  # the worker thread writes in it too (it copies the context)
            html = await asyncio.to_thread(
                render_page,
                calendar.name,
                calendar.zone,
                calendar.entries,
                self.address(token),
                self._clock.now(),
            )
        return html.encode()

    async def _offers(self, room_id: str, start: datetime, end: datetime) -> tuple[list[Offer], set[str]]:
        """What each plugin on in the room offers, and the plugins that failed to say."""
        enabled = await self._catalog.enabled(room_id)
        room = hashlib.sha256(room_id.encode()).hexdigest()[:10]  # a key need be unique in its room only
        offers: list[Offer] = []
        failed: set[str] = set()
        language = await self._settings.language(room_id)  # the items' words: the room's
        for name, plugin in sorted(self._catalog.plugins.items()):
            if name not in enabled:
                continue
            try:
                with speaking(language, plugin.translations):
                    items = await asyncio.wait_for(plugin.calendar_items(room_id, start, end), PLUGIN_TIMEOUT)
                if not all(isinstance(item, CalendarItem) for item in items):
                    raise TypeError("calendar_items must return CalendarItem objects")
            except Exception:
                log.exception("plugin %s could not say what is on a room's calendar", name)
                failed.add(name)
                continue
            offers.extend(
                Offer(f"{item.key}.{name}.{room}.{self._uid_tail}", name, item) for item in items[:MAX_ITEMS]
            )
        return offers, failed


def _etag(name: str, zone: str, entries: list[Entry], last_year: int) -> str:
    digest = hashlib.sha256(f"{FORMAT}\n{name}\n{zone}\n{last_year}\n".encode())
    for e in entries:
        digest.update(
            f"{e.uid} {e.fingerprint} {e.sequence} {e.cancelled:d} {e.changed_at.timestamp()}\n".encode()
        )
    return f'"{digest.hexdigest()[:32]}"'
