"""The closes of the room's open check-in rounds on its calendar (`!calendar`). Pure.

A round's close is a deadline members answer by, like a poll's; the next opening of a repeating
check-in is left out: nobody has to do anything before it.
"""

from __future__ import annotations

from datetime import datetime

from matrixbot import CalendarItem, shorten

from .model import Round
from .texts import _


def close_items(rounds: list[Round], start: datetime, end: datetime, prefix: str) -> list[CalendarItem]:
    """A moment at each open round's close (between start and end): free time, for a calendar."""
    return [
        CalendarItem(
            key=rnd.ref,
            title=_("Check-in closes: {question}").format(question=shorten(rnd.series.question, 80)),
            start=rnd.closes_at,
            end=rnd.closes_at,
            zone=rnd.series.zone,
            kind=_("check-in closes"),
            busy=False,
            details=rnd.series.question
            + "\n"
            + _("Answer in the room before then: {command}").format(command=f"{prefix}here {rnd.ref}"),
        )
        for rnd in rounds
        if start <= rnd.closes_at < end
    ]
