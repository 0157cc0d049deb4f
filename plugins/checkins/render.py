"""The check-ins plugin's messages, as HTML; every value a user gave goes through bdi(), any other text through h()."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import groupby

from matrixbot import N_, bdi, h, pill

from .model import Answer, Asked, MemberState, Round
from .texts import _, _n

Show = Callable[[datetime], str]
"""Formats a time for the reader: in the room's zone, with the zone named."""

NO_ORG = N_("No co-op given")


def pills(users: Sequence[str], names: dict[str, str]) -> str:
    return ", ".join(pill(u, names.get(u)) for u in users)


def _moved(note: str) -> str:
    """ " (moved from Saturday 01:47 to working hours)" after a post's first words; "" when on time."""
    return f" ({h(note)})" if note else ""


def _here(prefix: str, note: str = "") -> str:
    """`!here` (or `!here NOTE`) as code."""
    return f"<code>{h(prefix)}here{note}</code>"


def render_question(
    rnd: Round, organiser: str, mentioned: str, show: Show, prefix: str, *, late: str = "", moved: str = ""
) -> str:
    ask = f"<br>{mentioned}" if mentioned else ""
    head = _("<b>Check-in {round}</b> from {organiser}{moved}: {question}").format(
        round=rnd.ref, organiser=bdi(organiser), moved=_moved(moved), question=bdi(rnd.series.question)
    )
    how = _(
        "Answer with {here} (or {here_note}), a ✅ reaction on this message, or a reply to it. Closes {when}."
    ).format(here=_here(prefix), here_note=_here(prefix, " " + _("NOTE")), when=h(show(rnd.closes_at)))
    return f"{head}<br>{how}{ask}{late}"


def render_started(
    rnd: Round, asked: int, nudge: datetime | None, next_at: datetime | None, hours: str | None, show: Show
) -> str:
    """The organiser's confirmation; `hours` is given when working hours moved any of the times."""
    text = _n("Started check-in {round}: {n} asked.", "Started check-in {round}: {n} asked.", asked).format(
        round=rnd.ref, n=asked
    )
    closes = h(show(rnd.closes_at))
    if nudge is None:
        text += " " + _(
            "No nudge: outside working hours it would come with the close. Closes {when}."
        ).format(when=closes)
    else:
        text += " " + _("Nudge {nudge}, closes {when}.").format(nudge=h(show(nudge)), when=closes)
    if next_at is not None:
        text += " " + _("A new round opens every {every}; the next on {when}.").format(
            every=h(rnd.series.every or ""), when=h(show(next_at))
        )
    if hours is not None:
        text += " " + _(
            "Times outside this room's working hours ({hours}) moved to the next working time."
        ).format(hours=h(hours))
    return text


def render_more(rnd: Round, mentioned: str) -> str:
    return _("Also asked in check-in {round}: {people}").format(round=rnd.ref, people=mentioned)


def render_nudge(
    rnd: Round, mentioned: str, show: Show, prefix: str, *, late: str = "", moved: str = ""
) -> str:
    said = _(
        "Reminder{moved}: check-in {round} ({question}) closes {when}. Please answer with {here} or a ✅ "
        "on the question."
    ).format(
        moved=_moved(moved),
        round=rnd.ref,
        question=bdi(rnd.series.question),
        when=h(show(rnd.closes_at)),
        here=_here(prefix),
    )
    return f"{said}<br>{mentioned}{late}"


def render_nudge_dm(
    rnd: Round, room_name: str, show: Show, prefix: str, *, late: str = "", moved: str = ""
) -> str:
    """The nudge by direct message, in the member's own language (else the room's)."""
    link = f'<a href="https://matrix.to/#/{h(rnd.room_id)}">{bdi(room_name)}</a>'
    asks = _("Reminder{moved}: check-in {round} in {room} asks: {question}").format(
        moved=_moved(moved), round=rnd.ref, room=link, question=bdi(rnd.series.question)
    )
    how = _("It closes {when}. Please answer there with {here} or a ✅ on the question.").format(
        when=h(show(rnd.closes_at)), here=_here(prefix)
    )
    return f"{asks}<br>{how}{late}"


def render_missed_round(question: str, number: int, due: datetime, show: Show) -> str:
    return _(
        "Round {number} of check-in “{question}” was due {due}, but the bot was offline then, so it "
        "was skipped."
    ).format(number=number, question=bdi(question), due=h(show(due)))


