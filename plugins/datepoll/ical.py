"""The iCalendar file of a poll's winning slot."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from plugins.datepoll.model import Option


def winner_ics(title: str, option: Option, uid: str, now: datetime) -> bytes:
    """One VEVENT: all-day dates as DATE values, times in UTC (a bare time lasts an hour)."""
    calendar = Calendar()
    calendar.add("prodid", "-//matrixbot//datepoll//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", uid)
    event.add("summary", title)
    event.add("dtstamp", now)
    when = option.when
    if when.all_day:
        zone = ZoneInfo(when.zone)
        end = when.end or when.start + timedelta(days=1)
        event.add("dtstart", when.start.astimezone(zone).date())
        event.add("dtend", end.astimezone(zone).date())
    else:
        event.add("dtstart", when.start_utc)
        event.add("dtend", when.end_utc or when.start_utc + timedelta(hours=1))
    calendar.add_component(event)
    return calendar.to_ical()
