"""The room's calendar, as plugins see it: the items a plugin contributes (`Plugin.calendar_items`
returns `CalendarItem`s), and the feed addresses the core's `!calendar` command hands out.

A plugin says what is on the room's calendar now, nothing more. The core gathers the items of every
plugin that is on in the room into one calendar: an iCalendar feed members subscribe to once, and an
agenda page. It gives each item a stable UID (key, plugin, room and bot), counts its versions (SEQUENCE,
raised when anything in it changes), and keeps an item no plugin offers any longer (cancelled,
deleted, its plugin turned off) in the feed as cancelled for a while, so calendars remove it.

A feed address is a bearer link that can be forwarded: nothing secret goes into an item (no access
code, not even after its reveal), and a plugin should think of `details` as public to whoever
holds the link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from matrixbot.time import Recurrence, valid_zone

KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""An item's key: what the plugin calls it (`M3`, `S12`), unique among the plugin's items in the room
and never reused for another thing."""
WEB_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f\"<>\\^`{|}]+", re.I)
"""A link an item may carry (a call link): http or https, nothing a calendar or a page would misread."""


@dataclass(frozen=True)
class CalendarItem:
    """One thing on a room's calendar: a meeting (maybe repeating), a gathering, a deadline.

    Times are aware; `zone` is the IANA zone they are meant in (the feed writes them with its
    TZID and VTIMEZONE, so 15:00 stays 15:00 across daylight-saving changes). A repeating item's
    `start` and `end` are those of its first occurrence; `skipped` lists occurrences left out.
    `end` may equal `start` (a moment: a poll closing). All-day items run from `start`'s date to
    `end`'s date (exclusive), as `When` does.
    """

    key: str
    title: str
    start: datetime
    end: datetime
    zone: str
    kind: str = "event"
    """A word or two a person reads beside the title on the agenda page: "meeting", "deadline"."""
    all_day: bool = False
    repeat: Recurrence | None = None
    skipped: tuple[datetime, ...] = ()
    """Occurrences of the repeat that do not take place (the feed's EXDATE)."""
    place: str | None = None
    url: str | None = None
    """A web link (a video call); http(s) only. The feed gives it as URL and at the end of the
    description (many calendar apps show no URL); the agenda page as a link."""
    details: str = ""
    """Plain text for the event's description: never a secret."""
    busy: bool = True
    """Whether it takes people's time; a deadline does not (shown as free in calendars)."""

    def __post_init__(self) -> None:
        if not KEY.fullmatch(self.key):
            raise ValueError(f"calendar item key {self.key!r}: letters, digits, '.', '_' or '-', at most 64")
        moments = (self.start, self.end, *self.skipped)
        if any(m.tzinfo is None or m.utcoffset() is None for m in moments):
            raise ValueError(f"calendar item {self.key}: times must be timezone-aware")
        if self.end < self.start:
            raise ValueError(f"calendar item {self.key}: it ends before it starts")
        if not valid_zone(self.zone):
            raise ValueError(f"calendar item {self.key}: {self.zone!r} is not an IANA zone")
        if self.url is not None and not WEB_URL.fullmatch(self.url):
            raise ValueError(f"calendar item {self.key}: the url must be an http(s) link")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class FeedAddress:
    """Where a room's calendar is served, for one holder."""

    webcal: str
    """webcal://…/calendar/TOKEN.ics: opens the calendar app's subscribe dialog."""
    https: str
    """https://…/calendar/TOKEN.ics: what a calendar's "subscribe from URL" takes."""
    page: str
    """https://…/calendar/TOKEN: the agenda page, for a browser."""


class CalendarFeeds(Protocol):
    """What the core's `!calendar` command uses: the feed addresses of rooms (the bot keeps them)."""

    @property
    def unavailable(self) -> str | None:
        """What the bot's operator must configure before feeds can be served; None when they can."""
        ...

    async def is_off(self, room_id: str) -> bool:
        """Whether a room admin ended the room's feed (`!calendar off`)."""
        ...

    async def issue(self, room_id: str, user_id: str) -> tuple[FeedAddress, bool]:
        """A new address of the room's calendar for `user_id`, and whether it replaced an earlier
        one of theirs (which stops working now)."""
        ...

    async def reset(self, room_id: str, user_id: str) -> tuple[FeedAddress, int]:
        """End every address of the room's calendar and issue `user_id` a new one; how many ended."""
        ...

    async def turn_off(self, room_id: str) -> int:
        """End the room's feed: every address stops working, and none is issued until it is turned on."""
        ...

    async def turn_on(self, room_id: str) -> bool:
        """Let members get addresses again; whether the feed was off."""
        ...
