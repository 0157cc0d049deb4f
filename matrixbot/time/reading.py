"""The pieces a reading of a typed time is made of (time/parse.py reads with them): a span of
wall-clock times before a zone is attached, the context one reading carries, the patterns it
looks for, and the checks on what was written (an impossible clock time, a spelt-out date, a wall
time in a clock change)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from matrixbot.errors import TimeParseError
from matrixbot.i18n import _, any_of
from matrixbot.time import examples
from matrixbot.time.format import (
    MONTH_FORMS,
    MONTH_RE,
    WEEKDAY_FORMS,
    WEEKDAY_RE,
    localize,
    long_date,
    shorten,
    spelt_date,
    transition_near,
    zone_abbrev,
)
from matrixbot.time.when import Problem
from matrixbot.time.words import KNOWN_WORDS, normalise, strip_connectors

YEAR = re.compile(r"\b[0-9]{4}\b")
WRITTEN_CLOCK = re.compile(
    r"\b(?P<h>[0-9]{1,2})(?::(?P<m>[0-9]{2}))?\s*(?P<ap>[ap]m)\b|\b(?P<h24>[0-9]{1,2}):(?P<m24>[0-9]{2})\b|\bmidnight\b"
)
RELATIVE = re.compile(r"(?:in|after)\s+(?P<ahead>.+)|(?P<ago>.+?)\s+ago|(?P<now>(?:right\s+)?now)")
BARE_DAY = re.compile(r"(?:[a-z]+day\s+)?[0-9]{1,2}(?:\s+[0-9]{4})?")
EXACT_DATE = re.compile(
    rf"(?:{WEEKDAY_RE.pattern} )?"
    rf"(?:(?P<d1>[0-9]{{1,2}}) (?P<m1>{MONTH_RE.pattern})|(?P<m2>{MONTH_RE.pattern}) (?P<d2>[0-9]{{1,2}}))"
    r" (?P<y>[0-9]{4})"
)
AT_HOUR = re.compile(r"\bat\s+([0-9]{1,2})\b(?!\s*(?:[:.]?[0-9]|[ap]m\b))")
DATE_SEP = re.compile(r"\s*(?:-|\bto\b|\buntil\b|\btill\b)\s*")


@dataclass(frozen=True)
class Span:
    """Wall-clock times before a zone is attached; `named` pairs each weekday written with its date."""

    start: datetime
    end: datetime | None
    all_day: bool
    named: tuple[tuple[int, date], ...] = ()

    def shifted(self, days: int) -> Span:
        step = timedelta(days=days)
        return Span(self.start + step, None if self.end is None else self.end + step, self.all_day)


@dataclass(frozen=True)
class Ctx:
    text: str
    zone: str
    tz: ZoneInfo
    now: datetime
    future: bool
    offset: tzinfo | None = None
    near: tuple[date, ...] = ()

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.tz).replace(tzinfo=None)


def either(days: Sequence[date]) -> str:
    """ "Tuesday 5 March 2024", or "Tuesday 2 March 2027 or Friday 5 March 2027"."""
    return any_of(spelt_date(d) for d in days)


def all_day_span(start: date, end: date, named: tuple[tuple[int, date], ...]) -> Span:
    return Span(datetime.combine(start, time()), datetime.combine(end, time()), True, named)


def to_instant(wall: datetime, all_day: bool, ctx: Ctx) -> tuple[datetime, Problem | None]:
    """A wall time as an instant in the zone. A zone word in the text ("BST") fixes the offset."""
    if ctx.offset is not None and not all_day:
        return wall.replace(tzinfo=ctx.offset).astimezone(ctx.tz), None
    aware, kind = localize(wall, ctx.tz)
    if all_day or kind == "ok":
        return aware, None
    leave, show = transition_near(wall, ctx.tz)
    said = {
        "when": _("{time} on {date}").format(time=f"{wall:%H:%M}", date=long_date(wall.date())),
        "zone": ctx.zone,
        "leave": f"{leave:%H:%M}",
        "show": f"{show:%H:%M}",
    }
    if kind == "gap":
        raise TimeParseError(
            _(
                "{when} does not exist in {zone}: the clocks go forward from {leave} to {show} that "
                "night. Pick a time before {leave} or from {show}."
            ).format(**said)
        )
    message = _(
        "{when} happens twice in {zone}, because the clocks go back from {leave} to {show} that "
        "night; I took the first one, {first}."
    ).format(**said, first=f"{wall:%H:%M} {zone_abbrev(aware)}")
    return aware, Problem("ambiguous_fold", message)


def at_hour(match: re.Match[str], ctx: Ctx) -> str:
    """ "at 15" is 15:00; "at 3" could be either, and dateparser would quietly drop it."""
    hour = int(match[1])
    if hour == 0 or 12 < hour <= 23:
        return f"at {hour}:00"
    raise TimeParseError(
        _("In '{text}', is 'at {hour}' in the morning or the afternoon? Write {hour}am or {hour}pm.").format(
            text=ctx.text, hour=hour
        )
    )


def clocks_written(text: str, ctx: Ctx) -> set[tuple[int, int]]:
    """(hour, minute) of each clock time in the text; an impossible one ("13pm", "25:00") is an error."""
    found = set()
    for match in WRITTEN_CLOCK.finditer(text):
        if not (match["h"] or match["h24"]):
            found.add((0, 0))
            continue
        hour, minute = int(match["h"] or match["h24"]), int(match["m"] or match["m24"] or 0)
        valid = 1 <= hour <= 12 if match["ap"] else hour <= 23
        if not valid or minute > 59:
            raise TimeParseError(
                _("'{time}' in '{text}' is not a time of day.").format(time=match.group(), text=ctx.text)
            )
        found.add((hour % 12 + (12 if match["ap"] == "pm" else 0) if match["ap"] else hour, minute))
    return found


def exact_date(text: str) -> datetime | None:
    """A whole date spelt out ("monday 26 february 2024", "26 february 2024", "feb 26 2024"), read
    without dateparser (see the module's docstring). Anything else, or a day the month does not
    have, is None: dateparser reads it, and its answer or error is the one given."""
    match = EXACT_DATE.fullmatch(text)
    if match is None:
        return None
    day = int(match["d1"] or match["d2"])
    month = MONTH_FORMS[match["m1"] or match["m2"]]
    try:
        return datetime(int(match["y"]), month, day)
    except ValueError:
        return None


def named_weekday(text: str) -> int | None:
    named = {WEEKDAY_FORMS[m[1]] for m in WEEKDAY_RE.finditer(text)}
    return named.pop() if len(named) == 1 else None


def unreadable(text: str, ctx: Ctx) -> TimeParseError:
    unknown = [w for w in re.findall(r"[^\W\d_]+", text) if w not in KNOWN_WORDS]
    whole = shorten(text) == shorten(strip_connectors(normalise(ctx.text)))
    if whole:
        said = _("I could not read '{text}' as a date or time").format(text=ctx.text)
    else:
        said = _("I could not read '{part}' in '{text}' as a date or time").format(
            part=shorten(text), text=ctx.text
        )
    if len(unknown) == 1:
        said += " " + _("('{word}' is not a word I know for a date)").format(word=unknown[0])
    return TimeParseError(f"{said}. {examples.hint(ctx.now, ctx.zone)}")
