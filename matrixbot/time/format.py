"""Showing times to people, and the wall-clock arithmetic that showing and parsing both need.

Every time shown names its zone ("15:00 BST"): members of a co-op live in several countries and a
bare "15:00" is a guess. 24-hour clock, en dash in ranges, dates like "Tue 5 Mar 2024". Names of
days and months are spelt out here rather than taken from `strftime`, which follows the process
locale. In another language than English (the one being written, see `matrixbot.i18n`) dates follow
CLDR (`cldr.py`): "Dienstag, 2. März 2027, 15:00 (GMT)"; the zone is still named.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from matrixbot.i18n import _, _np, current_language
from matrixbot.time import cldr

WallKind = Literal["ok", "gap", "fold"]


class Span(Protocol):
    """What `format_when` reads of a `When` (declared here so that showing times needs no parser types)."""

    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime | None: ...
    @property
    def zone(self) -> str: ...
    @property
    def all_day(self) -> bool: ...


DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# Ways of writing days and months, lower case, to their numbers (Monday 0, January 1).
WEEKDAY_FORMS = {
    **{name.lower(): i for i, name in enumerate(DAY_NAMES)},
    **{name[:3].lower(): i for i, name in enumerate(DAY_NAMES)},
    **{"tues": 1, "weds": 2, "thur": 3, "thurs": 3},
}
MONTH_FORMS = {
    **{name.lower(): i for i, name in enumerate(MONTH_NAMES, 1)},
    **{name[:3].lower(): i for i, name in enumerate(MONTH_NAMES, 1)},
    "sept": 9,
}
WEEKDAY_RE = re.compile(r"\b(" + "|".join(sorted(WEEKDAY_FORMS, key=len, reverse=True)) + r")\b")
MONTH_RE = re.compile(r"\b(" + "|".join(sorted(MONTH_FORMS, key=len, reverse=True)) + r")\b")

# Files under the zoneinfo directory that load but are not zone names a person would pick.
_NOT_ZONES = frozenset({"localtime", "posixrules"})


def valid_zone(name: str) -> bool:
    """Whether `name` is an IANA zone name zoneinfo knows ("Europe/London", "UTC")."""
    if not name or name in _NOT_ZONES or name != name.strip():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def localize(wall: datetime, zone: tzinfo) -> tuple[datetime, WallKind]:
    """Attach `zone` to a naive wall-clock time, saying whether the wall time was in a gap or a fold.

    A time in a fold (it happens twice) gets fold=0, the first one. A time in a gap (the clocks
    jump over it) comes back moved forward by the gap: 01:30 on the night the clocks go from 01:00
    to 02:00 becomes 02:30. Existence is checked by a round trip through UTC.
    """
    wall = wall.replace(tzinfo=None)
    first = wall.replace(tzinfo=zone, fold=0)
    back = first.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != wall:
        return back, "gap"
    if wall.replace(tzinfo=zone, fold=1).utcoffset() != first.utcoffset():
        return first, "fold"
    return first, "ok"


def transition_near(wall: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """The clock change nearest a gap or fold at `wall`: (wall time the clocks leave, wall time they show).

    For the spring-forward gap in London that is (01:00, 02:00); for the autumn fold (02:00, 01:00).
    Found by bisecting UTC instants to the second.
    """
    naive = wall.replace(tzinfo=None)
    lo = naive.replace(tzinfo=UTC) - timedelta(hours=36)
    hi = naive.replace(tzinfo=UTC) + timedelta(hours=36)
    before = lo.astimezone(zone).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    change = hi.replace(microsecond=0)
    after = change.astimezone(zone).utcoffset()
    assert before is not None and after is not None
    plain = change.replace(tzinfo=None)
    return plain + before, plain + after


def zone_abbrev(dt: datetime) -> str:
    """The zone abbreviation of an aware datetime: "BST", "CEST"; "UTC+05:30" for a zone without letters."""
    name = dt.tzname()
    if name and name[0].isalpha():
        return name
    offset = dt.utcoffset() or timedelta(0)
    if not offset:
        return "UTC"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _cldr() -> str | None:
    """The language dates are written in from CLDR now; None for English (the bot's own formats)."""
    language = current_language()
    return language if cldr.speaks(language) else None


def format_date(day: date, *, year: bool = True) -> str:
    """ "Tue 5 Mar 2024" (or "Tue 5 Mar" without the year); "Di., 5. März 2024"."""
    language = _cldr()
    if language:
        return cldr.short_date(day, language, year=year)
    text = f"{DAY_ABBR[day.weekday()]} {day.day} {MONTH_ABBR[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def long_date(day: date) -> str:
    """ "5 March 2024", for sentences; "5. März 2024"."""
    language = _cldr()
    if language:
        return cldr.long_date(day, language)
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def in_zone(moment: datetime, zone: str) -> datetime:
    """`moment` (aware) in `zone`; in UTC when that zone's wall time falls outside the years 1 to 9999
    that datetime holds (23:00 UTC on 31 December 9999 is already 10000 in Auckland). Anything
    stored can be shown, however far out."""
    try:
        return moment.astimezone(ZoneInfo(zone))
    except (OverflowError, ValueError):
        try:
            return moment.astimezone(UTC)
        except (OverflowError, ValueError):
            return moment


def _day_after(day: date) -> date:
    return day if day == date.max else day + timedelta(days=1)


def _day_before(day: date) -> date:
    return day if day == date.min else day - timedelta(days=1)


def day_name(weekday: int) -> str:
    """ "Tuesday" for 1 (Monday is 0); "Dienstag"."""
    language = _cldr()
    return cldr.day_name(weekday, language) if language else DAY_NAMES[weekday]


def month_name(number: int) -> str:
    """ "March" for 3; "März"."""
    language = _cldr()
    return cldr.month_name(number, language) if language else MONTH_NAMES[number - 1]


def spelt_date(day: date, *, year: bool = True) -> str:
    """ "Tuesday 5 March 2024" (without the year: "Tuesday 5 March"); "Dienstag, 5. März 2024"."""
    language = _cldr()
    if language:
        return cldr.full_date(day, language)
    text = f"{DAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def _hm(dt: datetime) -> str:
    return f"{dt.hour:02d}:{dt.minute:02d}"


def _zoned(dt: datetime) -> str:
    """ "15:00 GMT"; "15:00 (GMT)" in a language written from CLDR."""
    return f"{_hm(dt)} ({zone_abbrev(dt)})" if _cldr() else f"{_hm(dt)} {zone_abbrev(dt)}"


def _same_clock(a: datetime, b: datetime) -> bool:
    return a.utcoffset() == b.utcoffset() and zone_abbrev(a) == zone_abbrev(b)


def _other_date(other: datetime, local: datetime) -> str:
    """The other zone's date, shown only when it differs from the local date."""
    if other.date() == local.date():
        return ""
    return format_date(other.date(), year=other.year != local.year) + ", "


def format_time(dt: datetime, zone: str, *, other_zone: str | None = None, with_date: bool = True) -> str:
    """ "Tue 5 Mar 2024, 15:00 GMT"; with another zone: "Tue 5 Mar 2024, 15:00 BST / 16:00 CEST".

    The other zone is left out when it shows the same clock; its date is shown when it differs.
    """
    local = in_zone(dt, zone)
    text = _zoned(local)
    if with_date:
        language = _cldr()
        if language:
            text = cldr.date_and_time(cldr.full_date(local.date(), language), text, language)
        else:
            text = f"{format_date(local.date())}, {text}"
    if other_zone is not None:
        other = in_zone(dt, other_zone)
        if not _same_clock(local, other):
            text += f" / {_other_date(other, local)}{_zoned(other)}"
    return text


def _clock_range(start: datetime, end: datetime, *, dates: bool, ref: datetime) -> str:
    """Two times in one zone: "15:00–16:00 GMT", "01:00 BST–03:00 GMT", or across days with dates."""
    ab_start, ab_end = zone_abbrev(start), zone_abbrev(end)
    language = _cldr()
    if language:
        ab_start, ab_end = f"({ab_start})", f"({ab_end})"
    if start.date() == end.date():
        if ab_start == ab_end:
            clock = f"{_hm(start)}–{_hm(end)} {ab_end}"
        else:
            clock = f"{_hm(start)} {ab_start}–{_hm(end)} {ab_end}"
        if dates and language:
            return cldr.date_and_time(cldr.full_date(start.date(), language), clock, language)
        return f"{format_date(start.date())}, {clock}" if dates else f"{_other_date(start, ref)}{clock}"
    if dates:
        first, second = f"{format_date(start.date())}, ", f"{format_date(end.date())}, "
    else:
        first = _other_date(start, ref) or f"{format_date(start.date(), year=False)}, "
        second = f"{format_date(end.date(), year=end.year != ref.year)}, "
    left = f"{first}{_hm(start)}" + ("" if ab_start == ab_end else f" {ab_start}")
    return f"{left} – {second}{_hm(end)} {ab_end}"


def _all_day(start: date, end: date) -> str:
    """Dates from `start` to the day before `end`: a day, a run of days, or whole months."""
    last = _day_before(end)
    language = _cldr()
    if language:
        return _all_day_in(start, last, end, language)
    if start.day == 1 and end.day == 1 and last > start:
        first_month = f"{MONTH_NAMES[start.month - 1]}"
        last_month = f"{MONTH_NAMES[last.month - 1]}"
        if (start.year, start.month) == (last.year, last.month):
            return f"{first_month} {start.year}"
        if start.month == 1 and last.month == 12 and start.year == last.year:
            return str(start.year)
        if start.year == last.year:
            return f"{first_month} – {last_month} {last.year}"
        return f"{first_month} {start.year} – {last_month} {last.year}"
    if last <= start:
        return format_date(start)
    if (start.year, start.month) == (last.year, last.month):
        return f"{DAY_ABBR[start.weekday()]} {start.day} – {format_date(last)}"
    return f"{format_date(start, year=start.year != last.year)} – {format_date(last)}"


def _all_day_in(start: date, last: date, end: date, language: str) -> str:
    """`_all_day` as CLDR writes it in `language`: "Juni 2024", "Fr., 17. – So., 19. Mai 2024"."""
    if start.day == 1 and end.day == 1 and last > start:
        if (start.year, start.month) == (last.year, last.month):
            return cldr.month(start, language)
        if start.month == 1 and last.month == 12 and start.year == last.year:
            return str(start.year)
        return cldr.dates(start, last.replace(day=1), language, months=True)
    if last <= start:
        return cldr.full_date(start, language)
    return cldr.dates(start, last, language)


def format_when(when: Span, *, other_zone: str | None = None) -> str:
    """ "Tue 5 Mar 2024, 15:00–16:00 GMT", "Fri 17 – Sun 19 May 2024", "June 2024", "Thu 13 Jun 2024".

    All-day dates are the same everywhere, so `other_zone` only applies to times.
    """
    start = in_zone(when.start, when.zone)
    if when.all_day:
        end = in_zone(when.end, when.zone).date() if when.end else _day_after(start.date())
        return _all_day(start.date(), end)
    if when.end is None:
        return format_time(start, when.zone, other_zone=other_zone)
    end = in_zone(when.end, when.zone)
    text = _clock_range(start, end, dates=True, ref=start)
    if other_zone is not None:
        o_start, o_end = in_zone(start, other_zone), in_zone(end, other_zone)
        if not (_same_clock(start, o_start) and _same_clock(end, o_end)):
            text += " / " + _clock_range(o_start, o_end, dates=False, ref=start)
    return text


def format_relative(delta: timedelta) -> str:
    """ "in 10 minutes", "in 1 day", "in 2 hours 5 minutes", "2 hours ago", "now".

    Rounded to the two largest units: seconds under a minute, minutes under an hour, hours and
    minutes under a day, then days and hours.
    """
    seconds = round(delta.total_seconds())
    if seconds == 0:
        return _("now")
    amount = abs(seconds)
    if amount < 60:
        text = _np("relative", "{n} second", "{n} seconds", amount).format(n=amount)
    elif amount < 3600 - 30:
        text = _minutes(round(amount / 60))
    elif amount < 86400 - 30:
        hours, minutes = divmod(round(amount / 60), 60)
        text = _hours(hours) + (f" {_minutes(minutes)}" if minutes else "")
    else:
        days, hours = divmod(round(amount / 3600), 24)
        text = _np("relative", "{n} day", "{n} days", days).format(n=days) + (
            f" {_hours(hours)}" if hours else ""
        )
    return _("in {time}").format(time=text) if seconds > 0 else _("{time} ago").format(time=text)


def _minutes(n: int) -> str:
    """ "5 minutes" after "in" or before "ago" (a language may say it so only there)."""
    return _np("relative", "{n} minute", "{n} minutes", n).format(n=n)


def _hours(n: int) -> str:
    return _np("relative", "{n} hour", "{n} hours", n).format(n=n)


def shorten(text: str, limit: int = 60) -> str:
    """User text to quote back in a message, cut short: a message should not echo a whole essay."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
