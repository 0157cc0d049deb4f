"""The deadlines of the room's open polls on its calendar (`!calendar`). Pure."""

from __future__ import annotations

from datetime import datetime

from matrixbot import CalendarItem, format_when

from .model import Poll


def deadline_items(polls: list[Poll], start: datetime, end: datetime, prefix: str) -> list[CalendarItem]:
    """A moment at each open poll's deadline (between start and end), with its options: free time,
    for a calendar (a deadline takes nobody's afternoon)."""
    items = []
    for poll in polls:
        closes = poll.closes_at
        if closes is None or not start <= closes < end:
            continue
        options = "\n".join(f"{o.number}. {format_when(o.when)}" for o in poll.options)
        items.append(
            CalendarItem(
                key=poll.ref,
                title=f"Poll closes: {poll.title}",
                start=closes,
                end=closes,
                zone=poll.zone,
                kind="poll deadline",
                busy=False,
                details=f"Vote in the room before then: {prefix}vote {poll.ref} N…\nOptions:\n{options}",
            )
        )
    return items
