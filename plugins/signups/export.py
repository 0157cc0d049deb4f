"""Files for `!signup export` (CSV) and `!signup ics` (iCalendar): pure, bytes out."""

from __future__ import annotations

import hashlib
from datetime import datetime

from matrixbot import N_, calendar_event, calendar_file, csv_file, format_time

from .model import Sheet, talk_starts
from .render import Names
from .texts import _

COLUMNS = (
    N_("list"),
    N_("role"),
    N_("status"),
    N_("order"),
    N_("talk start"),
    N_("user id"),
    N_("name"),
    N_("topic"),
)
"""The columns, said in the language of the moment, as are the roles and states in the cells."""


def to_csv(sheet: Sheet, names: Names) -> bytes:
    """Speakers (running order), the talk waitlist, attendees and the waitlist, one row each."""
    alloc = sheet.allocation
    details = sheet.signup_list.details
    starts = talk_starts(details, len(alloc.speakers))
    ref = sheet.signup_list.ref
    talk, attend = _("talk"), _("attend")
    confirmed, waiting = _("confirmed"), _("waiting")
    rows: list[tuple[object, ...]] = []
    for number, (entry, start) in enumerate(zip(alloc.speakers, starts, strict=True), 1):
        shown = format_time(start, details.when.zone) if start else ""
        rows.append((ref, talk, confirmed, number, shown, entry.user_id, names(entry.user_id), entry.topic))
    for number, entry in enumerate(alloc.talk_waitlist, 1):
        rows.append((ref, talk, waiting, number, "", entry.user_id, names(entry.user_id), entry.topic))
    for number, entry in enumerate(alloc.attendees, 1):
        rows.append((ref, attend, confirmed, number, "", entry.user_id, names(entry.user_id), ""))
    for number, entry in enumerate(alloc.waitlist, 1):
        rows.append((ref, attend, waiting, number, "", entry.user_id, names(entry.user_id), ""))
    return csv_file([_(column) for column in COLUMNS], rows)


def to_ics(sheet: Sheet, names: Names, now: datetime) -> bytes:
    """One VEVENT for the gathering; the running order goes in its description."""
    signup_list = sheet.signup_list
    details = signup_list.details
    digest = hashlib.sha256(signup_list.room_id.encode()).hexdigest()[:12]
    when = details.when
    event = calendar_event(
        f"signups-{signup_list.id}-{digest}@matrixbot",
        details.title,
        when.start,
        signup_list.end,
        when.zone,
        all_day=when.all_day,
        now=now,
    )
    if details.where:
        event.add("location", details.where)
    alloc = sheet.allocation
    starts = talk_starts(details, len(alloc.speakers))
    talks = [
        (f"{format_time(start, details.when.zone, with_date=False)} " if start else "")
        + f"{names(entry.user_id)}: {entry.topic}"
        for entry, start in zip(alloc.speakers, starts, strict=True)
    ]
    if talks:
        event.add("description", _("Talks:") + "\n" + "\n".join(talks))
    return calendar_file(event, "signups")
