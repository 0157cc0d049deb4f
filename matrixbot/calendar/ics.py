"""A room's calendar as an iCalendar feed (RFC 5545), written line by line.

icalendar's objects took 165 ms to write 1,000 events; a feed must be written in a few (`make
bench` measures it). So the events are written here, with the format's rules: text escaped
(backslash, semicolon, comma, newline), control characters dropped, lines folded at 75 octets
without splitting a character, CRLF. Only the VTIMEZONEs come from icalendar, once per zone and
span of years (cached). Times are written in their item's zone (TZID), so a repeat keeps its
wall-clock time across daylight-saving changes; UTC items as UTC; all-day items as dates.

The output depends only on its arguments (no clock), so equal entries give equal bytes: the
service names a feed by a hash of its entries (the ETag) before writing it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from matrixbot.api.calendar import WEB_URL, CalendarItem
from matrixbot.calendar.ledger import Entry
from matrixbot.matrix.markup import clean

PRODID = "-//matrixbot//room calendar//EN"
REFRESH = "PT1H"
"""How often calendar apps are asked to fetch the feed again."""
UTC_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/Zulu", "Zulu", "Universal", "Etc/Universal"})


def render_ics(name: str, zone: str, entries: Sequence[Entry], last_year: int) -> bytes:
    """The feed of a room named `name` whose zone is `zone`; VTIMEZONEs cover each zone from its
    earliest item to the end of `last_year`."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{text(name)}",
        f"X-WR-CALNAME:{text(name)}",
        f"X-WR-TIMEZONE:{text(zone)}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}",
        f"X-PUBLISHED-TTL:{REFRESH}",
    ]
    out = [fold(line) for line in lines]
    out.extend(vtimezone(z, first, last_year) for z, first in sorted(_zones(entries).items()))
    for entry in entries:
        out.extend(map(fold, event_lines(entry)))
    out.append("END:VCALENDAR\r\n")
    return "\r\n".join(out).encode()


def event_lines(entry: Entry) -> list[str]:
    item = entry.item
    stamp = utc_stamp(entry.changed_at)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{text(entry.uid)}",
        f"DTSTAMP:{stamp}",
        f"LAST-MODIFIED:{stamp}",
        f"SEQUENCE:{entry.sequence}",
        f"STATUS:{'CANCELLED' if entry.cancelled else 'CONFIRMED'}",
        f"SUMMARY:{text(item.title)}",
        f"DTSTART{moment(item, item.start)}",
        f"DTEND{moment(item, item.end)}",
    ]
    if item.repeat is not None:
        first = item.start.astimezone(ZoneInfo(item.zone))
        lines.append(f"RRULE:{rrule_text(item.repeat.to_rrule(first))}")
        if item.skipped:
            lines.append(f"EXDATE{moments(item, sorted(item.skipped))}")
    if item.place:
        lines.append(f"LOCATION:{text(item.place)}")
    link = item.url if item.url and WEB_URL.fullmatch(item.url) else None
    if link:
        lines.append(f"URL:{link}")
    description = "\n".join(part for part in (item.details, link) if part)  # many apps show no URL
    if description:
        lines.append(f"DESCRIPTION:{text(description)}")
    lines += [
        f"CATEGORIES:{text(item.kind)}",
        f"TRANSP:{'OPAQUE' if item.busy else 'TRANSPARENT'}",
        "END:VEVENT",
    ]
    return lines


def text(value: str) -> str:
    """A TEXT value: escaped, without control characters (a line break becomes `\\n`)."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = clean(value)  # str.replace is several times faster than str.translate here
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """One content line, folded at 75 octets (never inside a UTF-8 sequence)."""
    if len(line) <= 75 and line.isascii():  # most lines: nothing to do
        return line
    raw = line.encode()
    if len(raw) <= 75:
        return line
    parts = []
    start, width = 0, 75
    while start < len(raw):
        end = min(start + width, len(raw))
        while end < len(raw) and raw[end] & 0xC0 == 0x80:  # a continuation byte: cut before its character
            end -= 1
        parts.append(raw[start:end].decode())
        start, width = end, 74  # continuation lines start with a space
    return "\r\n ".join(parts)


def moment(item: CalendarItem, when: datetime) -> str:
    """`;TZID=Europe/London:20240305T150000`, `:20240305T150000Z` or `;VALUE=DATE:20240305`."""
    return moments(item, [when])


def moments(item: CalendarItem, times: Iterable[datetime]) -> str:
    """The parameters and value of a date-time property with one or more times (EXDATE)."""
    if item.all_day:
        tz = ZoneInfo(item.zone)
        return ";VALUE=DATE:" + ",".join(_date(t.astimezone(tz).date()) for t in times)
    if item.zone in UTC_ZONES:
        return ":" + ",".join(utc_stamp(t) for t in times)
    tz = ZoneInfo(item.zone)
    return f";TZID={item.zone}:" + ",".join(_local(t.astimezone(tz)) for t in times)


def utc_stamp(moment: datetime) -> str:
    return _local(moment.astimezone(UTC)) + "Z"


def _local(t: datetime) -> str:
    iso = t.isoformat()  # 2024-03-05T15:00:00…: C-fast, and the digits stand where they always do
    return f"{iso[:4]}{iso[5:7]}{iso[8:10]}T{iso[11:13]}{iso[14:16]}{iso[17:19]}"


def _date(d: date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def rrule_text(rule: dict[str, str | int | list[int]]) -> str:
    """A `Recurrence.to_rrule()` dict as the RRULE value: FREQ first, lists joined by commas."""
    parts = []
    for key in ("FREQ", "INTERVAL", "BYMONTH", "BYMONTHDAY", "BYDAY", "BYSETPOS"):
        value = rule.get(key)
        if value is not None:
            shown = ",".join(map(str, value)) if isinstance(value, list) else str(value)
            parts.append(f"{key}={shown}")
    return ";".join(parts)


def _zones(entries: Sequence[Entry]) -> dict[str, int]:
    """The zones the timed items are written in (UTC needs none), each with its earliest year."""
    first: dict[str, int] = {}
    for entry in entries:
        item = entry.item
        if item.all_day or item.zone in UTC_ZONES:
            continue
        year = item.start.astimezone(ZoneInfo(item.zone)).year
        first[item.zone] = min(year, first.get(item.zone, year))
    return first


@functools.lru_cache(maxsize=128)
def vtimezone(zone: str, first_year: int, last_year: int) -> str:
    """The VTIMEZONE of `zone` (folded lines, no final CRLF), with its offsets from the start of
    `first_year` to the end of `last_year`."""
    from icalendar import Timezone  # imported on first use: starting the bot needs no calendar

    component = Timezone.from_tzinfo(
        ZoneInfo(zone),
        tzid=zone,
        first_date=date(max(1970, first_year - 1), 1, 1),
        last_date=date(max(first_year, last_year), 12, 31),
    )
    ical: bytes = component.to_ical()  # folded already
    return ical.decode().removesuffix("\r\n")
