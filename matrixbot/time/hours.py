"""Working hours: when a room may be nudged, and the next working moment after any time.

A room sets its hours as people type them (`Mon-Fri 09:00-18:00`, `Sun-Thu 8am-4pm`, `off`);
`parse_working_hours` reads them and `WorkingHours.text` writes them back in a form it reads
again. Wall times are worked out in the room's zone with `localize`, so 09:00 stays 09:00 across
a clock change. Moments are compared in UTC: Python compares two times of one zone by their wall
clock, which is wrong in the autumn fold.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from matrixbot.errors import UserError
from matrixbot.i18n import N_, _
from matrixbot.time.format import DAY_ABBR, WEEKDAY_FORMS, day_name, localize, shorten, transition_near

__all__ = [
    "DEFAULT_HOURS",
    "Scheduled",
    "WorkingHours",
    "before_deadline",
    "moved_note",
    "on_working_day",
    "parse_working_hours",
    "quiet",
]

DEFAULT_HOURS = "Mon-Fri 09:00-18:00"
MAX_HOURS_TEXT = 100
"""Longer text is refused before it is read: a setting, not an essay."""
_FORMAT = N_("Write days and hours, like '{hours}' or 'Sun-Thu 8am-4pm', or 'off'.")
_CLOCK = re.compile(r"(?P<h>[0-9]{1,2})(?::(?P<m>[0-9]{2}))?(?P<ap>am|pm)?")
_SPAN = re.compile(r"(?P<days>.*?)\s*(?P<start>[0-9][0-9:apm]*)-(?P<end>[0-9][0-9:apm]*)")
_ALL_DAYS = {"daily": range(7), "weekdays": range(5), "weekends": range(5, 7)}


@dataclass(frozen=True)
class WorkingHours:
    """Days (Monday 0) and the hours of each of them, in minutes after midnight; `end` is after
    `start` and at most 24:00, so a working stretch never crosses midnight."""

    days: frozenset[int]
    start: int
    end: int

    @property
    def text(self) -> str:
        """ "Mon-Fri 09:00-18:00", "Mon, Wed, Fri 08:30-12:00": what `parse_working_hours` reads."""
        return f"{_days_text(self.days)} {_minutes_text(self.start)}-{_minutes_text(self.end)}"

    def _stretch(self, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The working stretch of `day` (a working day or not) as UTC times: [start, end). A start
        or end the clocks skip (in a spring-forward gap) is the moment they jump: 02:02 on the
        night Lord Howe goes from 02:00 to 02:30 is 02:30, not 02:32."""
        midnight = datetime.combine(day, time())
        return (
            _first_at_or_after(midnight + timedelta(minutes=self.start), zone),
            _first_at_or_after(midnight + timedelta(minutes=self.end), zone),
        )

    def next_working(self, moment: datetime, zone: str) -> datetime:
        """`moment` itself when it is within working hours, else the start of the next working
        stretch (in UTC). A week ahead always holds one: `days` is never empty."""
        tz, moment = ZoneInfo(zone), moment.astimezone(UTC)
        today = moment.astimezone(tz).date()
        for offset in range(8):
            day = today + timedelta(days=offset)
            if day.weekday() in self.days:
                start, end = self._stretch(day, tz)
                if moment < end:
                    return max(moment, start)
        raise AssertionError("working hours without a working day")

    def working_day(self, moment: datetime, zone: str) -> datetime:
        """The same wall-clock time on the first working day at or after `moment`'s (in UTC)."""
        tz = ZoneInfo(zone)
        wall = moment.astimezone(tz).replace(tzinfo=None)
        offset = next(n for n in range(7) if (wall + timedelta(days=n)).weekday() in self.days)
        moved, _kind = localize(wall + timedelta(days=offset), tz)
        return moved.astimezone(UTC)

    def last_start(self, moment: datetime, zone: str) -> datetime:
        """The start of the latest working stretch that starts at or before `moment` (in UTC)."""
        tz, moment = ZoneInfo(zone), moment.astimezone(UTC)
        today = moment.astimezone(tz).date()
        for offset in range(8):
            day = today - timedelta(days=offset)
            if day.weekday() in self.days:
                start, _end = self._stretch(day, tz)
                if start <= moment:
                    return start
        raise AssertionError("working hours without a working day")


@dataclass(frozen=True)
class Scheduled:
    """When something goes out (`at`), and when it would have without working hours (`planned`)."""

    at: datetime
    planned: datetime

    @property
    def moved(self) -> bool:
        return self.at != self.planned

    def to_payload(self) -> dict[str, Any]:
        """What a stored job keeps of this for its message: the planned time, only when moved (so a
        job stored before working hours existed reads as not moved)."""
        return {"planned": self.planned.timestamp()} if self.moved else {}

    @classmethod
    def from_payload(cls, at: datetime, payload: Mapping[str, Any]) -> Scheduled:
        """A job due `at`, with what `to_payload` put in its payload."""
        planned = payload.get("planned")
        return cls(at, at if planned is None else datetime.fromtimestamp(planned, UTC))


