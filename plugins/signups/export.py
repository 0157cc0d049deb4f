"""Files for `!signup export` (CSV) and `!signup ics` (iCalendar): pure, bytes out."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime

from icalendar import Calendar, Event

from matrixbot.timefmt import format_time
from plugins.signups.model import Sheet, talk_starts
from plugins.signups.render import Names

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = ("list", "role", "status", "order", "talk start", "user id", "name", "topic")


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(sheet: Sheet, names: Names) -> bytes:
    """Speakers (running order), the talk waitlist, attendees and the waitlist, one row each."""
    alloc = sheet.allocation
    details = sheet.signup_list.details
    starts = talk_starts(details, len(alloc.speakers))
    ref = sheet.signup_list.ref
    rows: list[tuple[object, ...]] = []
    for number, (entry, start) in enumerate(zip(alloc.speakers, starts, strict=True), 1):
        shown = format_time(start, details.when.zone) if start else ""
        rows.append(
            (ref, "talk", "confirmed", number, shown, entry.user_id, names(entry.user_id), entry.topic)
        )
    for number, entry in enumerate(alloc.talk_waitlist, 1):
        rows.append((ref, "talk", "waiting", number, "", entry.user_id, names(entry.user_id), entry.topic))
    for number, entry in enumerate(alloc.attendees, 1):
        rows.append((ref, "attend", "confirmed", number, "", entry.user_id, names(entry.user_id), ""))
    for number, entry in enumerate(alloc.waitlist, 1):
        rows.append((ref, "attend", "waiting", number, "", entry.user_id, names(entry.user_id), ""))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8")


def to_ics(sheet: Sheet, names: Names, now: datetime) -> bytes:
    """One VEVENT for the gathering; the running order goes in its description."""
    signup_list = sheet.signup_list
    details = signup_list.details
    event = Event()
    digest = hashlib.sha256(signup_list.room_id.encode()).hexdigest()[:12]
    event.add("uid", f"signups-{signup_list.id}-{digest}@matrixbot")
    event.add("dtstamp", now)
    event.add("summary", details.title)
    if details.when.all_day:
        event.add("dtstart", details.when.start.date())
        event.add("dtend", signup_list.end.astimezone(details.when.start.tzinfo).date())
    else:
        event.add("dtstart", details.when.start_utc)
        event.add("dtend", signup_list.end)
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
        event.add("description", "Talks:\n" + "\n".join(talks))
    calendar = Calendar()
    calendar.add("prodid", "-//matrixbot//signups//EN")
    calendar.add("version", "2.0")
    calendar.add_component(event)
    return calendar.to_ical()
