"""Files the bot uploads: CSV that is safe to open in a spreadsheet, and iCalendar events.

Calendar events carry local times with their zone (TZID plus a VTIMEZONE), so calendar apps show
the right wall-clock time across daylight-saving changes; all-day events are plain dates.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from icalendar import Event

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """A cell a spreadsheet shows as text: one that starts like a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_file(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 CSV (RFC 4180 line ends), every cell made spreadsheet-safe, the header's too (its words
    come from a translation anyone may edit)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(column) for column in header])
    writer.writerows([spreadsheet_safe(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8")


def calendar_event(
    uid: str,
    summary: str,
    start: datetime,
    end: datetime,
    zone: str,
    *,
    all_day: bool,
    now: datetime,
    rrule: dict[str, Any] | None = None,
) -> Event:
    """A VEVENT from start to end (exclusive) in `zone`; all-day events as dates; `rrule` repeats it."""
    from icalendar import Event, vRecur  # imported on first use: starting the bot needs no calendar

    tz = ZoneInfo(zone)
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now)
    event.add("summary", summary)
    if all_day:
        event.add("dtstart", start.astimezone(tz).date())
        event.add("dtend", end.astimezone(tz).date())
    else:
        event.add("dtstart", start.astimezone(tz))
        event.add("dtend", end.astimezone(tz))
    if rrule:
        event.add("rrule", vRecur(rrule))
    return event


def calendar_file(event: Event, product: str) -> bytes:
    """A VCALENDAR holding `event`, with the VTIMEZONE its times need."""
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", f"-//matrixbot//{product}//EN")
    calendar.add("version", "2.0")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    ical: bytes = calendar.to_ical()  # icalendar leaves to_ical's return type out
    return ical
