"""The room's gatherings on its calendar (`!calendar`): with their place and the places left. Pure."""

from __future__ import annotations

from datetime import datetime

from matrixbot import CalendarItem

from .model import Sheet, closing_reason


def gathering_item(sheet: Sheet, now: datetime, prefix: str) -> CalendarItem:
    signup_list = sheet.signup_list
    details = signup_list.details
    alloc = sheet.allocation
    if details.places is None:
        lines = [f"{len(alloc.attendees)} coming."]
    else:
        left = max(0, details.places - len(alloc.attendees))
        waiting = f"; {len(alloc.waitlist)} on the waitlist" if alloc.waitlist else ""
        lines = [f"{left} of {details.places} place{'s' if details.places != 1 else ''} left{waiting}."]
    if details.talks:
        free = max(0, details.talks - len(alloc.speakers))
        lines.append(f"{free} of {details.talks} talk slot{'s' if details.talks != 1 else ''} left.")
    closed = closing_reason(signup_list, now)
    lines.append(closed or f"Sign up in the room: {prefix}signup attend {signup_list.ref}")
    return CalendarItem(
        key=signup_list.ref,
        title=details.title,
        start=details.when.start,
        end=signup_list.end,
        zone=details.when.zone,
        kind="gathering",
        all_day=details.when.all_day,
        place=details.where,
        details="\n".join(lines),
    )
