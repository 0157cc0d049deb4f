"""Pure HTML rendering of polls, results and busy dates; every value a user gave goes through bdi() (plain text: isolate()), any other text through h()."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from matrixbot import When, all_of, bdi, format_time, format_when, h, isolate, pill

from .model import Option, Outcome, Poll, duplicates
from .parse import KEYCAPS
from .texts import _, _n, texts

MAX_NAMED = 20
"""At most this many members are named as not having voted in the live tally (then "and N more")."""

Name = Callable[[str], str]
"""Display name of a user in the room."""


def option_line(option: Option, other_zone: str | None = None) -> str:
    return f"{option.number}. {h(format_when(option.when, other_zone=other_zone))}"


def option_flags(option: Option, poll_options: Sequence[Option]) -> list[str]:
    """The warnings of one option: those found when it was read (said as they were then; "in the
    past" in the language of now), the room's busy times it overlaps (checked again when they
    change), and repeating another option."""
    flags = [_(note) for note in option.notes]
    clashes = [_("clashes with {title}").format(title=title) for title in option.clashes]
    flags += [c for c in clashes if c not in flags]
    earlier = duplicates(poll_options).get(option.number)
    if earlier is not None:
        flags.append(_("the same as option {n}").format(n=earlier))
    return flags


def votes(yes: int, maybe: int) -> str:
    """ "2 yes, 1 maybe"."""
    return _("{yes} yes, {maybe} maybe").format(yes=yes, maybe=maybe)


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
        tally = f" — {votes(len(count.yes), len(count.maybe))}" if count is not None else ""
        lines.append(f"{option_line(option)}{tally}{warn}")
    closes = ""
    if poll.closes_at is not None:
        closes = "<br>" + _("Closes {when}.").format(when=h(format_time(poll.closes_at, poll.zone)))
    caps = f"{KEYCAPS[0]}…{KEYCAPS[min(len(poll.options), len(KEYCAPS)) - 1]}"
    flagged = any(option_flags(o, poll.options) for o in poll.options)
    fix = ""
    if flagged:
        # TRANSLATORS: the placeholder a member replaces with the option's new wording
        wording = _("NEW OPTION")
        fix = "<br>" + _("To change an option: {command}").format(
            command=f"<code>{h(prefix)}poll fix {poll.ref} N {h(wording)}</code>"
        )
    head = f"<b>{poll.ref}: {bdi(poll.title)}</b><br>{'<br>'.join(lines)}"
    if not poll.is_open:
        result = f"<br>{h(winner_summary(outcome))}" if outcome is not None else ""
        return f"{head}<br>" + _("Closed; votes are no longer counted.") + result
    waiting = ""
    if outcome is not None:
        shown = [bdi(name(u) if name else u) for u in not_voted[:MAX_NAMED]]
        if len(not_voted) > MAX_NAMED:
            rest = len(not_voted) - MAX_NAMED
            who = _n("{names} and {n} more", "{names} and {n} more", rest).format(
                names=", ".join(shown), n=rest
            )
        else:
            who = ", ".join(shown) or _("nobody")
        waiting = "<br>" + _("Not voted yet: {who}").format(who=who)
    how = _(
        "Ticks in the poll below, reactions {keycaps} on this message and {command} all count; your "
        "latest vote replaces your earlier one. In Element Web the poll takes one tick: react with the "
        "numbers or say {vote} to choose several."
    ).format(
        keycaps=caps,
        command=f"<code>{h(prefix)}vote {poll.ref} {vote_example(len(poll.options))}</code>",
        vote=f"<code>{h(prefix)}vote</code>",
    )
    return f"{head}{closes}{waiting}<br>{how}{fix}"


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
            f"{c.option.number}. {format_when(c.option.when)}: {votes(len(c.yes), len(c.maybe))}"
            for c in outcome.counts
        )
    text = _("The poll {title} has ended.").format(title=isolate(poll.title)) + f" {summary}{tally}"
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
        maybe = [_("{name} (maybe)").format(name=bdi(name(u))) for u in count.maybe]
        who = [bdi(name(u)) for u in count.yes] + maybe
        rows.append(
            f"<tr><td>{option_line(count.option, other_zone)}</td><td>{len(count.yes)}</td>"
            f"<td>{len(count.maybe)}</td><td>{', '.join(who) or '–'}</td></tr>"
        )
    header = "".join(f"<th>{h(column)}</th>" for column in (_("Option"), _("Yes"), _("Maybe"), _("Who")))
    table = f"<table><tr>{header}</tr>{''.join(rows)}</table>"
    if poll.is_open and poll.closes_at is not None:
        closes = h(format_time(poll.closes_at, poll.zone, other_zone=other_zone))
        state = _("open, closes {when}").format(when=closes)
    else:
        state = _("open") if poll.is_open else _("closed")
    missing = ", ".join(bdi(name(u)) for u in not_voted) or _("nobody")
    waiting = _("Not voted yet: {who}").format(who=missing)
    return f"<b>{poll.ref}: {bdi(poll.title)}</b> ({state})<br>{table}{waiting}"


def winner_summary(outcome: Outcome) -> str:
    """One plain line for the poll end event's fallback."""
    if not outcome.winners:
        return _("Nobody voted for any option.")
    if outcome.is_tie:
        return _("Tie between {options}.").format(
            options=all_of(format_when(o.when) for o in outcome.winners)
        )
    if outcome.picked_from:
        return _("Winner: {option} (picked from a tie).").format(option=format_when(outcome.winners[0].when))
    return _("Winner: {option}.").format(option=format_when(outcome.winners[0].when))


