"""Date polls as plain data, and the pure logic on them: counting votes, picking the winner."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from matrixbot import Scheduled, When, WorkingHours, before_deadline


@dataclass(frozen=True)
class Option:
    """One proposed slot. `notes` are the warnings found when it was read (past, weekday);
    `clashes` the titles of the room's busy times it overlaps, checked again when those change."""

    number: int
    text: str
    when: When
    notes: tuple[str, ...] = ()
    clashes: tuple[str, ...] = ()

    @property
    def span_end(self) -> datetime:
        """The end used for overlap checks: a bare time counts as a minute."""
        return self.when.end_utc or self.when.start_utc + timedelta(minutes=1)


@dataclass(frozen=True)
class Poll:
    id: int
    room_id: str
    creator: str
    title: str
    zone: str
    created_at: datetime
    closes_at: datetime | None
    state: str
    text_event_id: str | None
    poll_event_id: str | None
    options: tuple[Option, ...] = ()
    closed_at: datetime | None = None
    """When it closed: its deadline, or when `!poll close` was sent."""
    result_event_id: str | None = None
    """The posted result, once there is one (a late vote sent in time corrects it)."""
    picked: int | None = None
    """The option its organiser picked from a tie (`!poll pick`)."""

    @property
    def ref(self) -> str:
        return f"P{self.id}"

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    def option(self, number: int) -> Option:
        for option in self.options:
            if option.number == number:
                return option
        raise KeyError(number)


@dataclass(frozen=True)
class Ballot:
    """One person's current vote: the options they said yes to and those they could do if need be."""

    user_id: str
    yes: frozenset[int] = frozenset()
    maybe: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Count:
    option: Option
    yes: tuple[str, ...] = ()
    maybe: tuple[str, ...] = ()

    @property
    def rank(self) -> tuple[int, int]:
        return (len(self.yes), len(self.maybe))


@dataclass(frozen=True)
class Outcome:
    """The counts per option and the winners: one, several (a tie), or none (nobody could come)."""

    counts: tuple[Count, ...]
    winners: tuple[Option, ...] = field(default=())
    picked_from: tuple[Option, ...] = ()
    """The tied options the one winner was picked from (`!poll pick`), or nothing."""

    @property
    def is_tie(self) -> bool:
        return len(self.winners) > 1


class Fate(Enum):
    """What becomes of a vote, by when it was sent."""

    COUNTS = "counts"
    LATE_BUT_IN_TIME = "late but in time"
    """The poll has closed since, but the vote was sent before: it counts, and the result is corrected."""
    TOO_LATE = "too late"


def fate(poll: Poll, sent: datetime) -> Fate:
    """A vote counts when it was sent before the poll closed, however late it reached the bot; one
    sent at the deadline or after it does not ("closes 5pm": 17:00:00 is too late)."""
    if poll.is_open:
        return Fate.COUNTS if poll.closes_at is None or sent < poll.closes_at else Fate.TOO_LATE
    if poll.closed_at is not None and sent < poll.closed_at:
        return Fate.LATE_BUT_IN_TIME
    return Fate.TOO_LATE


def count_votes(options: Sequence[Option], ballots: Iterable[Ballot], picked: int | None = None) -> Outcome:
    """Most yes wins, then most maybe; options equal on both are a tie, listed earliest first.
    `picked` settles a tie (the organiser's choice among the tied options)."""
    ballots = list(ballots)
    counts = tuple(
        Count(
            option,
            tuple(sorted(b.user_id for b in ballots if option.number in b.yes)),
            tuple(sorted(b.user_id for b in ballots if option.number in b.maybe)),
        )
        for option in options
    )
    best = max((c.rank for c in counts), default=(0, 0))
    if best == (0, 0):
        return Outcome(counts)
    winners = sorted((c.option for c in counts if c.rank == best), key=lambda o: o.when.start_utc)
    chosen = [o for o in winners if o.number == picked]
    if chosen and len(winners) > 1:
        return Outcome(counts, tuple(chosen), tuple(winners))
    return Outcome(counts, tuple(winners))


def duplicates(options: Sequence[Option]) -> dict[int, int]:
    """Options that repeat an earlier one (same start and end): number → the earlier number."""
    seen: dict[tuple[datetime, datetime | None, bool], int] = {}
    found: dict[int, int] = {}
    for option in options:
        key = (option.when.start_utc, option.when.end_utc, option.when.all_day)
        if key in seen:
            found[option.number] = seen[key]
        else:
            seen[key] = option.number
    return found


def reminder_time(
    created_at: datetime, closes_at: datetime, zone: str, hours: WorkingHours | None
) -> Scheduled | None:
    """When to nudge non-voters: a day before the deadline, or halfway for polls shorter than two days;
    outside working hours, at the next working time before the deadline, else at the start of the
    last working hours before it; None when there is no such time after the poll was made.

    The deadline itself is a time a person set: it never moves."""
    if closes_at <= created_at:
        return None
    if closes_at - created_at >= timedelta(days=2):
        planned = closes_at - timedelta(days=1)
    else:
        planned = created_at + (closes_at - created_at) / 2
    return before_deadline(planned, closes_at, created_at, zone, hours)


def native_ballot(user_id: str, answers: Sequence[str], count: int) -> Ballot | None:
    """A native poll response replaces the whole vote with its ticked options as yes.

    Answer ids outside the poll are no vote; an empty answer list clears the vote's options.
    """
    chosen = {int(a) for a in answers if a.isascii() and a.isdigit() and 1 <= int(a) <= count}
    if answers and not chosen:
        return None
    return Ballot(user_id, frozenset(chosen))
