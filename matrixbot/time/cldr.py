"""Dates written the way each language writes them, from CLDR's patterns (`cldr_data`).

English keeps the bot's own formats (format.py: "Tue 5 Mar 2024, 15:00 GMT"); the other languages
follow CLDR: "Dienstag, 2. März 2027, 15:00 (GMT)", "martes, 2 de marzo de 2027, 15:00 (GMT)". A
pattern is read as LDML reads it (`EEEE` the weekday, `d` the day, `MMMM` the month, `y` the year,
'quoted' text as it is), for the few fields the bot's dates use.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from matrixbot.time.cldr_data import TABLES

_FIELD = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*")
_ORDER = (("y", "year"), ("M", "month"), ("d", "day"))
"""The fields a range of dates may differ in, the largest first."""


def speaks(language: str) -> bool:
    """Whether dates are written from CLDR in `language` (English has its own formats)."""
    return language in TABLES


def _table(language: str) -> dict[str, Any]:
    return TABLES[language]


def pattern(text: str, day: date, language: str) -> str:
    """`day` written by the LDML pattern `text` in `language`."""
    table = _table(language)

    def field(match: re.Match[str]) -> str:
        token = match.group()
        if token.startswith("'"):
            return token[1:-1].replace("''", "'") or "'"
        letter, width = token[0], len(token)
        if letter == "E":
            return str(table["days" if width >= 4 else "days_abbr"][day.weekday()])
        if letter in "ML":
            if width >= 4:
                return str(table["months" if letter == "M" else "months_alone"][day.month - 1])
            if width == 3:
                return str(table["months_abbr"][day.month - 1])
            return f"{day.month:0{width}d}"
        if letter == "d":
            return f"{day.day:0{width}d}"
        if letter == "y":
            return str(day.year) if width != 2 else f"{day.year % 100:02d}"
        return token

    return _FIELD.sub(field, text)


def full_date(day: date, language: str, *, year: bool = True) -> str:
    """ "Dienstag, 2. März 2027", "martes, 2 de marzo de 2027", "mardi 2 mars 2027" (without the
    year: "Dienstag, 2. März")."""
    return pattern(_table(language)["full" if year else "full_no_year"], day, language)


def month_name(number: int, language: str) -> str:
    """ "März" for 3."""
    return str(_table(language)["months"][number - 1])


def long_date(day: date, language: str) -> str:
    """ "2. März 2027", "2 de marzo de 2027": a date in a sentence."""
    return pattern(_table(language)["long"], day, language)


def short_date(day: date, language: str, *, year: bool = True) -> str:
    """ "Di., 2. März 2027" (without the year: "Di., 2. März"): a date among others."""
    return pattern(_table(language)["yMMMEd" if year else "MMMEd"], day, language)


def month(day: date, language: str) -> str:
    """ "März 2027", "marzo de 2027"."""
    return pattern(_table(language)["yMMMM"], day, language)


def day_name(weekday: int, language: str) -> str:
    """ "Dienstag" for 1 (Monday is 0)."""
    return str(_table(language)["days"][weekday])


def dates(first: date, last: date, language: str, *, months: bool = False) -> str:
    """A range of days ("Fr., 17. – So., 19. Mai 2024"), or with `months` of whole months ("Juni–
    August 2024"), as CLDR writes ranges: the parts both ends share are said once."""
    table = _table(language)
    skeleton = "yMMMM" if months else "yMMMEd"
    differs = next((f for f, name in _ORDER if getattr(first, name) != getattr(last, name)), None)
    if differs is None:
        return pattern(table[skeleton], first, language)
    parts = table["intervals"][skeleton].get(differs)
    if parts is None:
        one, two = pattern(table[skeleton], first, language), pattern(table[skeleton], last, language)
        return str(table["interval"]).replace("{0}", one).replace("{1}", two)
    return pattern(parts[0], first, language) + pattern(parts[1], last, language)


def date_and_time(day_text: str, time_text: str, language: str) -> str:
    """A date and a time joined as the language joins them: "Dienstag, 2. März 2027, 15:00 (GMT)"."""
    return str(_table(language)["datetime"]).replace("{1}", day_text).replace("{0}", time_text)
