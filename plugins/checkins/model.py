"""Check-in rounds as plain data, and the pure rules: who counts as answered, silent, away or quiet."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from matrixbot import localize

MENTION_BATCH = 20
"""At most this many people are mentioned in one message, so a big room is not one wall of pings."""


@dataclass(frozen=True)
class Series:
    """What `!checkin start` set up: the question and its schedule; one-off rounds have no `every`."""

    id: int
    room_id: str
    organiser: str
    question: str
    who: tuple[str, ...] | None
    """The users asked, or None for the room's members at the time of each round."""
    every: str | None
    nudge: timedelta
    closes: timedelta
    zone: str
    first_at: datetime
    stopped: bool


@dataclass(frozen=True)
class Round:
    """One round of a series: opened at a time, closing at a time, asked with one message."""

    id: int
    series: Series
    number: int
    opened_at: datetime
    closes_at: datetime
    event_id: str | None
    closed: bool
    summary_event_id: str | None = None
    """The summary posted at its close (an answer sent in time that arrives later corrects it)."""

    @property
    def ref(self) -> str:
        return f"C{self.id}"

    def open_at(self, moment: datetime) -> bool:
        """Whether an answer sent at `moment` counts: sent while the round was open."""
        return self.opened_at <= moment < self.closes_at

    @property
    def room_id(self) -> str:
        return self.series.room_id

    @property
    def nudge_at(self) -> datetime:
        return self.opened_at + self.series.nudge


@dataclass(frozen=True)
class Asked:
    """A member asked in a round; `away_until` is set when they were away during it."""

    user_id: str
    away_until: datetime | None = None


@dataclass(frozen=True)
class Answer:
    user_id: str
    answered_at: datetime
    note: str
    via: str
    event_id: str


@dataclass(frozen=True)
class Member:
    """What a member told the bot about themselves in a room."""

    user_id: str
    org: str | None = None
    opted_out: bool = False
    away_until: datetime | None = None


@dataclass(frozen=True)
class MemberState:
    """One line of a round's status: a member and where they stand."""

    user_id: str
    name: str
    org: str | None
    answer: Answer | None
    opted_out: bool
    away_until: datetime | None
    possibly_inactive: bool


def latest_answers(answers: Iterable[Answer]) -> dict[str, Answer]:
    """Each member's latest answer (by time, then by arrival): the one that counts."""
    latest: dict[str, Answer] = {}
    for answer in answers:
        current = latest.get(answer.user_id)
        if current is None or answer.answered_at >= current.answered_at:
            latest[answer.user_id] = answer
    return latest


def missed(asked: Iterable[Asked], answers: Iterable[Answer]) -> set[str]:
    """Members asked who did not answer and were not away: being away is not missing a round."""
    answered = {a.user_id for a in answers}
    return {a.user_id for a in asked if a.user_id not in answered and a.away_until is None}


def possibly_inactive(previous: Sequence[tuple[Sequence[Asked], Sequence[Answer]]]) -> set[str]:
    """Members who missed each of the last two rounds given (fewer than two rounds: nobody yet)."""
    if len(previous) < 2:
        return set()
    first, second = previous[-2:]
    return missed(*first) & missed(*second)


def to_ping(
    asked: Iterable[Asked], answers: Iterable[Answer], members: dict[str, Member], now: datetime
) -> list[str]:
    """Who a question or nudge mentions: asked, not answered, not opted out, not away now."""
    answered = {a.user_id for a in answers}
    result = []
    for entry in asked:
        member = members.get(entry.user_id, Member(entry.user_id))
        away = entry.away_until is not None and entry.away_until > now
        if entry.user_id not in answered and not member.opted_out and not away:
            result.append(entry.user_id)
    return sorted(result)


def states(
    asked: Sequence[Asked],
    answers: Sequence[Answer],
    members: dict[str, Member],
    names: dict[str, str],
    inactive: set[str],
) -> list[MemberState]:
    """Everyone asked or answering in a round, grouped by organisation, then by name."""
    latest = latest_answers(answers)
    away = {a.user_id: a.away_until for a in asked}
    users = list(dict.fromkeys([*(a.user_id for a in asked), *latest]))
    result = []
    for user in users:
        member = members.get(user, Member(user))
        result.append(
            MemberState(
                user_id=user,
                name=names.get(user, user),
                org=member.org,
                answer=latest.get(user),
                opted_out=member.opted_out,
                away_until=away.get(user),
                possibly_inactive=user in inactive and user not in latest,
            )
        )
    return sorted(result, key=lambda s: (s.org is None, (s.org or "").lower(), s.name.lower(), s.user_id))


def batches(users: Sequence[str], size: int = MENTION_BATCH) -> list[list[str]]:
    return [list(users[i : i + size]) for i in range(0, len(users), size)]


def occurrence(first_at: datetime, zone: str, every: relativedelta, number: int) -> datetime:
    """When round `number` (1 is the first) of a repeating series opens: same wall-clock time in its zone."""
    tz = ZoneInfo(zone)
    wall = first_at.astimezone(tz).replace(tzinfo=None) + every * (number - 1)
    moment, _ = localize(wall, tz)
    return moment
