"""The deadlines of the room's open polls on its calendar (`!calendar`). Pure."""

from __future__ import annotations

from datetime import datetime

from matrixbot import CalendarItem, format_when

from .model import Poll
from .texts import _


def deadline_items(polls: list[Poll], start: datetime, end: datetime, prefix: str) -> list[CalendarItem]:
    """A moment at each open poll's deadline (between start and end), with its options: free time,
    for a calendar (a deadline takes nobody's afternoon)."""
    items = []
    for poll in polls:
        closes = poll.closes_at
        if closes is None or not start <= closes < end:
            continue
        options = "\n".join(f"{o.number}. {format_when(o.when)}" for o in poll.options)
        vote = _("Vote in the room before then: {command}").format(command=f"{prefix}vote {poll.ref} N…")
        items.append(
            CalendarItem(
                key=poll.ref,
                title=_("Poll closes: {title}").format(title=poll.title),
                start=closes,
                end=closes,
                zone=poll.zone,
                kind=_("poll deadline"),
                busy=False,
                details=f"{vote}\n" + _("Options:") + f"\n{options}",
            )
        )
    return items
