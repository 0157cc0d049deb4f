"""The agenda's meeting on the room's calendar (`!calendar`), with its topics in order. Pure.

This is how a plugin contributes to the room's calendar: `Plugin.calendar_items` returns
`CalendarItem`s, and matrixbot does the rest (the feed, its versions, the agenda page). matrixbot
asks for them in the room's language, so the words here are said in it.
"""

from __future__ import annotations

from matrixbot import CalendarItem, When

from .model import Topic
from .texts import _, _n


def agenda_item(when: When, topics: list[Topic], prefix: str) -> CalendarItem:
    """The meeting the agenda is for; its topics (in running order) are the event's description."""
    lines = [f"{n}. {topic.title}" for n, topic in enumerate(topics, 1)]
    add = _("Add a topic in the room: {command}").format(command=f"{prefix}agenda add TITLE")
    return CalendarItem(
        key="agenda",
        title=_n("Meeting agenda ({n} topic)", "Meeting agenda ({n} topics)", len(topics)).format(
            n=len(topics)
        ),
        start=when.start,
        end=when.end or when.start,
        zone=when.zone,
        kind=_("agenda"),
        all_day=when.all_day,
        details="\n".join([*lines, add]),
    )
