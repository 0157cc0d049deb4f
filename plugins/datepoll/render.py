"""Pure HTML rendering of polls, results and busy dates; every value a user gave goes through bdi() (plain text: isolate()), any other text through h()."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from matrixbot import When, bdi, format_time, format_when, h, isolate, pill

from .model import Option, Outcome, Poll, duplicates
from .parse import KEYCAPS

MAX_NAMED = 20
"""At most this many members are named as not having voted in the live tally (then "and N more")."""

Name = Callable[[str], str]
"""Display name of a user in the room."""


def option_line(option: Option, other_zone: str | None = None) -> str:
    return f"{option.number}. {h(format_when(option.when, other_zone=other_zone))}"


def option_flags(option: Option, poll_options: Sequence[Option]) -> list[str]:
    """The warnings of one option: those found when it was read, the room's busy times it
    overlaps (checked again when they change), and repeating another option."""
    flags = list(option.notes)
    flags += [c for c in (f"clashes with {title}" for title in option.clashes) if c not in flags]
    earlier = duplicates(poll_options).get(option.number)
    if earlier is not None:
        flags.append(f"the same as option {earlier}")
    return flags


def render_poll(
    poll: Poll,
    prefix: str,
    outcome: Outcome | None = None,
    not_voted: Sequence[str] = (),
    name: Name | None = None,
) -> str:
    """The text version of a poll: numbered options with their warnings, and how to vote.

    With `outcome` it is the live tally, edited in place on every vote however it came: yes and
    maybe per option, and who has not voted yet (or, once closed, the result).
    """
    counts = {c.option.number: c for c in outcome.counts} if outcome is not None else {}
    lines = []
    for option in poll.options:
        flags = option_flags(option, poll.options)
        warn = "".join(f"<br>   ⚠️ {h(flag)}" for flag in flags)
        count = counts.get(option.number)
        tally = f" — {len(count.yes)} yes, {len(count.maybe)} maybe" if count is not None else ""
        lines.append(f"{option_line(option)}{tally}{warn}")
    closes = f"<br>Closes {h(format_time(poll.closes_at, poll.zone))}." if poll.closes_at is not None else ""
    caps = f"{KEYCAPS[0]}…{KEYCAPS[min(len(poll.options), len(KEYCAPS)) - 1]}"
    flagged = any(option_flags(o, poll.options) for o in poll.options)
    fix = (
        f"<br>To change an option: <code>{h(prefix)}poll fix {poll.ref} N NEW OPTION</code>"
        if flagged
        else ""
    )
    head = f"<b>{poll.ref}: {bdi(poll.title)}</b><br>{'<br>'.join(lines)}"
    if not poll.is_open:
        result = f"<br>{h(winner_summary(outcome))}" if outcome is not None else ""
        return f"{head}<br>Closed; votes are no longer counted.{result}"
    waiting = ""
    if outcome is not None:
        shown = [bdi(name(u) if name else u) for u in not_voted[:MAX_NAMED]]
        more = f" and {len(not_voted) - MAX_NAMED} more" if len(not_voted) > MAX_NAMED else ""
        who = ", ".join(shown) + more or "nobody"
        waiting = f"<br>Not voted yet: {who}"
    return (
        f"{head}{closes}{waiting}<br>"
        f"Ticks in the poll below, reactions {caps} on this message and "
        f"<code>{h(prefix)}vote {poll.ref} {vote_example(len(poll.options))}</code> all count; "
        "your latest vote replaces your earlier one. In Element Web the poll takes one tick: "
        f"react with the numbers or say <code>{h(prefix)}vote</code> to choose several.{fix}"
    )


def native_poll(poll: Poll) -> dict[str, Any]:
    """The `org.matrix.msc3381.poll.start` content: disclosed, multi-select, answer ids = option numbers."""
    answers = [{"id": str(o.number), "org.matrix.msc1767.text": format_when(o.when)} for o in poll.options]
    title = isolate(poll.title)
    fallback = "\n".join([title, *(f"{o.number}. {format_when(o.when)}" for o in poll.options)])
    return {
        "org.matrix.msc3381.poll.start": {
            "question": {"org.matrix.msc1767.text": title, "body": title},
            "kind": "org.matrix.msc3381.poll.disclosed",
            "max_selections": len(poll.options),
            "answers": answers,
        },
        "org.matrix.msc1767.text": fallback,
        "body": fallback,
    }


def native_poll_end(poll: Poll, summary: str, outcome: Outcome | None = None) -> dict[str, Any]:
    """The poll end event; its text carries the winner and the full tally (yes and maybe per
    option, however they were given), which is what Element shows as the final result."""
    tally = ""
    if outcome is not None:
        tally = " " + "; ".join(
            f"{c.option.number}. {format_when(c.option.when)}: {len(c.yes)} yes, {len(c.maybe)} maybe"
            for c in outcome.counts
        )
    text = f"The poll {isolate(poll.title)} has ended. {summary}{tally}"
    return {
        "m.relates_to": {"rel_type": "m.reference", "event_id": poll.poll_event_id},
        "org.matrix.msc3381.poll.end": {},
        "org.matrix.msc1767.text": text,
        "body": text,
    }


def render_results(
    poll: Poll, outcome: Outcome, not_voted: Sequence[str], name: Name, other_zone: str | None = None
) -> str:
    rows = []
    for count in outcome.counts:
        who = [bdi(name(u)) for u in count.yes] + [f"{bdi(name(u))} (maybe)" for u in count.maybe]
        rows.append(
            f"<tr><td>{option_line(count.option, other_zone)}</td><td>{len(count.yes)}</td>"
            f"<td>{len(count.maybe)}</td><td>{', '.join(who) or '–'}</td></tr>"
        )
    table = f"<table><tr><th>Option</th><th>Yes</th><th>Maybe</th><th>Who</th></tr>{''.join(rows)}</table>"
    state = "open" if poll.is_open else "closed"
    closes = ""
    if poll.is_open and poll.closes_at is not None:
        closes = f", closes {h(format_time(poll.closes_at, poll.zone, other_zone=other_zone))}"
    missing = ", ".join(bdi(name(u)) for u in not_voted) or "nobody"
    return f"<b>{poll.ref}: {bdi(poll.title)}</b> ({state}{closes})<br>{table}Not voted yet: {missing}"


def winner_summary(outcome: Outcome) -> str:
    """One plain line for the poll end event's fallback."""
    if not outcome.winners:
        return "Nobody voted for any option."
    if outcome.is_tie:
        return "Tie between " + " and ".join(format_when(o.when) for o in outcome.winners) + "."
    picked = " (picked from a tie)" if outcome.picked_from else ""
    return f"Winner: {format_when(outcome.winners[0].when)}{picked}."


