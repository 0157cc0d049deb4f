"""Repeats in plain English ("every 2 weeks", "every first Tuesday", "every Monday 10am").

Occurrences keep their wall-clock time: a 15:00 meeting in London stays at 15:00 local when
British Summer Time ends, so its UTC hour moves. Each occurrence is worked out in the first
occurrence's zone as a wall time and then given the zone with fold=0 (the first of two 01:30s);
a wall time the clocks skip that day is moved forward by the gap (01:30 becomes 02:30).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta, weekday

from matrixbot.errors import TimeParseError
from matrixbot.i18n import ENGLISH, N_, _, _n, current_language, reading_languages
from matrixbot.time import vocabulary
from matrixbot.time.budget import check_text
from matrixbot.time.format import WEEKDAY_FORMS, day_name, localize, shorten

__all__ = ["Recurrence", "parse_recurrence"]

FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_UNIT_FREQ = {"day": "DAILY", "week": "WEEKLY", "fortnight": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}
_ADVERBS = {
    "daily": ("DAILY", 1),
    "weekly": ("WEEKLY", 1),
    "fortnightly": ("WEEKLY", 2),
    "monthly": ("MONTHLY", 1),
    "quarterly": ("MONTHLY", 3),
    "yearly": ("YEARLY", 1),
    "annually": ("YEARLY", 1),
}
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_NTH_WORDS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "last": -1,
}
_NTH_NAMES = {1: N_("first"), 2: N_("second"), 3: N_("third"), 4: N_("fourth"), -1: N_("last")}

_COUNTS = {"other": 2, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_WEEKDAY = "(?P<weekday>" + "|".join(sorted(WEEKDAY_FORMS, key=len, reverse=True)) + ")s?"
_CLOCK = re.compile(
    r"(?:\bat\s+)?\b(?P<h>[0-9]{1,2})(?::(?P<m>[0-9]{2}))?\s*(?P<ap>am|pm)\b"
    r"|(?:\bat\s+)?\b(?P<h24>[0-9]{1,2}):(?P<m24>[0-9]{2})\b"
    r"|\bat\s+(?P<hat>[0-9]{1,2})\b"
    r"|(?:\bat\s+)?\b(?P<noon>noon|midday)\b"
)
_EVERY_UNIT = re.compile(
    r"(?:every|each)\s+(?:(?P<n>[0-9]+|[a-z]+)\s+)?(?P<unit>day|week|fortnight|month|year)s?"
)
_ON_WEEKDAY = re.compile(rf"(?:(?:every|each)\s+)?(?:(?P<n>other|[0-9]+)\s+)?{_WEEKDAY}")
_NTH_WEEKDAY = re.compile(
    rf"(?:(?P<every>every|each|the|on\s+the)\s+)?(?P<nth>{'|'.join(_NTH_WORDS)})\s+{_WEEKDAY}"
    r"(?P<of_month>\s+(?:of|in)\s+(?:the|each|every)\s+month)?"
)
_WEEKS_ON = re.compile(
    rf"(?:(?P<adverb>weekly|fortnightly)|(?:every|each)\s+(?:(?P<n>[0-9]+|[a-z]+)\s+)?(?P<unit>week|fortnight)s?)"
    rf"\s+on\s+{_WEEKDAY}"
)
EXAMPLES = N_("Try 'weekly', 'every 2 weeks', 'every Monday 10am', 'every first Tuesday' or 'monthly'.")


@dataclass(frozen=True)
class Recurrence:
    """How a meeting repeats. `weekday` is 0 for Monday; `nth` (1..4, or -1 for the last) picks
    that weekday of the month for MONTHLY; `time` is the wall time the user gave, if any."""

    freq: str
    interval: int = 1
    weekday: int | None = None
    nth: int | None = None
    time: dt.time | None = None

    def __post_init__(self) -> None:
        if self.freq not in FREQS:
            raise ValueError(f"freq must be one of {FREQS}, not {self.freq!r}")
        if self.interval < 1:
            raise ValueError("interval must be at least 1")
        if self.weekday is not None and not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
        if self.nth is not None and (
            self.nth not in (1, 2, 3, 4, -1) or self.freq != "MONTHLY" or self.weekday is None
        ):
            raise ValueError("nth needs MONTHLY, a weekday, and 1..4 or -1")
        if self.weekday is not None and self.nth is None and self.freq != "WEEKLY":
            raise ValueError("a weekday without nth needs WEEKLY")

    def next_after(self, first: datetime, after: datetime) -> datetime:
        """The first occurrence strictly after `after`; `first` (aware) is the first occurrence and sets
        the zone and the wall-clock time of all of them."""
        return self.occurrences(first, after, 1)[0]

    def occurrences(self, first: datetime, after: datetime, count: int) -> list[datetime]:
        """The next `count` occurrences strictly after `after`, none before `first`."""
        zone = first.tzinfo
        if zone is None or after.tzinfo is None:
            raise ValueError("first and after must be timezone-aware")
        start_wall = first.replace(tzinfo=None)
        floor = max(first.astimezone(UTC) - timedelta(microseconds=1), after.astimezone(UTC))
        found: list[datetime] = []
        step = self._steps_before(start_wall, floor.astimezone(zone).replace(tzinfo=None))
        while len(found) < count:
            when = localize(self._wall(start_wall, step), zone)[0]
            if when.astimezone(UTC) > floor:
                found.append(when)
            step += 1
        return found

    def first_after(self, after: datetime, zone: str, at: dt.time | None = None) -> datetime:
        """The first occurrence of a new repeat after `after`, at `self.time` (or `at`) in `zone`."""
        clock = self.time or at
        if clock is None:
            raise ValueError("no time of day: give `at` when the repeat has no time")
        tz = ZoneInfo(zone)
        today = after.astimezone(tz).date()
        if self.nth is not None:
            day = _nth_weekday(today.replace(day=1), self.nth, self.weekday or 0)
        elif self.weekday is not None:
            day = today + timedelta(days=(self.weekday - today.weekday()) % 7)
        else:
            day = today
        candidate = localize(datetime.combine(day, clock), tz)[0]
        return self.next_after(candidate, after)

    def _steps_before(self, start: datetime, after: datetime) -> int:
        """A step number whose occurrence is surely not after `after`, to skip ahead cheaply."""
        if self.freq in ("DAILY", "WEEKLY"):
            days = (after.date() - start.date()).days
            steps = days // (self.interval * (7 if self.freq == "WEEKLY" else 1))
        else:
            months = (after.year - start.year) * 12 + after.month - start.month
            steps = months // (self.interval * (12 if self.freq == "YEARLY" else 1))
        return max(0, steps - 1)

    def _wall(self, start: datetime, step: int) -> datetime:
        """The wall time of occurrence number `step` (0 is the first period)."""
        n = step * self.interval
        if self.freq == "DAILY":
            return start + timedelta(days=n)
        if self.freq == "WEEKLY":
            if self.weekday is not None:
                start += timedelta(days=(self.weekday - start.weekday()) % 7)
            return start + timedelta(weeks=n)
        if self.freq == "YEARLY":
            return start + relativedelta(years=n)
        month = start + relativedelta(months=n)
        if self.nth is None:
            return month
        return datetime.combine(_nth_weekday(month.date(), self.nth, self.weekday or 0), start.time())

    def to_rrule(self, first: datetime | None = None) -> dict[str, str | int | list[int]]:
        """An icalendar `vRecur`-compatible dict: {"FREQ": "MONTHLY", "BYDAY": "1TU"}.

        `first` (the first occurrence, in its zone) settles a day some months or years lack:
        repeated from the 31st, a month without one gets its last day (as `occurrences` does),
        where a plain FREQ=MONTHLY would leave that month out; so the rule picks the last of the
        days 28 to 31 that the month has (BYMONTHDAY=28,29,30,31;BYSETPOS=-1). Likewise 29 February.
        """
        rule: dict[str, str | int | list[int]] = {"FREQ": self.freq}
        if self.interval != 1:
            rule["INTERVAL"] = self.interval
        if self.weekday is not None:
            code = _BYDAY[self.weekday]
            rule["BYDAY"] = code if self.nth is None else f"{self.nth}{code}"
        if first is not None and self.freq == "MONTHLY" and self.nth is None and first.day > 28:
            rule["BYMONTHDAY"] = list(range(28, first.day + 1))
            rule["BYSETPOS"] = -1
        if first is not None and self.freq == "YEARLY" and (first.month, first.day) == (2, 29):
            rule["BYMONTH"] = 2
            rule["BYMONTHDAY"] = [28, 29]
            rule["BYSETPOS"] = -1
        return rule

    def describe(self) -> str:
        """ "every 2 weeks", "every first Tuesday", "every Monday at 10:00"; "jeden Dienstag"."""
        n = self.interval
        every = _every(self.freq, n)
        if self.nth is not None and self.weekday is not None:
            said = {"nth": _(_NTH_NAMES[self.nth]), "weekday": day_name(self.weekday)}
            if n != 1:
                text = _n(
                    "every {nth} {weekday} of every {n} month", "every {nth} {weekday} of every {n} months", n
                ).format(**said, n=n)
            elif self.nth == 2:
                text = _("every {nth} {weekday} of the month").format(**said)
            else:
                text = _("every {nth} {weekday}").format(**said)
        elif self.weekday is not None:
            day = day_name(self.weekday)
            if n == 1:
                text = _("every {weekday}").format(weekday=day)
            elif n == 2:
                text = _("every other {weekday}").format(weekday=day)
            else:
                text = _("{every} on {weekday}").format(every=every, weekday=day)
        else:
            text = every
        if self.time is not None:
            text = _("{repeat} at {time}").format(repeat=text, time=f"{self.time:%H:%M}")
        return text

    def to_json(self) -> str:
        data = {
            "freq": self.freq,
            "interval": self.interval,
            "weekday": self.weekday,
            "nth": self.nth,
            "time": None if self.time is None else self.time.isoformat(timespec="minutes"),
        }
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, s: str) -> Recurrence:
        data = json.loads(s)
        clock = data.get("time")
        return cls(
            freq=data["freq"],
            interval=int(data.get("interval", 1)),
            weekday=data.get("weekday"),
            nth=data.get("nth"),
            time=None if clock is None else time.fromisoformat(clock),
        )


def _every(freq: str, n: int) -> str:
    """ "every week", "every 2 weeks": a repeat once a period, or every n periods."""
    if freq == "DAILY":
        return _("every day") if n == 1 else _n("every {n} day", "every {n} days", n).format(n=n)
    if freq == "WEEKLY":
        return _("every week") if n == 1 else _n("every {n} week", "every {n} weeks", n).format(n=n)
    if freq == "MONTHLY":
        return _("every month") if n == 1 else _n("every {n} month", "every {n} months", n).format(n=n)
    return _("every year") if n == 1 else _n("every {n} year", "every {n} years", n).format(n=n)


def _nth_weekday(month: date, nth: int, day_of_week: int) -> date:
    """The nth (or last, -1) given weekday of `month`'s month."""
    if nth > 0:
        return month + relativedelta(day=1, weekday=weekday(day_of_week)(nth))
    return month + relativedelta(day=31, weekday=weekday(day_of_week)(-1))


