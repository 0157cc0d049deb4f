"""HTML for the live list, the overview, and the messages that notify people.

Pure: every piece of user text (titles, places, topics, display names) goes through `bdi()`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from matrixbot import bdi, format_time, format_when, h, pill

from .model import Entry, Held, Removal, Sheet, SignupList, closing_reason, later, talk_starts

Names = Callable[[str], str]
"""A user id to the display name to show."""
SHOWN = 100
"""Names shown per section of the list; the rest are counted (the export has everyone)."""
REACTION = "🙋"


def render_list(
    sheet: Sheet, names: Names, now: datetime, prefix: str, *, other_zone: str | None = None
) -> str:
    """The whole list: details, talks in running order, who is coming, waitlists, places left."""
    signup_list = sheet.signup_list
    details = signup_list.details
    alloc = sheet.allocation
    zone = details.when.zone
    parts = [f"📋 <b>{h(signup_list.ref)} {bdi(details.title)}</b>"]
    parts.append(f"When: {h(format_when(details.when, other_zone=other_zone))}")
    if details.where:
        parts.append(f"Where: {bdi(details.where)}")
    if details.closes_at is not None:
        shown = format_time(later(details.closes_at, -timedelta(minutes=1)), zone, other_zone=other_zone)
        parts.append(f"Sign-ups close: {h(shown)}")
    lines = ["<br>".join(parts)]
    if details.talks:
        lines.append(_talks(sheet, names))
    lines.append(_attendees(sheet, names))
    if alloc.waitlist:
        lines.append(f"Waitlist: {_names(alloc.waitlist, names)}")
    lines.append(_footer(signup_list, now, prefix))
    return "<p>" + "</p><p>".join(lines) + "</p>"


def _talks(sheet: Sheet, names: Names) -> str:
    details = sheet.signup_list.details
    alloc = sheet.allocation
    each = f", {_duration(details.slot)} each" if details.slot else ""
    head = f"<b>Talks</b> ({len(alloc.speakers)} of {details.talks} slots taken{each}):"
    starts = talk_starts(details, len(alloc.speakers))
    items = ""
    for entry, start in zip(alloc.speakers, starts, strict=True):
        clock = f"{h(format_time(start, details.when.zone, with_date=False))} " if start else ""
        items += f"<li>{clock}{bdi(names(entry.user_id))} — {bdi(entry.topic or '')}</li>"
    text = head + (f"<ol>{items}</ol>" if items else " none yet")
    if alloc.talk_waitlist:
        waiting = ", ".join(f"{bdi(names(e.user_id))} ({bdi(e.topic or '')})" for e in alloc.talk_waitlist)
        text += f"Waiting for a talk slot: {waiting}"
    return text


def _attendees(sheet: Sheet, names: Names) -> str:
    places = sheet.signup_list.details.places
    coming = sheet.allocation.attendees
    if places is None:
        count = f"{len(coming)} coming"
    else:
        count = f"{len(coming)} of {places} places taken, {places - len(coming)} left"
    return f"<b>Coming</b> ({count}): {_names(coming, names) if coming else 'nobody yet'}"


def _footer(signup_list: SignupList, now: datetime, prefix: str) -> str:
    reason = closing_reason(signup_list, now)
    if reason:
        return f"<i>{h(reason)}</i>"
    ref = h(signup_list.ref)
    talk = f"<code>{h(prefix)}signup talk {ref} TOPIC</code>, " if signup_list.details.talks else ""
    return (
        f"<i>Sign up with {talk}<code>{h(prefix)}signup attend {ref}</code> or react {REACTION} to this "
        f"message; <code>{h(prefix)}signup withdraw {ref}</code> to withdraw.</i>"
    )


def render_overview(lists: Sequence[Sheet], *, other_zone: str | None = None) -> str:
    """One line per list for `!signups`."""
    if not lists:
        return "There are no open signup lists in this room."
    items = ""
    for sheet in lists:
        details = sheet.signup_list.details
        alloc = sheet.allocation
        counts = [f"{len(alloc.attendees)} coming"]
        if details.places is not None:
            counts.append(f"{details.places - len(alloc.attendees)} places left")
        if details.talks:
            counts.append(f"{details.talks - len(alloc.speakers)} of {details.talks} talk slots free")
        items += (
            f"<li><b>{h(sheet.signup_list.ref)}</b> {bdi(details.title)} — "
            f"{h(format_when(details.when, other_zone=other_zone))} ({h(', '.join(counts))})</li>"
        )
    return f"Open signup lists:<ul>{items}</ul>"


def render_moved(
    signup_list: SignupList, promoted: Sequence[Entry], demoted: Sequence[Entry], names: Names
) -> str:
    """Tell people they gained or lost a place (with pills), and the organiser too."""
    sentences = []
    title = f"{h(signup_list.ref)} {bdi(signup_list.details.title)}"
    for entry in promoted:
        what = "a talk slot" if entry.kind == "talk" else "a place"
        sentences.append(
            f"🎉 {pill(entry.user_id, names(entry.user_id))}: {what} opened up in {title}, "
            f"so you moved up from the waitlist."
        )
    if demoted:
        who = ", ".join(pill(e.user_id, names(e.user_id)) for e in demoted)
        sentences.append(f"{title} has fewer places now: {who} moved to the front of the waitlist.")
    organiser = signup_list.organiser
    if organiser not in {e.user_id for e in (*promoted, *demoted)}:
        sentences.append(f"({pill(organiser, names(organiser))}, as the organiser: FYI.)")
    return "<br>".join(sentences)


_HELD: dict[Held, str] = {
    "talk": "your talk slot",
    "talk waitlist": "your place on the talk waitlist",
    "place": "your place",
    "waitlist": "your place on the waitlist",
}


def render_removed(
    signup_list: SignupList, removal: Removal, names: Names, prefix: str, now: datetime
) -> str:
    """Tell whoever was taken off a list (with a pill): by whom, what they held, how to sign up
    again; and the organiser, when someone else did it."""
    ref = h(signup_list.ref)
    title = f"<b>{ref} {bdi(signup_list.details.title)}</b>"
    user, by, organiser = removal.user_id, removal.removed_by, signup_list.organiser
    held = [_HELD[h_] for h_ in removal.held]
    if removal.topic is not None:
        held[0] += f" for “{bdi(removal.topic)}”"
    lost = held[0] if len(held) == 1 else f"{', '.join(held[:-1])} and {held[-1]}"
    who = "You took yourself" if user == by else f"{pill(user, names(user))}: {bdi(names(by))} took you"
    reason = closing_reason(signup_list, now)
    if reason:
        again = f"{h(reason)} Ask {bdi(names(organiser))} (its organiser) if this was a mistake."
    else:
        talk = f"<code>{h(prefix)}signup talk {ref} TOPIC</code> or " if removal.topic is not None else ""
        again = f"To sign up again: {talk}<code>{h(prefix)}signup attend {ref}</code>."
    told = f"{who} off {title} ({lost}). {again}"
    if organiser not in (user, by):
        told += f"<br>({pill(organiser, names(organiser))}, as the organiser: FYI.)"
    return told


def render_reminder(sheet: Sheet, names: Names, *, late: str = "") -> str:
    """The day-before reminder, mentioning everyone with a talk slot or a place."""
    details = sheet.signup_list.details
    where = f" at {bdi(details.where)}" if details.where else ""
    people = sheet.allocation.people()
    who = ", ".join(pill(user, names(user)) for user in people) if people else "nobody has signed up yet"
    return (
        f"⏰ Reminder: <b>{h(sheet.signup_list.ref)} {bdi(details.title)}</b> is on "
        f"{h(format_when(details.when))}{where}. Signed up: {who}.{late}"
    )


def render_missed(signup_list: SignupList) -> str:
    details = signup_list.details
    return (
        f"The reminder for {h(signup_list.ref)} {bdi(details.title)} ({h(format_when(details.when))}) "
        "was missed: the bot was offline when it was due."
    )


def _names(entries: Sequence[Entry], names: Names) -> str:
    shown = ", ".join(bdi(names(e.user_id)) for e in entries[:SHOWN])
    more = len(entries) - SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{minutes} minutes"
