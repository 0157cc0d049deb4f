"""Signup lists as plain data, and the pure logic of places, waitlists and the running order.

Who has a place is never stored: it follows from the order people joined in and the list's
capacity (`allocate`). The first `places` attendees by join order are coming, the rest wait in that
order; the same for talk slots. So a withdrawal promotes the first waiting person, a shrinking
list moves the newest to the front of the waitlist, and the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from matrixbot import UserError, When, format_ref

from .texts import _, _n

Kind = Literal["talk", "attend"]
Held = Literal["talk", "talk waitlist", "place", "waitlist"]
"""What a person holds on a list: a talk slot, a place on the talk waitlist, a place, a place on the waitlist."""
LETTER = "S"
DEFAULT_LENGTH = timedelta(hours=2)
"""How long a gathering is taken to last when `when:` gives no end and no talk slots."""
REMINDER_BEFORE = timedelta(days=1)
ALL_DAY_REMINDER = time(9, 0)
"""All-day gatherings are reminded of at this local time the day before, not at midnight."""


@dataclass(frozen=True)
class Details:
    """What the organiser says about a gathering (everything `!signup edit` can change)."""

    title: str
    when: When
    where: str | None = None
    talks: int = 0
    places: int | None = None
    closes_at: datetime | None = None
    slot: timedelta | None = None


@dataclass(frozen=True)
class SignupList:
    id: int
    room_id: str
    organiser: str
    details: Details
    event_id: str | None = None
    closed: bool = False

    @property
    def ref(self) -> str:
        return format_ref(LETTER, self.id)

    @property
    def end(self) -> datetime:
        return gathering_end(self.details)


@dataclass(frozen=True)
class Entry:
    """One person's signup: `id` is the join order; `position` the talk's place in the running order."""

    id: int
    user_id: str
    kind: Kind
    topic: str | None = None
    position: int = 0


@dataclass(frozen=True)
class Allocation:
    speakers: tuple[Entry, ...] = ()
    """Talks with a slot, in running order."""
    talk_waitlist: tuple[Entry, ...] = ()
    attendees: tuple[Entry, ...] = ()
    waitlist: tuple[Entry, ...] = ()

    @property
    def confirmed(self) -> tuple[Entry, ...]:
        return self.speakers + self.attendees

    @property
    def waiting(self) -> tuple[Entry, ...]:
        return self.talk_waitlist + self.waitlist

    def people(self) -> list[str]:
        """Everyone with a talk slot or a place, once each, in order."""
        return list(dict.fromkeys(e.user_id for e in self.confirmed))


@dataclass(frozen=True)
class Sheet:
    """A list with its entries, as read in one go."""

    signup_list: SignupList
    entries: tuple[Entry, ...] = field(default=())

    @property
    def allocation(self) -> Allocation:
        details = self.signup_list.details
        return allocate(self.entries, details.talks, details.places)

    def entry(self, user_id: str, kind: Kind) -> Entry | None:
        return next((e for e in self.entries if e.user_id == user_id and e.kind == kind), None)


@dataclass(frozen=True)
class Removal:
    """Someone an organiser (or a room admin) took off a list, and what they held there."""

    user_id: str
    removed_by: str
    held: tuple[Held, ...]
    topic: str | None = None
    """Their talk's topic, if they held a talk or waited for one."""


def holdings(sheet: Sheet, user_id: str) -> tuple[Held, ...]:
    """What `user_id` holds on the list, in the order a person reads it."""
    alloc = sheet.allocation
    groups: tuple[tuple[Held, tuple[Entry, ...]], ...] = (
        ("talk", alloc.speakers),
        ("talk waitlist", alloc.talk_waitlist),
        ("place", alloc.attendees),
        ("waitlist", alloc.waitlist),
    )
    return tuple(held for held, entries in groups if any(e.user_id == user_id for e in entries))


@dataclass(frozen=True)
class Changes:
    """Who gained a place and who lost one between two allocations."""

    promoted: tuple[Entry, ...] = ()
    demoted: tuple[Entry, ...] = ()