def winner_change(before: Outcome, after: Outcome) -> str:
    """How the result moved, in a few plain words: "The winner is still 2. Tue 2 Mar …"."""

    def said(outcome: Outcome) -> str:
        if not outcome.winners:
            return _("no winner")
        if outcome.is_tie:
            return _("a tie between options {numbers}").format(
                numbers=", ".join(str(o.number) for o in outcome.winners)
            )
        return option_plain(outcome.winners[0])

    if [o.number for o in before.winners] == [o.number for o in after.winners]:
        return _("The result is unchanged: {result}.").format(result=said(after))
    return _("The result is now {result} (was {before}).").format(result=said(after), before=said(before))


def option_plain(option: Option) -> str:
    return _("option {n}, {when}").format(n=option.number, when=format_when(option.when))


def pills(users: Sequence[str], name: Name) -> str:
    return ", ".join(pill(u, name(u)) for u in users)


def render_announcement(
    poll: Poll, outcome: Outcome, voters: Sequence[str], name: Name, note: str, prefix: str
) -> str:
    """The result, ending with the voters as pills (they are mentioned, so they hear of it).
    A tie says how its organiser can settle it."""

    def counted(option: Option) -> str:
        count = next(c for c in outcome.counts if c.option.number == option.number)
        return votes(len(count.yes), len(count.maybe))

    title = _("{poll} is closed{note}.").format(poll=f"<b>{poll.ref}: {bdi(poll.title)}</b>", note=h(note))
    voted = "<br>" + _("Voted: {voters}").format(voters=pills(voters, name)) if voters else ""
    if not outcome.winners:
        return f"{title}<br>" + _("Nobody voted for any option, so there is no winner.") + voted
    if outcome.is_tie:
        tied = "".join(f"<br>{option_line(o)} ({counted(o)})" for o in outcome.winners)
        ways = tie_ways(poll, outcome, name(poll.creator), prefix)
        return f"{title}<br>" + _("It is a tie between:") + f"{tied}<br>{ways}{voted}"
    winner = outcome.winners[0]
    picked = ""
    if outcome.picked_from:
        picked = " " + _("(picked by {organiser} from the tie between options {numbers})").format(
            organiser=bdi(name(poll.creator)), numbers=", ".join(str(o.number) for o in outcome.picked_from)
        )
    won = _("Winner: {option} ({votes})").format(option=option_line(winner), votes=counted(winner))
    return f"{title}<br>{won}{picked}{voted}"


