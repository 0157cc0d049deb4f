"""The agenda's meeting on the room's calendar (`!calendar`), with its topics in order. Pure.

This is how a plugin contributes to the room's calendar: `Plugin.calendar_items` returns
`CalendarItem`s, and matrixbot does the rest (the feed, its versions, the agenda page).
"""

from __future__ import annotations

from matrixbot import CalendarItem, When

from .model import Topic


def agenda_item(when: When, topics: list[Topic], prefix: str) -> CalendarItem:
    """The meeting the agenda is for; its topics (in running order) are the event's description."""
    lines = [f"{n}. {topic.title}" for n, topic in enumerate(topics, 1)]
    count = f"{len(topics)} topic{'s' if len(topics) != 1 else ''}"
    return CalendarItem(
        key="agenda",
        title=f"Meeting agenda ({count})",
        start=when.start,
        end=when.end or when.start,
        zone=when.zone,
        kind="agenda",
        all_day=when.all_day,
        details="\n".join([*lines, f"Add a topic in the room: {prefix}agenda add TITLE"]),
    )
