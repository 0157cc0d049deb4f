"""Lengths of time as people write them: "1 hour", "90 minutes", "1h30m", "1 day, 10 minutes".

Durations (`parse_duration`) are exact and so stop at weeks; periods (`parse_period`) may say
months and years, which the calendar resolves ("every 3 months").
"""

from __future__ import annotations

import re
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from matrixbot.errors import TimeParseError
from matrixbot.time.budget import check_text
from matrixbot.time.format import shorten

_NUMBERS = "zero one two three four five six seven eight nine ten eleven twelve"
_NUMBER_WORDS = {word: n for n, word in enumerate(_NUMBERS.split())} | {"a": 1, "an": 1}
_AMOUNT = re.compile(
    r"\s*(?:(?:,|\band\b)\s*)?(?:(?P<half>half\s+an?)|(?P<num>[0-9]+(?:\.[0-9]+)?|\.[0-9]+|{words})"
    r"(?P<half1>\s+and\s+a\s+half)?)\s*(?P<unit>[a-z]+)(?![a-z])(?P<half2>\s+and\s+a\s+half)?\s*".format(
        words=r"\b(?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\b"
    )
)
_LIST_SEP = re.compile(r"\s*(?:[,;]|\band\b(?!\s+a\s+half))\s*")
_UNITS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), "seconds"),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "minutes"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "hours"),
    **dict.fromkeys(("d", "day", "days"), "days"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "weeks"),
    **dict.fromkeys(("fortnight", "fortnights"), "fortnights"),
    **dict.fromkeys(("mo", "mos", "month", "months"), "months"),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), "years"),
}
SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800, "fortnights": 1209600}


def parse_duration(text: str) -> timedelta:
    """ "1 hour", "90 minutes", "1h30m", "1.5 hours", "2 days", "1 week"; no months, which vary."""
    seconds = 0.0
    for value, unit in components(text):
        if unit not in SECONDS:
            raise TimeParseError(
                f"'{shorten(text)}': a duration is counted in weeks, days, hours or minutes, "
                f"since {unit} vary in length."
            )
        seconds += value * SECONDS[unit]
    return _positive(_limited(seconds, text), text)


def parse_durations(text: str) -> list[timedelta]:
    """A list of durations: "1 day, 10 minutes" or "1 day and 10 minutes"."""
    check_text(text, "A list of lengths of time")
    pieces = [piece for piece in _LIST_SEP.split(text.strip().lower()) if piece]
    if not pieces:
        raise TimeParseError("Give one or more durations, e.g. '1 day, 10 minutes'.")
    return [parse_duration(piece) for piece in pieces]


def parse_period(text: str) -> relativedelta:
    """Like a duration, but months and years are allowed ("3 months"), in whole numbers."""
    calendar = {"years": 0, "months": 0}
    seconds = 0.0
    for value, unit in components(text):
        if unit in calendar:
            if value != int(value):
                raise TimeParseError(f"'{shorten(text)}': use a whole number of {unit}.")
            calendar[unit] += int(value)
        else:
            seconds += value * SECONDS[unit]
    _limited(seconds + (calendar["years"] * 12 + calendar["months"]) * 31 * 86400, text)
    days, rest = divmod(round(seconds), 86400)
    period = relativedelta(years=calendar["years"], months=calendar["months"], days=days, seconds=rest)
    if not period:
        raise TimeParseError(f"'{shorten(text)}' should be longer than zero.")
    return period


def components(text: str) -> list[tuple[float, str]]:
    """ "1h30m", "an hour and a half", "2 days and 10 minutes" as [(amount, unit), ...]."""
    check_text(text, "A length of time")
    clean = " ".join(text.strip().lower().split())
    example = "Write e.g. '1 hour', '90 minutes', '1h30m' or '2 days'."
    parts: list[tuple[float, str]] = []
    pos = 0
    while pos < len(clean):
        match = _AMOUNT.match(clean, pos)
        if match is None:
            rest = shorten(clean[pos:])
            where = f"'{rest}'" if pos == 0 else f"'{rest}' in '{shorten(clean)}'"
            raise TimeParseError(f"I could not read {where} as a length of time. {example}")
        unit = _UNITS.get(match["unit"])
        if unit is None:
            raise TimeParseError(
                f"'{shorten(match['unit'])}' in '{shorten(text)}' is not a unit of time I know. {example}"
            )
        amount = 0.5 if match["half"] else _number(match["num"])
        parts.append((amount + (0.5 if match["half1"] or match["half2"] else 0), unit))
        pos = match.end()
    if not parts:
        raise TimeParseError(f"Give a length of time. {example}")
    return parts


def _number(word: str) -> float:
    return float(_NUMBER_WORDS[word]) if word in _NUMBER_WORDS else float(word)


def _limited(seconds: float, text: str) -> timedelta:
    """Durations up to a hundred years, which is plenty and keeps datetime arithmetic in range."""
    if seconds > 100 * 366 * 86400:
        raise TimeParseError(f"'{shorten(text)}' is too long; keep it under a hundred years.")
    return timedelta(seconds=round(seconds))


def _positive(delta: timedelta, text: str) -> timedelta:
    if delta <= timedelta(0):
        raise TimeParseError(f"'{shorten(text)}' should be longer than zero.")
    return delta
