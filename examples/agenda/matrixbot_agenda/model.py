"""Topics and the agenda's order: pure, no database, no Matrix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from matrixbot import UserError, When, format_ref

from .texts import _

LETTER = "T"
"""Topic ids are T and the row number: T3."""
MAX_TITLE = 200
"""A topic is a line on an agenda, not a document: longer belongs in the notes."""
SUPPORT = "👍"
"""The reaction that supports a topic (skin tones count too)."""
MEETING_LENGTH = timedelta(hours=1)
"""How long the agenda's meeting is taken to last when `!agenda for` gives no end."""


@dataclass(frozen=True)
class Topic:
    id: int
    room_id: str
    proposer: str
    title: str
    notes: str
    event_id: str | None = None
    done: bool = False
    support: int = 0

    @property
    def ref(self) -> str:
        return format_ref(LETTER, self.id)


def check_title(title: str) -> str:
    """The title as given, or a UserError saying how to shorten it."""
    title = " ".join(title.split())
    if len(title) > MAX_TITLE:
        raise UserError(
            _(
                "That title is {length} characters; keep it under {most} and put the rest on the lines below."
            ).format(length=len(title), most=MAX_TITLE)
        )
    return title


def in_order(topics: list[Topic]) -> list[Topic]:
    """The agenda's running order: most supported first, then the order they were added."""
    return sorted(topics, key=lambda t: (-t.support, t.id))


def supports(key: str) -> bool:
    """Whether a reaction key is a 👍 (with or without a skin tone or variation selector)."""
    return key.startswith(SUPPORT)


def meeting_end(when: When) -> datetime:
    """The end of the agenda's meeting: as given, else a day for a date, else `MEETING_LENGTH`."""
    if when.end_utc is not None:
        return when.end_utc
    return when.start_utc + (timedelta(days=1) if when.all_day else MEETING_LENGTH)