def winner_change(before: Outcome, after: Outcome) -> str:
    """How the result moved, in a few plain words: "The winner is still 2. Tue 2 Mar …"."""

    def said(outcome: Outcome) -> str:
        if not outcome.winners:
            return "no winner"
        if outcome.is_tie:
            return "a tie between options " + ", ".join(str(o.number) for o in outcome.winners)
        return option_plain(outcome.winners[0])

    if [o.number for o in before.winners] == [o.number for o in after.winners]:
        return f"The result is unchanged: {said(after)}."
    return f"The result is now {said(after)} (was {said(before)})."


def option_plain(option: Option) -> str:
    return f"option {option.number}, {format_when(option.when)}"


def pills(users: Sequence[str], name: Name) -> str:
    return ", ".join(pill(u, name(u)) for u in users)


def render_announcement(
    poll: Poll, outcome: Outcome, voters: Sequence[str], name: Name, note: str, prefix: str
) -> str:
    """The result, ending with the voters as pills (they are mentioned, so they hear of it).
    A tie says how its organiser can settle it."""

    def votes(option: Option) -> str:
        count = next(c for c in outcome.counts if c.option.number == option.number)
        return f"{len(count.yes)} yes, {len(count.maybe)} maybe"

    title = f"<b>{poll.ref}: {bdi(poll.title)}</b> is closed{h(note)}."
    voted = f"<br>Voted: {pills(voters, name)}" if voters else ""
    if not outcome.winners:
        return f"{title}<br>Nobody voted for any option, so there is no winner.{voted}"
    if outcome.is_tie:
        tied = "".join(f"<br>{option_line(o)} ({votes(o)})" for o in outcome.winners)
        ways = tie_ways(poll, outcome, name(poll.creator), prefix)
        return f"{title}<br>It is a tie between:{tied}<br>{ways}{voted}"
    winner = outcome.winners[0]
    picked = (
        f" (picked by {bdi(name(poll.creator))} from the tie between options "
        f"{', '.join(str(o.number) for o in outcome.picked_from)})"
        if outcome.picked_from
        else ""
    )
    return f"{title}<br>Winner: {option_line(winner)} ({votes(winner)}){picked}{voted}"


