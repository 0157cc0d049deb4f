"""Check-in rounds as plain data, and the pure rules: who counts as answered, silent, away or quiet."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from matrixbot import Scheduled, WorkingHours, before_deadline, localize, on_working_day, quiet

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
    clock_fixed: bool = False
    """The organiser set the clock time of the repeats (`at:`): rounds keep it, moving only off days off."""


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


def asked_now(users: Iterable[str], members: dict[str, Member], now: datetime) -> list[Asked]:
    """The members to ask in a round opening now, each marked away when they are away now."""
    result = []
    for user in users:
        away = members[user].away_until if user in members else None
        result.append(Asked(user, away if away is not None and away > now else None))
    return result


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


def repeats_from(now: datetime, zone: str, at: time | None) -> datetime:
    """When a series' repeats count from: the first round's date, at `at` when a clock time is given
    (even if that is earlier than now), else now. Round n opens `every` × (n-1) after it.

    Rounds that fall outside the room's working hours are moved when they are scheduled
    (`next_opening`), so the count itself never shifts: every round stays near its date."""
    if at is None:
        return now
    tz = ZoneInfo(zone)
    first, _ = localize(datetime.combine(now.astimezone(tz).date(), at), tz)
    return first


@dataclass(frozen=True)
class RoundTimes:
    """When a round's nudge and close go out; no nudge when working hours would put it at the close."""

    nudge: Scheduled | None
    close: Scheduled


def round_times(opened_at: datetime, series: Series, zone: str, hours: WorkingHours | None) -> RoundTimes:
    """A round's close (`closes:` after it opened) and nudge (`nudge:` after), each moved to the next
    working time when it falls outside working hours. A nudge that would then come with the close
    or after it goes at the start of the last working stretch before, if the round was open then."""
    close = quiet(opened_at + series.closes, zone, hours)
    nudge = before_deadline(opened_at + series.nudge, close.at, opened_at, zone, hours)
    return RoundTimes(nudge, close)


def next_opening(
    series: Series, every: relativedelta, number: int, zone: str, hours: WorkingHours | None
) -> Scheduled:
    """When round `number` of a repeating series opens: its occurrence, moved to the next working
    time when outside working hours; with `at:` the clock time is kept and only a day off moves."""
    planned = occurrence(series.first_at, series.zone, every, number)
    return on_working_day(planned, zone, hours) if series.clock_fixed else quiet(planned, zone, hours)


def occurrence(first_at: datetime, zone: str, every: relativedelta, number: int) -> datetime:
    """When round `number` (1 is the first) of a repeating series opens: same wall-clock time in its zone."""
    tz = ZoneInfo(zone)
    wall = first_at.astimezone(tz).replace(tzinfo=None) + every * (number - 1)
    moment, _ = localize(wall, tz)
    return moment
