"""A meeting as an iCalendar file: local time with its zone (TZID + VTIMEZONE) and the repeat rule,
so calendar apps keep 15:00 at 15:00 across daylight-saving changes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from matrixbot import calendar_event, calendar_file

from .model import Meeting
from .texts import _


def meeting_ics(meeting: Meeting, server: str, now: datetime) -> bytes:
    """The access code is in the description only once it has been revealed in the room. Its words
    are in the language of the moment (the room's)."""
    start = meeting.next_at.astimezone(ZoneInfo(meeting.zone))  # a repeat runs on from the next occurrence
    event = calendar_event(
        f"meeting-{meeting.id}@{server}",
        meeting.title,
        start,
        meeting.end_of(start),
        meeting.zone,
        all_day=False,
        now=now,
        rrule=None
        if meeting.repeat is None
        else meeting.repeat.to_rrule(meeting.first_at.astimezone(ZoneInfo(meeting.zone))),
    )
    description = []
    if meeting.url:
        event.add("url", meeting.url)
        description.append(_("Call: {link}").format(link=meeting.url))
    if meeting.code and meeting.code_revealed:
        description.append(_("Access code: {code}").format(code=meeting.code))
    if description:
        event.add("description", "\n".join(description))
    return calendar_file(event, "meetings")