def parse_recurrence(text: str) -> Recurrence:
    """Read a repeat: "weekly", "every 2 weeks", "fortnightly", "every monday 10am",
    "every first Tuesday", "every last friday", "monthly", "every 3 months", "daily", "yearly".

    "every second Tuesday" is refused as ambiguous (every other Tuesday, or the second Tuesday of
    the month?); "every other Tuesday" and "every second Tuesday of the month" are not.
    """
    check_text(text, _("A repeat"))
    clean = " ".join(text.strip().strip(".!").lower().replace(",", " ").split())
    clean = vocabulary.english(clean, reading_languages())
    clean, clock = _pop_clock(clean, text)
    clean = re.sub(r"^(?:repeat(?:ing|s)?|recurring)\s+", "", clean)
    if clean in _ADVERBS:
        freq, interval = _ADVERBS[clean]
        return Recurrence(freq, interval, time=clock)
    if match := _WEEKS_ON.fullmatch(clean):
        interval = _ADVERBS[match["adverb"]][1] if match["adverb"] else _count(match["n"], text)
        if match["unit"] == "fortnight":
            interval *= 2
        return Recurrence("WEEKLY", interval, WEEKDAY_FORMS[match["weekday"]], time=clock)
    if match := _EVERY_UNIT.fullmatch(clean):
        interval = _count(match["n"], text) * (2 if match["unit"] == "fortnight" else 1)
        return Recurrence(_UNIT_FREQ[match["unit"]], interval, time=clock)
    if match := _NTH_WEEKDAY.fullmatch(clean):
        nth = _NTH_WORDS[match["nth"]]
        if nth == 2 and match["every"] in ("every", "each") and not match["of_month"]:
            written = WEEKDAY_FORMS[match["weekday"]]
            weekday = match["weekday"].title() if current_language() == ENGLISH else day_name(written)
            raise TimeParseError(
                _(
                    "'{text}' could mean every other {weekday} or the second one of each month: write "
                    "'every other ...' or '... of the month'."
                ).format(text=shorten(text), weekday=weekday)
            )
        return Recurrence("MONTHLY", 1, WEEKDAY_FORMS[match["weekday"]], nth, time=clock)
    if (match := _ON_WEEKDAY.fullmatch(clean)) and (
        match.group().startswith(("every", "each")) or clean[-1] == "s"
    ):
        interval = 1 if match["n"] is None else _count(match["n"], text)
        return Recurrence("WEEKLY", interval, WEEKDAY_FORMS[match["weekday"]], time=clock)
    raise TimeParseError(
        _("I could not read '{text}' as a repeat.").format(text=shorten(text)) + " " + _(EXAMPLES)
    )


