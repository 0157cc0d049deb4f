"""Meetings and simple reminders as plain data, and the pure logic of when their reminders fall due."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from matrixbot import Recurrence

DEFAULT_REMIND = (timedelta(days=1), timedelta(minutes=10))
DEFAULT_BUSY = timedelta(hours=1)
"""How long a meeting without a duration is taken to last, for clash checks."""
SECRET = "••••••"
THUMBS_UP = "👍"
_MAX_OCCURRENCES = 500


@dataclass(frozen=True)
class MeetingFields:
    """What the body lines said; only the keys in `given` were written."""

    given: frozenset[str]
    title: str | None = None
    start: datetime | None = None
    zone: str | None = None
    duration: timedelta | None = None
    url: str | None = None
    code: str | None = None
    remind: tuple[timedelta, ...] = DEFAULT_REMIND
    notify: tuple[str, ...] = ()
    notify_room: bool = False
    notify_organiser: bool = True
    """False after `notify: none` or `notify: only …`: the organiser is not mentioned."""
    repeat: Recurrence | None = None
    reveal: timedelta | None = None


@dataclass(frozen=True)
class Meeting:
    id: int
    room_id: str
    organiser: str
    title: str
    first_at: datetime
    """The first occurrence (aware): sets the zone's wall-clock time of every repeat."""
    next_at: datetime
    """The occurrence the reminders are scheduled for."""
    zone: str
    duration: timedelta | None
    url: str | None
    code: str | None
    code_revealed: bool
    reveal: timedelta | None
    remind: tuple[timedelta, ...]
    notify: tuple[str, ...]
    notify_room: bool
    repeat: Recurrence | None
    generation: int
    confirm_event: str | None = None
    state: str = "active"
    notify_organiser: bool = True

    @property
    def ref(self) -> str:
        return f"M{self.id}"

    @property
    def reveal_before(self) -> timedelta:
        """How long before the start the code is posted: `reveal:`, else with the last reminder."""
        if self.reveal is not None:
            return self.reveal
        return min(self.remind, default=timedelta(0))

    def following(self, after: datetime) -> datetime | None:
        """The occurrence strictly after `after`, or None for a one-off meeting."""
        if self.repeat is None:
            return None
        return self.repeat.next_after(self.first_at.astimezone(ZoneInfo(self.zone)), after)

    def end_of(self, start: datetime) -> datetime:
        return start + (self.duration or DEFAULT_BUSY)


def new_meeting(fields: MeetingFields, room_id: str, organiser: str, title: str) -> Meeting:
    """A meeting from parsed fields (`start` and `zone` set); its id is given when it is stored."""
    assert fields.start is not None and fields.zone is not None
    first = first_occurrence(fields.start, fields.repeat)
    return Meeting(
        id=0,
        room_id=room_id,
        organiser=organiser,
        title=title,
        first_at=first,
        next_at=first,
        zone=fields.zone,
        duration=fields.duration,
        url=fields.url,
        code=fields.code,
        code_revealed=False,
        reveal=fields.reveal,
        remind=fields.remind,
        notify=fields.notify,
        notify_room=fields.notify_room,
        notify_organiser=fields.notify_organiser,
        repeat=fields.repeat,
        generation=1,
    )


def apply_edit(meeting: Meeting, fields: MeetingFields) -> Meeting:
    """The meeting with the fields written in an edit changed; a new time or repeat re-anchors it."""
    given = fields.given
    edited = replace(
        meeting,
        title=meeting.title if fields.title is None else fields.title,
        duration=fields.duration if "duration" in given else meeting.duration,
        url=fields.url if "url" in given else meeting.url,
        remind=fields.remind if "remind" in given else meeting.remind,
        repeat=fields.repeat if "repeat" in given else meeting.repeat,
        reveal=fields.reveal if "reveal" in given else meeting.reveal,
    )
    if "notify" in given:
        edited = replace(
            edited,
            notify=fields.notify,
            notify_room=fields.notify_room,
            notify_organiser=fields.notify_organiser,
        )
    if "code" in given:
        edited = replace(edited, code=fields.code, code_revealed=False)
    if "when" in given or "repeat" in given:
        start = fields.start or meeting.next_at
        zone = fields.zone or meeting.zone
        first = first_occurrence(start.astimezone(ZoneInfo(zone)), edited.repeat)
        edited = replace(edited, first_at=first, next_at=first, zone=zone)
    return edited