def _first_at_or_after(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first moment whose wall-clock time in `zone` is `wall` or later, in UTC."""
    moment, kind = localize(wall, zone)
    if kind == "gap":
        _left, shown = transition_near(wall, zone)
        moment, _kind = localize(shown, zone)
    return moment.astimezone(UTC)


def quiet(planned: datetime, zone: str, hours: WorkingHours | None) -> Scheduled:
    """A nudge, a scheduled question or a close: at `planned`, or the next working moment after it
    when `planned` is outside working hours (`hours` None: working hours are off)."""
    at = planned if hours is None else hours.next_working(planned, zone)
    return Scheduled(at.astimezone(UTC), planned.astimezone(UTC))


def on_working_day(planned: datetime, zone: str, hours: WorkingHours | None) -> Scheduled:
    """Something whose clock time a person chose: that time kept, on the next working day when
    `planned` falls on a day off."""
    at = planned if hours is None else hours.working_day(planned, zone)
    return Scheduled(at.astimezone(UTC), planned.astimezone(UTC))


def before_deadline(
    planned: datetime, deadline: datetime, after: datetime, zone: str, hours: WorkingHours | None
) -> Scheduled | None:
    """A reminder planned before `deadline`: moved to the next working moment, unless that is not
    before the deadline; then to the start of the last working stretch before `planned`, if that
    is after `after` (when the thing was made); else None, no reminder (it would be useless)."""
    slot = quiet(planned, zone, hours)
    if slot.at < deadline or hours is None:
        return slot
    earlier = hours.last_start(planned, zone)
    return Scheduled(earlier, slot.planned) if earlier > after else None


def moved_note(slot: Scheduled, zone: str) -> str:
    """ "moved from Saturday 01:47 to working hours" ("from 01:47" the same day); "" when not moved."""
    if not slot.moved:
        return ""
    tz = ZoneInfo(zone)
    planned, at = slot.planned.astimezone(tz), slot.at.astimezone(tz)
    if planned.date() == at.date():
        return _("moved from {time} to working hours").format(time=f"{planned:%H:%M}")
    return _("moved from {day} {time} to working hours").format(
        day=day_name(planned.weekday()), time=f"{planned:%H:%M}"
    )


def parse_working_hours(text: str) -> WorkingHours | None:
    """`Mon-Fri 09:00-18:00`, `Mon, Wed, Fri 8:30-12`, `Sun-Thu 8am-4pm`, `weekdays 9-17`; None
    for `off`. Raises UserError saying what is allowed, with an example."""
    if len(text) > MAX_HOURS_TEXT:
        raise UserError(_("That is too long for working hours.") + " " + _format())
    plain = re.sub(r"\s*(?:-|–|—|\bto\b)\s*", "-", " ".join(text.lower().split()))
    plain = re.sub(r"\bevery ?day\b", "daily", plain)
    if plain in ("off", "none", "no"):
        return None
    found = _SPAN.fullmatch(plain)
    if found is None:
        raise UserError(_("I could not read '{text}'.").format(text=shorten(text)) + " " + _format())
    if not found["days"]:
        example = f"Mon-Fri {found['start']}-{found['end']}"
        raise UserError(_("Say which days too, e.g. '{example}'.").format(example=example) + " " + _format())
    days = _read_days(found["days"])
    start, end = _read_clock(found["start"], end=False), _read_clock(found["end"], end=True)
    if end <= start < 12 * 60 and end < 12 * 60 and not found["end"].endswith("m"):
        end += 12 * 60  # "9-5": nobody works from 9 in the morning to 5 in the morning
    if end <= start:
        hours = f"{_minutes_text(start)}-{_minutes_text(end)}"
        raise UserError(
            _("The hours must end after they start, within one day: '{hours}' does not.").format(hours=hours)
            + " "
            + _format()
        )
    return WorkingHours(frozenset(days), start, end)


def _read_days(text: str) -> set[int]:
    days: set[int] = set()
    for word in re.split(r"[\s,]+|\band\b", text):
        if not word:
            continue
        if word in _ALL_DAYS:
            days.update(_ALL_DAYS[word])
            continue
        first, _dash, last = word.partition("-")
        if first not in WEEKDAY_FORMS or (last and last not in WEEKDAY_FORMS):
            said = _("'{word}' is not a day or a range of days like Mon-Fri.").format(word=shorten(word))
            raise UserError(f"{said} {_format()}")
        a, b = WEEKDAY_FORMS[first], WEEKDAY_FORMS[last or first]
        days.update((a + n) % 7 for n in range((b - a) % 7 + 1))  # Sun-Thu wraps round the week
    if not days:
        raise UserError(_("Say which days.") + " " + _format())
    return days


def _read_clock(text: str, *, end: bool) -> int:
    """Minutes after midnight of "9", "09:30", "5pm", "5:30pm"; "24:00" only as the end."""
    found = _CLOCK.fullmatch(text)
    if found:
        hour, minute = int(found["h"]), int(found["m"] or 0)
        if found["ap"]:
            hour = hour % 12 + (12 if found["ap"] == "pm" else 0) if 1 <= hour <= 12 else 99
        if minute < 60 and (hour < 24 or (end and (hour, minute) == (24, 0))):
            return hour * 60 + minute
    raise UserError(_("'{text}' is not a time of day.").format(text=shorten(text)) + " " + _format())


def _format() -> str:
    """How to write working hours, with examples."""
    return _(_FORMAT).format(hours=DEFAULT_HOURS)


def _minutes_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _days_text(days: frozenset[int]) -> str:
    """Runs of days in week order: "Mon-Fri", "Mon, Wed", "Mon-Wed, Sat, Sun"."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_ABBR[run[0]]}-{DAY_ABBR[run[-1]]}")
        else:
            parts.extend(DAY_ABBR[d] for d in run)
    return ", ".join(parts)
