"""Lengths of time as people write them: "1 hour", "90 minutes", "1h30m", "1 day, 10 minutes".

Durations (`parse_duration`) are exact and so stop at weeks; periods (`parse_period`) may say
months and years, which the calendar resolves ("every 3 months").
"""

from __future__ import annotations

import re
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from matrixbot.errors import TimeParseError
from matrixbot.i18n import N_, _, reading_languages
from matrixbot.time import vocabulary
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
_VARYING = {
    "months": N_(
        "'{text}': a duration is counted in weeks, days, hours or minutes, since months vary in length."
    ),
    "years": N_(
        "'{text}': a duration is counted in weeks, days, hours or minutes, since years vary in length."
    ),
}
_WHOLE = {
    "months": N_("'{text}': use a whole number of months."),
    "years": N_("'{text}': use a whole number of years."),
}
SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800, "fortnights": 1209600}


def parse_duration(text: str) -> timedelta:
    """ "1 hour", "90 minutes", "1h30m", "1.5 hours", "2 days", "1 week"; no months, which vary."""
    seconds = 0.0
    for value, unit in components(text):
        if unit not in SECONDS:
            raise TimeParseError(_(_VARYING[unit]).format(text=shorten(text)))
        seconds += value * SECONDS[unit]
    return _positive(_limited(seconds, text), text)


def parse_durations(text: str) -> list[timedelta]:
    """A list of durations: "1 day, 10 minutes" or "1 day and 10 minutes"."""
    check_text(text, _("A list of lengths of time"))
    clean = vocabulary.english(text.strip().lower(), reading_languages())
    pieces = [piece for piece in _LIST_SEP.split(clean) if piece]
    if not pieces:
        raise TimeParseError(_("Give one or more durations, e.g. '1 day, 10 minutes'."))
    return [parse_duration(piece) for piece in pieces]


def parse_period(text: str) -> relativedelta:
    """Like a duration, but months and years are allowed ("3 months"), in whole numbers."""
    calendar = {"years": 0, "months": 0}
    seconds = 0.0
    for value, unit in components(text):
        if unit in calendar:
            if value != int(value):
                raise TimeParseError(_(_WHOLE[unit]).format(text=shorten(text)))
            calendar[unit] += int(value)
        else:
            seconds += value * SECONDS[unit]
    _limited(seconds + (calendar["years"] * 12 + calendar["months"]) * 31 * 86400, text)
    days, rest = divmod(round(seconds), 86400)
    period = relativedelta(years=calendar["years"], months=calendar["months"], days=days, seconds=rest)
    if not period:
        raise TimeParseError(_("'{text}' should be longer than zero.").format(text=shorten(text)))
    return period


def components(text: str) -> list[tuple[float, str]]:
    """ "1h30m", "an hour and a half", "2 days and 10 minutes" as [(amount, unit), ...]."""
    check_text(text, _("A length of time"))
    shown = " ".join(text.strip().lower().split())
    clean = vocabulary.english(shown, reading_languages())
    example = _("Write e.g. '1 hour', '90 minutes', '1h30m' or '2 days'.")
    parts: list[tuple[float, str]] = []
    pos = 0
    while pos < len(clean):
        match = _AMOUNT.match(clean, pos)
        if match is None:
            said = (
                _("I could not read '{text}' as a length of time.").format(text=shorten(shown))
                if pos == 0
                else _("I could not read '{part}' in '{text}' as a length of time.").format(
                    part=shorten(clean[pos:]), text=shorten(shown)
                )
            )
            raise TimeParseError(f"{said} {example}")
        unit = _UNITS.get(match["unit"])
        if unit is None:
            said = _("'{unit}' in '{text}' is not a unit of time I know.").format(
                unit=shorten(match["unit"]), text=shorten(text)
            )
            raise TimeParseError(f"{said} {example}")
        amount = 0.5 if match["half"] else _number(match["num"])
        parts.append((amount + (0.5 if match["half1"] or match["half2"] else 0), unit))
        pos = match.end()
    if not parts:
        raise TimeParseError(_("Give a length of time.") + " " + example)
    return parts


def _number(word: str) -> float:
    return float(_NUMBER_WORDS[word]) if word in _NUMBER_WORDS else float(word)


def _limited(seconds: float, text: str) -> timedelta:
    """Durations up to a hundred years, which is plenty and keeps datetime arithmetic in range."""
    if seconds > 100 * 366 * 86400:
        raise TimeParseError(
            _("'{text}' is too long; keep it under a hundred years.").format(text=shorten(text))
        )
    return timedelta(seconds=round(seconds))


def _positive(delta: timedelta, text: str) -> timedelta:
    if delta <= timedelta(0):
        raise TimeParseError(_("'{text}' should be longer than zero.").format(text=shorten(text)))
    return delta
