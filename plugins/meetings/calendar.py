"""The room's meetings on its calendar (`!calendar`): pure.

A repeating meeting is one item from its first occurrence, with its repeat and the occurrences
`!meeting skip` left out; a one-off is its one occurrence. The call link goes in; the access code
never does, not even after its reveal (a feed address can be forwarded).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from matrixbot import CalendarItem

from .model import Meeting
from .texts import _


def meeting_items(
    meetings: Iterable[tuple[Meeting, list[datetime]]], start: datetime, end: datetime
) -> list[CalendarItem]:
    """The meetings (each with its skips) that have an occurrence overlapping start–end, in the
    language of the moment (the room's)."""
    items = []
    for meeting, skips in meetings:
        item = meeting_item(meeting, skips)
        if item.repeat is None and not (item.start < end and item.end > start):
            continue
        items.append(item)
    return items


def meeting_item(meeting: Meeting, skips: Iterable[datetime]) -> CalendarItem:
    zone = ZoneInfo(meeting.zone)
    first = (meeting.first_at if meeting.repeat is not None else meeting.next_at).astimezone(zone)
    repeats = (
        "" if meeting.repeat is None else _("Repeats {repeat}.").format(repeat=meeting.repeat.describe())
    )
    return CalendarItem(
        key=meeting.ref,
        title=meeting.title,
        start=first,
        end=meeting.end_of(first.astimezone(UTC)),
        zone=meeting.zone,
        kind=_("meeting"),
        repeat=meeting.repeat,
        skipped=tuple(s for s in skips if is_occurrence(meeting, s)),
        url=meeting.url,
        details=repeats,
    )


def is_occurrence(meeting: Meeting, moment: datetime) -> bool:
    """Whether `moment` is an occurrence of the meeting as it repeats now (an edit that moved the
    repeat leaves earlier skips behind)."""
    return moment >= meeting.first_at and meeting.following(moment - timedelta(seconds=1)) == moment
