"""The dates the bot takes: days that exist ("31 November" does not), in years from 1970 to ten ahead.

An impossible day is found in the text itself, before anything reads it, because a reader shown
"31 november" may quietly take something else ("31" alone, or "november"); so it is named the same
way everywhere a date is read: "There is no 31 November: it has 30 days." A year far out is
refused with a sentence too: a date decades ahead is a typo, and nothing stored then can strain
the arithmetic of listings (datetime stops at year 9999).
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from matrixbot.errors import DateRefused
from matrixbot.i18n import _
from matrixbot.time.format import MONTH_FORMS, long_date, month_name
from matrixbot.time.words import normalise

EARLIEST = date(1970, 1, 1)
YEARS_AHEAD = 10
"""How far ahead a date may lie, in years: further is taken for a typo."""

_MONTH = "|".join(sorted(MONTH_FORMS, key=len, reverse=True))
_SPELT = re.compile(
    rf"(?<![0-9:.])\b(?:(?P<d1>[0-9]{{1,2}}) (?:of )?(?P<m1>{_MONTH})|(?P<m2>{_MONTH}) (?P<d2>[0-9]{{1,2}})(?![0-9:.]))"
    r"(?: (?P<y>[0-9]{4}))?\b"
)
_NUMERIC = re.compile(r"\b([0-9]{1,2})/([0-9]{1,2})(?:/([0-9]{4}|[0-9]{2}))?\b")


@dataclass(frozen=True)
class NoSuchDay:
    """A day that does not exist, where it was written (`start`:`end` of the text searched)."""

    start: int
    end: int
    message: str


def no_such_days(clean: str, *, date_order: str = "DMY") -> list[NoSuchDay]:
    """Every day in lower-case `clean` text that no calendar has: "31 november", "november 31 2027",
    "the 30th of february" (ordinals already dropped), "31/11/2027" read in `date_order`.

    Without a year, a day is refused only when its month never has it (29 February is kept: the
    next one is a leap year's)."""
    found = []
    for match in _SPELT.finditer(clean):
        day = int(match["d1"] or match["d2"])
        month = MONTH_FORMS[match["m1"] or match["m2"]]
        problem = _problem(day, month, int(match["y"]) if match["y"] else None)
        if problem:
            found.append(NoSuchDay(match.start(), match.end(), problem))
    for match in _NUMERIC.finditer(clean):
        first, second, year = int(match[1]), int(match[2]), match[3]
        day, month = (first, second) if date_order == "DMY" else (second, first)
        if not 1 <= month <= 12:
            continue  # not a date in this order at all: the reader says so
        full_year = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
        problem = _problem(day, month, full_year)
        if problem:
            found.append(NoSuchDay(match.start(), match.end(), problem))
    return sorted(found, key=lambda d: d.start)


def _problem(day: int, month: int, year: int | None) -> str | None:
    name = month_name(month)
    if year is not None:
        if year == 0 or 1 <= day <= monthrange(year, month)[1]:
            return None
        length = monthrange(year, month)[1]
        said = (
            _("There is no {day} {month} {year}: {month} {year} has {length} days.")
            if month == 2
            else _("There is no {day} {month} {year}: it has {length} days.")
        )
        return said.format(day=day, month=name, year=year, length=length)
    if 1 <= day <= monthrange(2024, month)[1]:  # 2024: a leap year, so 29 February exists
        return None
    if month == 2:
        return _("There is no {day} {month}: it has 28 days, 29 in a leap year.").format(day=day, month=name)
    length = monthrange(2023, month)[1]
    return _("There is no {day} {month}: it has {length} days.").format(day=day, month=name, length=length)


def check_days(clean: str, *, date_order: str = "DMY") -> None:
    """Raise a `DateRefused` naming the first day in `clean` that does not exist."""
    found = no_such_days(clean, date_order=date_order)
    if found:
        raise DateRefused(found[0].message)


def split_day(words: Sequence[str], cut: int, *, date_order: str = "DMY") -> str | None:
    """The message naming a day that does not exist and that a cut of `words` before word `cut`
    splits ("31st | November 9am"), or None."""
    first = max(0, cut - 3)
    pieces = [normalise(word) for word in words[first : cut + 3]]
    text, ends = "", []
    for piece in pieces:
        text = f"{text} {piece}" if text else piece
        ends.append(len(text))
    boundary = ends[cut - first - 1] if cut > first else 0
    for found in no_such_days(text, date_order=date_order):
        if found.start < boundary < found.end:
            return found.message
    return None


def latest(today: date) -> date:
    """The last date the bot takes, `YEARS_AHEAD` years from `today` (28 February for a 29th)."""
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def check_year(day: date, today: date, shown: Callable[[], str]) -> None:
    """Refuse a date before 1970 or more than `YEARS_AHEAD` years after `today`, with a sentence
    that starts with `shown()` (the date as it was read; worked out only then)."""
    if day < EARLIEST:
        raise DateRefused(
            _("{date} is before 1970: give a date from {earliest} on.").format(
                date=shown(), earliest=long_date(EARLIEST)
            )
        )
    last = latest(today)
    if day > last:
        raise DateRefused(
            _("{date} is more than {years} years ahead: give a date up to {latest}.").format(
                date=shown(), years=YEARS_AHEAD, latest=long_date(last)
            )
        )
