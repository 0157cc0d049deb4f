"""The room's gatherings on its calendar (`!calendar`): with their place and the places left. Pure."""

from __future__ import annotations

from datetime import datetime

from matrixbot import CalendarItem

from .model import Sheet, closing_reason
from .texts import _, _n


def gathering_item(sheet: Sheet, now: datetime, prefix: str) -> CalendarItem:
    signup_list = sheet.signup_list
    details = signup_list.details
    alloc = sheet.allocation
    if details.places is None:
        coming = len(alloc.attendees)
        lines = [_n("{n} coming.", "{n} coming.", coming).format(n=coming)]
    else:
        left = max(0, details.places - len(alloc.attendees))
        places = details.places
        said = _n("{left} of {places} place left", "{left} of {places} places left", places).format(
            left=left, places=places
        )
        if alloc.waitlist:
            waiting = len(alloc.waitlist)
            said += "; " + _n("{n} on the waitlist", "{n} on the waitlist", waiting).format(n=waiting)
        lines = [f"{said}."]
    if details.talks:
        free = max(0, details.talks - len(alloc.speakers))
        lines.append(
            _n(
                "{free} of {total} talk slot left.", "{free} of {total} talk slots left.", details.talks
            ).format(free=free, total=details.talks)
        )
    closed = closing_reason(signup_list, now)
    lines.append(
        closed
        or _("Sign up in the room: {command}").format(command=f"{prefix}signup attend {signup_list.ref}")
    )
    return CalendarItem(
        key=signup_list.ref,
        title=details.title,
        start=details.when.start,
        end=signup_list.end,
        zone=details.when.zone,
        kind=_("gathering"),
        all_day=details.when.all_day,
        place=details.where,
        details="\n".join(lines),
    )
