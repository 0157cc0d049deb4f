"""The iCalendar file of a poll's winning slot."""

from __future__ import annotations

from datetime import datetime, timedelta

from matrixbot import calendar_event, calendar_file

from .model import Option


def winner_ics(title: str, option: Option, uid: str, now: datetime) -> bytes:
    """One event: all-day dates as dates, times in the poll's zone (a bare time lasts an hour)."""
    when = option.when
    span = timedelta(days=1) if when.all_day else timedelta(hours=1)
    event = calendar_event(
        uid, title, when.start, when.end or when.start + span, when.zone, all_day=when.all_day, now=now
    )
    return calendar_file(event, "datepoll")