def tie_ways(poll: Poll, outcome: Outcome, organiser: str, prefix: str) -> str:
    """The ways out of a tie, for its organiser (or a room admin)."""
    first = outcome.winners[0].number
    return (
        f"{bdi(organiser)} (or a room admin) can settle it: pick one with "
        f"<code>{h(prefix)}poll pick {poll.ref} {first}</code>, schedule one straight away with "
        f"<code>{h(prefix)}meeting from-poll {poll.ref} {first}</code>, or ask again between the tied "
        f"options only with <code>{h(prefix)}poll runoff {poll.ref}</code>."
    )


def too_late(poll: Poll, sent: str, closed: str) -> str:
    """A vote sent after the poll closed (plain text)."""
    return f"{poll.ref} closed {closed}; your vote, sent {sent}, was not counted."


def render_correction(poll: Poll, voter: str, before: Outcome, after: Outcome) -> str:
    """One line when a vote sent before the close reached the bot after the result was posted."""
    return (
        f"{bdi(voter)}'s vote in {poll.ref} was sent before it closed but reached me late; it now "
        f"counts, and the result above is corrected. {h(winner_change(before, after))}"
    )


def render_reminder(poll: Poll, not_voted: Sequence[str], name: Name, moved: str, prefix: str) -> str:
    """The nudge to non-voters; `moved` says when it was moved to working hours ("" when not)."""
    closes = f" It closes {h(format_time(poll.closes_at, poll.zone))}." if poll.closes_at else ""
    note = f" (reminder {h(moved)})" if moved else ""
    return (
        f"{pills(not_voted, name)}: please vote in <b>{poll.ref}: {bdi(poll.title)}</b>{note}.{closes} "
        f"Tick the poll, react to its options, or say <code>{h(prefix)}vote {poll.ref} {vote_example(len(poll.options))}</code>."
    )


def render_open_polls(polls: Sequence[Poll], voters: dict[int, int]) -> str:
    if not polls:
        return "There are no open polls in this room."
    items = []
    for poll in polls:
        closes = f", closes {h(format_time(poll.closes_at, poll.zone))}" if poll.closes_at else ""
        items.append(
            f"<li>{poll.ref}: {bdi(poll.title)} ({len(poll.options)} options, {voters.get(poll.id, 0)} voted{closes})</li>"
        )
    return f"Open polls:<ul>{''.join(items)}</ul>"


def render_busy(entries: Sequence[tuple[int, str, When]], prefix: str) -> str:
    if not entries:
        return f"No busy dates in this room. Add one with <code>{h(prefix)}busy add NAME DATES</code>."
    items = "".join(
        f"<li>{number}. {bdi(title)}: {h(format_when(when))}</li>" for number, title, when in entries
    )
    return f"Busy dates of this room:<ul>{items}</ul>"


def vote_example(count: int) -> str:
    """Choices for an example `!vote` that name only options the poll has: "1 3 maybe 5", "1 maybe 2"."""
    yes = "1 3" if count >= 4 else "1"
    return f"{yes} maybe {min(count, 5)}"