def allocate(entries: tuple[Entry, ...] | list[Entry], talks: int, places: int | None) -> Allocation:
    """Give slots and places by join order; speakers are then put in their running order.

    A speaker holds a place by giving a talk, whichever they asked for first: their own `attend`
    (if any) is not counted again, and leaves the waitlist (it counts again if the talk is withdrawn).
    """
    ordered = sorted(entries, key=lambda e: e.id)
    talk_entries = [e for e in ordered if e.kind == "talk"]
    speakers = sorted(talk_entries[:talks], key=lambda e: (e.position, e.id))
    speaking = {e.user_id for e in speakers}
    attend_entries = [e for e in ordered if e.kind == "attend" and e.user_id not in speaking]
    capacity = len(attend_entries) if places is None else places
    return Allocation(
        speakers=tuple(speakers),
        talk_waitlist=tuple(talk_entries[talks:]),
        attendees=tuple(attend_entries[:capacity]),
        waitlist=tuple(attend_entries[capacity:]),
    )


def changes(before: Allocation, after: Allocation) -> Changes:
    """Entries that now have a place and did not (promoted), and the reverse (demoted)."""
    had = {e.id for e in before.confirmed}
    waited = {e.id for e in before.waiting}
    return Changes(
        promoted=tuple(e for e in after.confirmed if e.id in waited),
        demoted=tuple(e for e in after.waiting if e.id in had),
    )


def reorder(speakers: tuple[Entry, ...], source: int, target: int) -> list[int]:
    """The entry ids of the running order after moving talk `source` to place `target` (1-based)."""
    count = len(speakers)
    for number in (source, target):
        if not 1 <= number <= count:
            raise UserError(
                _n(
                    "There is no talk {number}: the running order has {count} talk.",
                    "There is no talk {number}: the running order has {count} talks.",
                    count,
                ).format(number=number, count=count)
            )
    ids = [e.id for e in speakers]
    ids.insert(target - 1, ids.pop(source - 1))
    return ids


def later(moment: datetime, delta: timedelta) -> datetime:
    """`moment + delta`, held at the ends of the years datetime holds, so that a list stored for
    31 December 9999 (or year 1) is still shown."""
    try:
        return moment + delta
    except OverflowError:
        return (datetime.max if delta > timedelta(0) else datetime.min).replace(tzinfo=UTC)


def talk_starts(details: Details, count: int) -> list[datetime | None]:
    """When each talk of the running order starts: the gathering's start plus one slot per talk."""
    if details.slot is None or details.when.all_day:
        return [None] * count
    return [later(details.when.start_utc, details.slot * i) for i in range(count)]


def gathering_end(details: Details) -> datetime:
    """The end of a gathering: as given, else after its talk slots, else `DEFAULT_LENGTH` after the start."""
    when = details.when
    if when.end_utc is not None:
        return when.end_utc
    if when.all_day:
        return later(when.start_utc, timedelta(days=1))
    if details.slot is not None and details.talks:
        return later(when.start_utc, details.slot * details.talks)
    return later(when.start_utc, DEFAULT_LENGTH)


def reminder_due(when: When) -> datetime:
    """A day before the start; for an all-day gathering, `ALL_DAY_REMINDER` local time the day before."""
    if not when.all_day:
        return when.start_utc - REMINDER_BEFORE
    zone = ZoneInfo(when.zone)
    day_before = when.start.astimezone(zone).date() - REMINDER_BEFORE
    return datetime.combine(day_before, ALL_DAY_REMINDER, zone).astimezone(when.start_utc.tzinfo)


def closing_reason(signup_list: SignupList, now: datetime) -> str | None:
    """Why the list takes no new signups, or None while it does (in the language of the moment)."""
    details = signup_list.details
    if signup_list.closed:
        return _("{list} is closed.").format(list=signup_list.ref)
    if details.closes_at is not None and now >= details.closes_at:
        return _("Sign-ups for {list} have closed.").format(list=signup_list.ref)
    if now >= details.when.start_utc:
        return _("{list} has already started.").format(list=signup_list.ref)
    return None


def is_current(signup_list: SignupList, now: datetime) -> bool:
    """Open (not closed by its organiser) and not over: the lists `!signups` shows and an omitted ID means."""
    return not signup_list.closed and now < signup_list.end