def mentioned(meeting: Meeting, subscribers: Iterable[str]) -> list[str]:
    """Whom a meeting's reminders mention, each once: its organiser (unless `notify: none` or
    `notify: only …`), the `notify:` people, then whoever reacted 👍 to its confirmation (they
    asked for it, so `none` does not drop them)."""
    organiser = (meeting.organiser,) if meeting.notify_organiser else ()
    return list(dict.fromkeys((*organiser, *meeting.notify, *subscribers)))


@dataclass(frozen=True)
class Slot:
    """One reminder of one occurrence: due `before` the start; `shows_code` once the code is out."""

    occurrence: datetime
    before: timedelta
    shows_code: bool

    @property
    def due(self) -> datetime:
        """When it goes out; the earliest moment there is, for one that would fall before year 1."""
        try:
            return self.occurrence - self.before
        except OverflowError:
            return datetime.min.replace(tzinfo=UTC)


def slots_for(meeting: Meeting, occurrence: datetime, now: datetime) -> list[Slot]:
    """The reminders of `occurrence` still to come, earliest first.

    The code goes out with every reminder from its reveal time on; when `reveal:` falls between
    reminders (or a code is set without any reminder), the reveal gets a post of its own, and a
    code set after its reveal time (but before the start) is posted at once.
    """
    offsets = set(meeting.remind)
    if meeting.code:
        offsets.add(meeting.reveal_before)
    slots = [Slot(occurrence, before, before <= meeting.reveal_before) for before in offsets]
    slots = [s for s in slots if s.due > now]
    if (
        meeting.code
        and not meeting.code_revealed
        and Slot(occurrence, meeting.reveal_before, True).due <= now < occurrence
    ):
        # the code came after its reveal time (set on the day, shortly before the call): post it now
        slots.append(Slot(occurrence, occurrence - now, True))
    return sorted(slots, key=lambda s: s.due)


def slot_key(meeting_id: int, generation: int, slot: Slot) -> str:
    """A job key unique per meeting, schedule generation, occurrence and reminder."""
    return (
        f"m{meeting_id}:g{generation}:{int(slot.occurrence.timestamp())}:{int(slot.before.total_seconds())}"
    )


def start_key(meeting_id: int, generation: int, occurrence: datetime) -> str:
    """The key of the job that moves a meeting on to its next occurrence when this one starts."""
    return f"m{meeting_id}:g{generation}:{int(occurrence.timestamp())}:start"


def first_occurrence(start: datetime, repeat: Recurrence | None) -> datetime:
    """The first occurrence on or after `start` that fits the repeat ("every first Tuesday")."""
    if repeat is None:
        return start
    return repeat.next_after(start, start - timedelta(seconds=1))


def occurrences_between(meeting: Meeting, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """(start, end) of each occurrence from `next_at` on that overlaps [start, end)."""
    found: list[tuple[datetime, datetime]] = []
    occurrence: datetime | None = meeting.next_at
    while occurrence is not None and occurrence < end and len(found) < _MAX_OCCURRENCES:
        finish = meeting.end_of(occurrence)
        if finish > start:
            found.append((occurrence, finish))
        occurrence = meeting.following(occurrence)
    return found


@dataclass(frozen=True)
class SimpleReminder:
    id: int
    room_id: str
    creator: str
    text: str
    due_at: datetime
    zone: str
    repeat: Recurrence | None
    first_at: datetime
    confirm_event: str | None = None
    state: str = "active"

    @property
    def ref(self) -> str:
        return f"R{self.id}"

    def following(self, after: datetime) -> datetime | None:
        if self.repeat is None:
            return None
        return self.repeat.next_after(self.first_at.astimezone(ZoneInfo(self.zone)), after)


def reminder_key(reminder_id: int, due: datetime) -> str:
    return f"r{reminder_id}:{int(due.timestamp())}"


def is_thumbs_up(key: str) -> bool:
    """👍 with or without a skin tone or variation selector."""
    return key.startswith(THUMBS_UP)
