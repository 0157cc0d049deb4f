"""The check-ins plugin's messages, as HTML; every value a user gave goes through bdi(), any other text through h()."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import groupby

from matrixbot import bdi, h, pill

from .model import Answer, Asked, MemberState, Round

Show = Callable[[datetime], str]
"""Formats a time for the reader: in the room's zone, with the zone named."""

NO_ORG = "No co-op given"


def pills(users: Sequence[str], names: dict[str, str]) -> str:
    return ", ".join(pill(u, names.get(u)) for u in users)


def _moved(note: str) -> str:
    """ " (moved from Saturday 01:47 to working hours)" after a post's first words; "" when on time."""
    return f" ({h(note)})" if note else ""


def render_question(
    rnd: Round, organiser: str, mentioned: str, show: Show, prefix: str, *, late: str = "", moved: str = ""
) -> str:
    ask = f"<br>{mentioned}" if mentioned else ""
    return (
        f"<b>Check-in {rnd.ref}</b> from {bdi(organiser)}{_moved(moved)}: {bdi(rnd.series.question)}<br>"
        f"Answer with <code>{h(prefix)}here</code> (or <code>{h(prefix)}here NOTE</code>), a ✅ reaction "
        f"on this message, or a reply to it. Closes {h(show(rnd.closes_at))}.{ask}{late}"
    )


def render_started(
    rnd: Round, asked: int, nudge: datetime | None, next_at: datetime | None, hours: str | None, show: Show
) -> str:
    """The organiser's confirmation; `hours` is given when working hours moved any of the times."""
    text = f"Started check-in {rnd.ref}: {asked} asked. "
    if nudge is None:
        text += "No nudge: outside working hours it would come with the close. Closes "
    else:
        text += f"Nudge {h(show(nudge))}, closes "
    text += f"{h(show(rnd.closes_at))}."
    if next_at is not None:
        text += f" A new round opens every {h(rnd.series.every or '')}; the next on {h(show(next_at))}."
    if hours is not None:
        text += f" Times outside this room's working hours ({h(hours)}) moved to the next working time."
    return text


def render_more(rnd: Round, mentioned: str) -> str:
    return f"Also asked in check-in {rnd.ref}: {mentioned}"


def render_nudge(
    rnd: Round, mentioned: str, show: Show, prefix: str, *, late: str = "", moved: str = ""
) -> str:
    return (
        f"Reminder{_moved(moved)}: check-in {rnd.ref} ({bdi(rnd.series.question)}) closes {h(show(rnd.closes_at))}. "
        f"Please answer with <code>{h(prefix)}here</code> or a ✅ on the question."
        f"<br>{mentioned}{late}"
    )


def render_nudge_dm(
    rnd: Round, room_name: str, show: Show, prefix: str, *, late: str = "", moved: str = ""
) -> str:
    link = f'<a href="https://matrix.to/#/{h(rnd.room_id)}">{bdi(room_name)}</a>'
    return (
        f"Reminder{_moved(moved)}: check-in {rnd.ref} in {link} asks: {bdi(rnd.series.question)}<br>"
        f"It closes {h(show(rnd.closes_at))}. Please answer there with <code>{h(prefix)}here</code> "
        f"or a ✅ on the question.{late}"
    )


def render_missed(what: str, due: datetime, show: Show) -> str:
    return f"{what} was due {h(show(due))}, but the bot was offline then, so it was skipped."


def _answer(answer: Answer, show: Show) -> str:
    note = f": {bdi(answer.note)}" if answer.note else ""
    return f"answered {h(show(answer.answered_at))}{note}"


def _line(state: MemberState, show: Show, closed: bool) -> str:
    if state.answer is not None:
        text = _answer(state.answer, show)
    elif state.away_until is not None:
        text = f"away until {h(show(state.away_until))}"
    else:
        text = "did not answer" if closed else "not yet answered"
    if state.opted_out:
        text += " (opted out of pings)"
    if state.possibly_inactive:
        text += " — <b>possibly inactive</b> (missed the last two rounds)"
    return f"<li>{bdi(state.name)} — {text}</li>"


def render_status(
    rnd: Round, members: Sequence[MemberState], show: Show, *, summary: bool = False, moved: str = ""
) -> str:
    """A round's answers grouped by co-op; `summary` is the closing message's heading."""
    answered = sum(1 for m in members if m.answer is not None)
    if summary:
        head = f"<b>Check-in {rnd.ref} has closed</b>{_moved(moved)}: {bdi(rnd.series.question)}<br>"
    else:
        state = "closed" if rnd.closed else "closes"
        head = (
            f"<b>Check-in {rnd.ref}</b>: {bdi(rnd.series.question)}<br>"
            f"Opened {h(show(rnd.opened_at))}; {state} {h(show(rnd.closes_at))}.<br>"
        )
    groups = "".join(
        f"<b>{bdi(org or NO_ORG)}</b><ul>{''.join(_line(m, show, rnd.closed) for m in group)}</ul>"
        for org, group in groupby(members, key=lambda m: m.org)
    )
    inactive = [m.name for m in members if m.possibly_inactive]
    flagged = (
        f"Possibly inactive (missed the last two rounds): {', '.join(bdi(n) for n in inactive)}"
        if inactive
        else ""
    )
    return f"{head}{answered} of {len(members)} answered.<br>{groups}{flagged}"


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
            text = f"away until {h(show(away))}"
        elif not rnd.closed:
            text = "not yet answered"
        else:
            text = "did not answer"
        lines.append(f"<li>{rnd.ref} ({h(show(rnd.opened_at))}): {text}</li>")
    co_op = f" ({bdi(org)})" if org else ""
    if not lines:
        return f"{bdi(name)}{co_op} has not been asked in any check-in here yet."
    return f"Check-ins of {bdi(name)}{co_op}:<ul>{''.join(lines)}</ul>"
