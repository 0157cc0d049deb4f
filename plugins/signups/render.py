"""HTML for the live list, the overview, and the messages that notify people.

Pure: every piece of user text (titles, places, topics, display names) goes through `bdi()`. Each
is said in the language of the moment: the caller picks the room's for what the room keeps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from matrixbot import N_, all_of, bdi, format_time, format_when, h, pill

from .model import Entry, Held, Removal, Sheet, SignupList, closing_reason, later, talk_starts
from .texts import _, _n

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
    parts.append(_("When: {when}").format(when=h(format_when(details.when, other_zone=other_zone))))
    if details.where:
        parts.append(_("Where: {where}").format(where=bdi(details.where)))
    if details.closes_at is not None:
        shown = format_time(later(details.closes_at, -timedelta(minutes=1)), zone, other_zone=other_zone)
        parts.append(_("Sign-ups close: {when}").format(when=h(shown)))
    lines = ["<br>".join(parts)]
    if details.talks:
        lines.append(_talks(sheet, names))
    lines.append(_attendees(sheet, names))
    if alloc.waitlist:
        lines.append(_("Waitlist: {names}").format(names=_names(alloc.waitlist, names)))
    lines.append(_footer(signup_list, now, prefix))
    return "<p>" + "</p><p>".join(lines) + "</p>"


def _talks(sheet: Sheet, names: Names) -> str:
    details = sheet.signup_list.details
    alloc = sheet.allocation
    taken = _n(
        "<b>Talks</b> ({taken} of {total} slots taken):",
        "<b>Talks</b> ({taken} of {total} slots taken):",
        details.talks,
    )
    if details.slot:
        taken = _n(
            "<b>Talks</b> ({taken} of {total} slots taken, {length} each):",
            "<b>Talks</b> ({taken} of {total} slots taken, {length} each):",
            details.talks,
        )
    length = _duration(details.slot) if details.slot else ""
    head = taken.format(taken=len(alloc.speakers), total=details.talks, length=length)
    starts = talk_starts(details, len(alloc.speakers))
    items = ""
    for entry, start in zip(alloc.speakers, starts, strict=True):
        clock = f"{h(format_time(start, details.when.zone, with_date=False))} " if start else ""
        items += f"<li>{clock}{bdi(names(entry.user_id))} — {bdi(entry.topic or '')}</li>"
    text = head + (f"<ol>{items}</ol>" if items else " " + _("none yet"))
    if alloc.talk_waitlist:
        waiting = ", ".join(f"{bdi(names(e.user_id))} ({bdi(e.topic or '')})" for e in alloc.talk_waitlist)
        text += _("Waiting for a talk slot: {names}").format(names=waiting)
    return text


def _attendees(sheet: Sheet, names: Names) -> str:
    places = sheet.signup_list.details.places
    coming = sheet.allocation.attendees
    if places is None:
        count = _coming(len(coming))
    else:
        left = places - len(coming)
        taken = _n("{taken} of {places} places taken", "{taken} of {places} places taken", places)
        count = (
            taken.format(taken=len(coming), places=places)
            + ", "
            + _n("{n} left", "{n} left", left).format(n=left)
        )
    who = _names(coming, names) if coming else _("nobody yet")
    return _("<b>Coming</b> ({count}): {names}").format(count=count, names=who)


def _coming(n: int) -> str:
    return _n("{n} coming", "{n} coming", n).format(n=n)


def _footer(signup_list: SignupList, now: datetime, prefix: str) -> str:
    reason = closing_reason(signup_list, now)
    if reason:
        return f"<i>{h(reason)}</i>"
    ref = signup_list.ref
    attend, withdraw = _command(prefix, "attend", ref), _command(prefix, "withdraw", ref)
    if signup_list.details.talks:
        said = _("Sign up with {talk}, {attend} or react {reaction} to this message; {withdraw} to withdraw.")
    else:
        said = _("Sign up with {attend} or react {reaction} to this message; {withdraw} to withdraw.")
    talk = _command(prefix, "talk", ref, _("TOPIC"))
    return "<i>" + said.format(talk=talk, attend=attend, reaction=REACTION, withdraw=withdraw) + "</i>"


def _command(prefix: str, sub: str, ref: str, *more: str) -> str:
    """`!signup attend S1` (or `!signup talk S1 TOPIC`) as code."""
    words = " ".join((sub, ref, *more))
    return f"<code>{h(prefix)}signup {h(words)}</code>"


def render_overview(lists: Sequence[Sheet], *, other_zone: str | None = None) -> str:
    """One line per list for `!signups`."""
    if not lists:
        return _("There are no open signup lists in this room.")
    items = ""
    for sheet in lists:
        details = sheet.signup_list.details
        alloc = sheet.allocation
        counts = [_coming(len(alloc.attendees))]
        if details.places is not None:
            left = details.places - len(alloc.attendees)
            counts.append(_n("{n} places left", "{n} places left", left).format(n=left))
        if details.talks:
            free = details.talks - len(alloc.speakers)
            counts.append(
                _n(
                    "{free} of {total} talk slots free", "{free} of {total} talk slots free", details.talks
                ).format(free=free, total=details.talks)
            )
        items += (
            f"<li><b>{h(sheet.signup_list.ref)}</b> {bdi(details.title)} — "
            f"{h(format_when(details.when, other_zone=other_zone))} ({h(', '.join(counts))})</li>"
        )
    return _("Open signup lists:") + f"<ul>{items}</ul>"


def _fyi(organiser: str, names: Names) -> str:
    return _("({organiser}, as the organiser: FYI.)").format(organiser=pill(organiser, names(organiser)))


def render_moved(
    signup_list: SignupList, promoted: Sequence[Entry], demoted: Sequence[Entry], names: Names
) -> str:
    """Tell people they gained or lost a place (with pills), and the organiser too."""
    sentences = []
    title = f"{h(signup_list.ref)} {bdi(signup_list.details.title)}"
    for entry in promoted:
        said = (
            _("🎉 {person}: a talk slot opened up in {list}, so you moved up from the waitlist.")
            if entry.kind == "talk"
            else _("🎉 {person}: a place opened up in {list}, so you moved up from the waitlist.")
        )
        sentences.append(said.format(person=pill(entry.user_id, names(entry.user_id)), list=title))
    if demoted:
        who = ", ".join(pill(e.user_id, names(e.user_id)) for e in demoted)
        sentences.append(
            _n(
                "{list} has fewer places now: {people} moved to the front of the waitlist.",
                "{list} has fewer places now: {people} moved to the front of the waitlist.",
                len(demoted),
            ).format(list=title, people=who)
        )
    organiser = signup_list.organiser
    if organiser not in {e.user_id for e in (*promoted, *demoted)}:
        sentences.append(_fyi(organiser, names))
    return "<br>".join(sentences)


_HELD: dict[Held, str] = {
    "talk": N_("your talk slot"),
    "talk waitlist": N_("your place on the talk waitlist"),
    "place": N_("your place"),
    "waitlist": N_("your place on the waitlist"),
}


def render_removed(
    signup_list: SignupList, removal: Removal, names: Names, prefix: str, now: datetime
) -> str:
    """Tell whoever was taken off a list (with a pill): by whom, what they held, how to sign up
    again; and the organiser, when someone else did it."""
    ref = h(signup_list.ref)
    title = f"<b>{ref} {bdi(signup_list.details.title)}</b>"
    user, by, organiser = removal.user_id, removal.removed_by, signup_list.organiser
    held = [_(_HELD[kind]) for kind in removal.held]
    if removal.topic is not None:
        held[0] = _("{held} for “{topic}”").format(held=held[0], topic=bdi(removal.topic))
    lost = all_of(held)
    if user == by:
        told = _("You took yourself off {list} ({lost}).").format(list=title, lost=lost)
    else:
        told = _("{person}: {by} took you off {list} ({lost}).").format(
            person=pill(user, names(user)), by=bdi(names(by)), list=title, lost=lost
        )
    reason = closing_reason(signup_list, now)
    attend = _command(prefix, "attend", signup_list.ref)
    if reason:
        again = _("{reason} Ask {organiser} (its organiser) if this was a mistake.").format(
            reason=h(reason), organiser=bdi(names(organiser))
        )
    elif removal.topic is not None:
        talk = _command(prefix, "talk", signup_list.ref, _("TOPIC"))
        again = _("To sign up again: {talk} or {attend}.").format(talk=talk, attend=attend)
    else:
        again = _("To sign up again: {attend}.").format(attend=attend)
    told += f" {again}"
    if organiser not in (user, by):
        told += "<br>" + _fyi(organiser, names)
    return told


def render_reminder(sheet: Sheet, names: Names, *, late: str = "") -> str:
    """The day-before reminder, mentioning everyone with a talk slot or a place."""
    details = sheet.signup_list.details
    people = sheet.allocation.people()
    who = ", ".join(pill(user, names(user)) for user in people) if people else _("nobody has signed up yet")
    title = f"<b>{h(sheet.signup_list.ref)} {bdi(details.title)}</b>"
    when = h(format_when(details.when))
    if details.where:
        said = _("⏰ Reminder: {list} is on {when} at {where}. Signed up: {people}.").format(
            list=title, when=when, where=bdi(details.where), people=who
        )
    else:
        said = _("⏰ Reminder: {list} is on {when}. Signed up: {people}.").format(
            list=title, when=when, people=who
        )
    return f"{said}{late}"


def render_missed(signup_list: SignupList) -> str:
    details = signup_list.details
    return _("The reminder for {list} ({when}) was missed: the bot was offline when it was due.").format(
        list=f"{h(signup_list.ref)} {bdi(details.title)}", when=h(format_when(details.when))
    )


def _names(entries: Sequence[Entry], names: Names) -> str:
    shown = ", ".join(bdi(names(e.user_id)) for e in entries[:SHOWN])
    more = len(entries) - SHOWN
    if more <= 0:
        return shown
    return _n("{names} and {n} more", "{names} and {n} more", more).format(names=shown, n=more)


def _duration(delta: timedelta) -> str:
    """A talk slot's length: "15 minutes", "1 h", "1 h 30 min"."""
    minutes = int(delta.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("{hours} h {minutes} min").format(hours=hours, minutes=rest)
    if hours:
        return _("{hours} h").format(hours=hours)
    return _n("{n} minute", "{n} minutes", minutes).format(n=minutes)
