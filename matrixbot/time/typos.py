"""Fixes to suggest for a date that looks mistyped: a weekday that does not match its date, or a
date far from the dates around it (a poll's other options).

The candidates keep most of what was written: the same day and month in another year (2014 for
2024), a single-digit slip in the day or the month when only one such slip lands on the weekday,
and the nearest date on that weekday. Among dates around it, a fix lies within their span give or
take `SLACK`; when none does, the two same-year readings are offered: the nearest date on the
weekday written, and the date on its real weekday. Alone, the fix is the nearest one still ahead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from matrixbot.i18n import _n

SLACK = timedelta(weeks=4)
"""How far outside the span of the dates around it a fix may lie."""
FAR = timedelta(days=183)
"""How far from every date around it a date lies before it is asked about."""

_SLIP, _YEAR, _SHIFT = 0, 1, 2
"""Kinds of candidate, the likelier first when they are as near."""


def weekday_fixes(
    day: date, weekday: int | None, today: date, near: Sequence[date], bounds: tuple[date, date]
) -> tuple[date, ...]:
    """The dates someone most likely meant when `day` is not on `weekday`: one, or two to choose
    from (the nearest date on `weekday`, then the date on its own weekday) when none of the likely
    ones lies near the dates `near`. Only dates within `bounds` are suggested, and none in the past
    unless everything around it is.

    For a date far from those around it (see `strays`), `weekday` is the one written, if any: with
    none, the fix is the same day and month in the year nearest them."""
    if near:
        return _fixes_near(day, weekday, near, bounds, floor=min(today, max(near)))
    assert weekday is not None, "alone, only a weekday that does not match is corrected"
    candidates = _candidates(day, weekday, bounds)
    ahead = [c for c in candidates if c[0] >= today] or candidates
    if day >= today:
        # a date still ahead: a slip first, then the same date a year either side, then the weekday
        close = [c for c in ahead if c[1] == _SLIP or (c[1] == _YEAR and abs(c[0].year - day.year) <= 1)]
        if close:
            return (min(close, key=lambda c: (c[1], abs((c[0] - day).days)))[0],)
        return (min(ahead, key=lambda c: (c[1] != _SHIFT, abs((c[0] - day).days)))[0],)
    return (min(ahead, key=lambda c: ((c[0] - today).days, c[1]))[0],)


def strays(day: date, near: Sequence[date], today: date) -> bool:
    """Whether `day` lies far (over `FAR`) from every date `near`, and so is worth asking about.

    When the dates `near` are themselves all far apart (two options years apart), the one further
    from today is the one asked about: the others give no span to judge by."""
    if not near or min(abs(day - other) for other in near) <= FAR:
        return False
    return bool(_grouped(near)) or abs(day - today) > min(abs(other - today) for other in near)


def distance(day: date, near: Sequence[date]) -> str:
    """How far `day` is from the nearest of `near`, in words: "5 years", "8 months"."""
    days = min(abs((day - other).days) for other in near)
    months = round(days / 30.44)
    if months < 12:
        return _n("{n} month", "{n} months", months).format(n=months)
    years = round(days / 365.25)
    return _n("{n} year", "{n} years", years).format(n=years)


def _fixes_near(
    day: date, weekday: int | None, near: Sequence[date], bounds: tuple[date, date], floor: date
) -> tuple[date, ...]:
    near = _core(near)
    low = max(min(near) - SLACK, bounds[0])
    high = min(max(near) + SLACK, bounds[1])
    if weekday is None:  # a far date without a weekday written: the same day near the others
        return (_moved(day, near, bounds, floor),)
    likely = [c for c in _candidates(day, weekday, bounds) if c[1] != _SHIFT and c[0] != day]
    inside = [c for c in likely if low <= c[0] <= high]
    inside = [c for c in inside if c[0] >= floor] or inside
    if inside:
        return (min(inside, key=lambda c: (_gap(c[0], near), c[1], c[0]))[0],)
    moved = _moved(day, near, bounds, floor)
    on_weekday = _nearest_weekday(moved, weekday)
    if on_weekday == moved or not bounds[0] <= on_weekday <= bounds[1]:
        return (moved,)
    return (on_weekday, moved)


def _grouped(near: Sequence[date]) -> list[date]:
    """The dates of `near` with another within `FAR`: a poll's span, without an option far out."""
    return [
        one for i, one in enumerate(near) if any(abs(one - o) <= FAR for j, o in enumerate(near) if i != j)
    ]


def _core(near: Sequence[date]) -> list[date]:
    """The dates a fix should lie among: those grouped, or all of them when none are."""
    return _grouped(near) or list(near)


def _candidates(day: date, weekday: int, bounds: tuple[date, date]) -> list[tuple[date, int]]:
    found = [(d, _SLIP) for d in _slips(day, weekday)] + [
        (d, _YEAR) for d in _year_fits(day, weekday, bounds)
    ]
    found.append((_nearest_weekday(day, weekday), _SHIFT))
    return [(d, kind) for d, kind in found if bounds[0] <= d <= bounds[1]]


def _gap(day: date, near: Sequence[date]) -> int:
    return min(abs((day - other).days) for other in near)


def _moved(day: date, near: Sequence[date], bounds: tuple[date, date], floor: date) -> date:
    """`day`'s day and month in the year that puts it nearest the dates `near` (28 February for a
    29 February when no leap year is near), not before `floor` when another year allows."""
    options = []
    for year in range(min(near).year - 1, max(near).year + 2):
        try:
            options.append(day.replace(year=year))
        except ValueError:
            options.append(date(year, 2, 28))
    inside = [d for d in options if bounds[0] <= d <= bounds[1]] or options
    inside = [d for d in inside if d >= floor] or inside
    return min(inside, key=lambda d: (_gap(d, near), d))


def _nearest_weekday(day: date, weekday: int) -> date:
    step = (weekday - day.weekday()) % 7
    return day + timedelta(days=step if step <= 3 else step - 7)


def _year_fits(day: date, weekday: int, bounds: tuple[date, date]) -> list[date]:
    """The same day and month, on `weekday`, in the years within `bounds`."""
    fits = []
    for year in range(bounds[0].year, bounds[1].year + 1):
        try:
            candidate = day.replace(year=year)
        except ValueError:
            continue
        if candidate.weekday() == weekday and candidate != day:
            fits.append(candidate)
    return fits


def _slips(day: date, weekday: int) -> list[date]:
    """The one date, if only one, that a single wrong digit in the day or the month puts on `weekday`."""
    found = []
    for number, field in ((day.day, "day"), (day.month, "month")):
        for other in range(1, 32 if field == "day" else 13):
            if other == number or not _one_digit_apart(other, number):
                continue
            try:
                candidate = day.replace(**{field: other})
            except ValueError:
                continue
            if candidate.weekday() == weekday:
                found.append(candidate)
    return found if len(found) == 1 else []


def _one_digit_apart(one: int, other: int) -> bool:
    """5 and 6, 5 and 15, 12 and 13: one digit changed, added or dropped."""
    a, b = str(one), str(other)
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return len(long) == len(short) + 1 and (long[1:] == short or long[:-1] == short)