def tie_ways(poll: Poll, outcome: Outcome, organiser: str, prefix: str) -> str:
    """The ways out of a tie, for its organiser (or a room admin)."""
    first = outcome.winners[0].number
    return _(
        "{organiser} (or a room admin) can settle it: pick one with {pick}, schedule one straight away "
        "with {meeting}, or ask again between the tied options only with {runoff}."
    ).format(
        organiser=bdi(organiser),
        pick=f"<code>{h(prefix)}poll pick {poll.ref} {first}</code>",
        meeting=f"<code>{h(prefix)}meeting from-poll {poll.ref} {first}</code>",
        runoff=f"<code>{h(prefix)}poll runoff {poll.ref}</code>",
    )


def too_late(poll: Poll, sent: str, closed: str) -> str:
    """A vote sent after the poll closed (plain text)."""
    return _("{poll} closed {closed}; your vote, sent {sent}, was not counted.").format(
        poll=poll.ref, closed=closed, sent=sent
    )


def render_correction(poll: Poll, voter: str, before: Outcome, after: Outcome) -> str:
    """One line when a vote sent before the close reached the bot after the result was posted."""
    said = _(
        "{voter}'s vote in {poll} was sent before it closed but reached me late; it now counts, and "
        "the result above is corrected."
    ).format(voter=bdi(voter), poll=poll.ref)
    return f"{said} {h(winner_change(before, after))}"


def render_reminder(poll: Poll, not_voted: Sequence[str], name: Name, moved: str, prefix: str) -> str:
    """The nudge to non-voters; `moved` says when it was moved to working hours ("" when not)."""
    closes = ""
    if poll.closes_at:
        closes = " " + _("It closes {when}.").format(when=h(format_time(poll.closes_at, poll.zone)))
    note = " " + _("(reminder {moved})").format(moved=h(moved)) if moved else ""
    please = _("{people}: please vote in {poll}{note}.").format(
        people=pills(not_voted, name), poll=f"<b>{poll.ref}: {bdi(poll.title)}</b>", note=note
    )
    how = _("Tick the poll, react to its options, or say {command}.").format(
        command=f"<code>{h(prefix)}vote {poll.ref} {vote_example(len(poll.options))}</code>"
    )
    return f"{please}{closes} {how}"


def render_open_polls(polls: Sequence[Poll], voters: dict[int, int]) -> str:
    if not polls:
        return _("There are no open polls in this room.")
    items = []
    for poll in polls:
        options = _n("{n} option", "{n} options", len(poll.options)).format(n=len(poll.options))
        voted = _n("{n} voted", "{n} voted", voters.get(poll.id, 0)).format(n=voters.get(poll.id, 0))
        closes = ""
        if poll.closes_at:
            closes = ", " + _("closes {when}").format(when=h(format_time(poll.closes_at, poll.zone)))
        items.append(f"<li>{poll.ref}: {bdi(poll.title)} ({options}, {voted}{closes})</li>")
    return _("Open polls:") + f"<ul>{''.join(items)}</ul>"


def render_busy(entries: Sequence[tuple[int, str, When]], prefix: str) -> str:
    if not entries:
        return _("No busy dates in this room. Add one with {command}.").format(
            command=f"<code>{h(prefix)}busy add NAME DATES</code>"
        )
    items = "".join(
        f"<li>{number}. {bdi(title)}: {h(format_when(when))}</li>" for number, title, when in entries
    )
    return _("Busy dates of this room:") + f"<ul>{items}</ul>"


def vote_example(count: int) -> str:
    """Choices for an example `!vote` that name only options the poll has: "1 3 maybe 5", "1 maybe 2"
    (the keyword as the language says it: "1 3 vielleicht 5")."""
    yes = "1 3" if count >= 4 else "1"
    maybe = texts.keyword_said("maybe")
    return f"{yes} {maybe} {min(count, 5)}"