def _count(word: str | None, text: str) -> int:
    if word is None:
        return 1
    if word.isascii() and word.isdigit() and len(word) > 3:
        raise TimeParseError(
            _("'{number}' in '{text}' is too many; a repeat is at most every 999.").format(
                number=shorten(word), text=shorten(text)
            )
        )
    number = int(word) if word.isascii() and word.isdigit() else _COUNTS.get(word)
    if not number:
        said = _("I could not read '{word}' in '{text}' as a number.").format(word=word, text=shorten(text))
        raise TimeParseError(f"{said} {_(EXAMPLES)}")
    return number


def _pop_clock(clean: str, text: str) -> tuple[str, time | None]:
    """Take "10am", "at 15:30" or "at noon" out of the text."""
    match = _CLOCK.search(clean)
    if match is None:
        return clean, None
    rest = " ".join((clean[: match.start()] + " " + clean[match.end() :]).split())
    if match["noon"]:
        return rest, time(12, 0)
    hour = int(match["h"] or match["h24"] or match["hat"])
    minute = int(match["m"] or match["m24"] or 0)
    if match["ap"]:
        valid = 1 <= hour <= 12
        hour = hour % 12 + (12 if match["ap"] == "pm" else 0)
    else:
        valid = hour <= 23
    if not valid or minute > 59:
        raise TimeParseError(
            _("'{time}' in '{text}' is not a time of day.").format(
                time=shorten(match.group()), text=shorten(text)
            )
        )
    return rest, time(hour, minute)
