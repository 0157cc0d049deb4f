"""A meeting as an iCalendar file: local time with its zone (TZID + VTIMEZONE) and the repeat rule,
so calendar apps keep 15:00 at 15:00 across daylight-saving changes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

from plugins.meetings.model import Meeting


def meeting_ics(meeting: Meeting, server: str, now: datetime) -> bytes:
    """The access code is in the description only once it has been revealed in the room."""
    zone = ZoneInfo(meeting.zone)
    calendar = Calendar()
    calendar.add("prodid", "-//matrixbot//meetings//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@{server}")
    event.add("dtstamp", now)
    event.add("summary", meeting.title)
    start = meeting.next_at.astimezone(zone)  # a repeat runs on from the next occurrence
    event.add("dtstart", start)
    event.add("dtend", meeting.end_of(start).astimezone(zone))
    if meeting.repeat is not None:
        event.add("rrule", vRecur(meeting.repeat.to_rrule()))
    description = []
    if meeting.url:
        event.add("url", meeting.url)
        description.append(f"Call: {meeting.url}")
    if meeting.code and meeting.code_revealed:
        description.append(f"Access code: {meeting.code}")
    if description:
        event.add("description", "\n".join(description))
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