def render_missed_nudge(rnd: Round, due: datetime, show: Show) -> str:
    return _(
        "The reminder for check-in {round} was due {due}, but the bot was offline then, so it was skipped."
    ).format(round=rnd.ref, due=h(show(due)))


def render_correction(rnd: Round, name: str | None) -> str:
    """The line under a summary corrected by an answer (`name`'s, or one taken back: None) sent in
    time that reached the bot after it."""
    if name is None:
        return _(
            "An answer taken back to check-in {round} was sent before it closed but reached me late; it "
            "counts, and the summary above is corrected."
        ).format(round=rnd.ref)
    return _(
        "{name}'s answer to check-in {round} was sent before it closed but reached me late; it counts, "
        "and the summary above is corrected."
    ).format(name=bdi(name), round=rnd.ref)


def _answer(answer: Answer, show: Show) -> str:
    said = _("answered {when}").format(when=h(show(answer.answered_at)))
    return f"{said}: {bdi(answer.note)}" if answer.note else said


def _away(until: datetime, show: Show) -> str:
    return _("away until {when}").format(when=h(show(until)))


def _line(state: MemberState, show: Show, closed: bool) -> str:
    if state.answer is not None:
        text = _answer(state.answer, show)
    elif state.away_until is not None:
        text = _away(state.away_until, show)
    else:
        text = _("did not answer") if closed else _("not yet answered")
    if state.opted_out:
        text += " " + _("(opted out of pings)")
    if state.possibly_inactive:
        text += " — " + _("<b>possibly inactive</b> (missed the last two rounds)")
    return f"<li>{bdi(state.name)} — {text}</li>"


def render_status(
    rnd: Round, members: Sequence[MemberState], show: Show, *, summary: bool = False, moved: str = ""
) -> str:
    """A round's answers grouped by co-op; `summary` is the closing message's heading."""
    answered = sum(1 for m in members if m.answer is not None)
    question = bdi(rnd.series.question)
    if summary:
        head = _("<b>Check-in {round} has closed</b>{moved}: {question}").format(
            round=rnd.ref, moved=_moved(moved), question=question
        )
    else:
        opened, closes = h(show(rnd.opened_at)), h(show(rnd.closes_at))
        times = (
            _("Opened {opened}; closed {closes}.") if rnd.closed else _("Opened {opened}; closes {closes}.")
        ).format(opened=opened, closes=closes)
        head = _("<b>Check-in {round}</b>: {question}").format(round=rnd.ref, question=question)
        head += f"<br>{times}"
    groups = "".join(
        f"<b>{bdi(org or _(NO_ORG))}</b><ul>{''.join(_line(m, show, rnd.closed) for m in group)}</ul>"
        for org, group in groupby(members, key=lambda m: m.org)
    )
    inactive = [m.name for m in members if m.possibly_inactive]
    flagged = (
        _("Possibly inactive (missed the last two rounds): {names}").format(
            names=", ".join(bdi(n) for n in inactive)
        )
        if inactive
        else ""
    )
    count = _n("{answered} of {total} answered.", "{answered} of {total} answered.", answered).format(
        answered=answered, total=len(members)
    )
    return f"{head}<br>{count}<br>{groups}{flagged}"


def render_history(
    name: str,
    org: str | None,
    rounds: Sequence[Round],
    asked: dict[int, Asked],
    answers: dict[int, list[Answer]],
    show: Show,
) -> str:
    """One member's answers, round by round (the latest answer of each round)."""
    lines = []
    for rnd in rounds:
        given = answers.get(rnd.id)
        away = asked[rnd.id].away_until if rnd.id in asked else None
        if given:
            text = _answer(given[-1], show)
        elif away is not None:
            text = _away(away, show)
        elif not rnd.closed:
            text = _("not yet answered")
        else:
            text = _("did not answer")
        lines.append(f"<li>{rnd.ref} ({h(show(rnd.opened_at))}): {text}</li>")
    who = f"{bdi(name)} ({bdi(org)})" if org else bdi(name)
    if not lines:
        return _("{who} has not been asked in any check-in here yet.").format(who=who)
    return _("Check-ins of {who}:").format(who=who) + f"<ul>{''.join(lines)}</ul>"
