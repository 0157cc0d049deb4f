"""Reading the times people type in chat: "3-4pm Monday 26th February 2024", "tomorrow 9am", "June".

dateparser reads one date or time. This module splits ranges itself ("3-4pm", "17th-19 May"),
reads "in 10 minutes", durations, zone words ("15:00 BST") and a whole date spelt out ("Monday
26 February 2024", the form poll options take: a regex, several times cheaper than dateparser and
checked against it), and attaches the zone with
zoneinfo. dateparser is never told the zone: its own localisation moves a time in the
spring-forward gap without a word (01:30 on 31 March 2024 in London came back as 02:30 BST) and
takes the second of the two 01:00s in autumn, so here it only ever hands back naive wall-clock
times, read against the clock's "now" in the user's zone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from matrixbot.errors import DateRefused, TimeParseError
from matrixbot.i18n import _, any_of
from matrixbot.time import bounds, durations, examples, typos
from matrixbot.time import budget as timebudget
from matrixbot.time.clock import Clock
from matrixbot.time.clockrange import find_time_range, resolve_clocks
from matrixbot.time.format import (
    MONTH_FORMS,
    MONTH_RE,
    WEEKDAY_FORMS,
    WEEKDAY_RE,
    day_name,
    format_date,
    format_relative,
    format_time,
    format_when,
    localize,
    long_date,
    shorten,
    spelt_date,
    transition_near,
    valid_zone,
    zone_abbrev,
)
from matrixbot.time.when import Problem, When
from matrixbot.time.words import KNOWN_WORDS, normalise, pop_zone, strip_connectors

__all__ = [
    "Problem",
    "TimeParseError",
    "TimeParser",
    "When",
    "format_relative",
    "format_time",
    "format_when",
    "valid_zone",
    "zone_abbrev",
]

_YEAR = re.compile(r"\b[0-9]{4}\b")
_WRITTEN_CLOCK = re.compile(
    r"\b(?P<h>[0-9]{1,2})(?::(?P<m>[0-9]{2}))?\s*(?P<ap>[ap]m)\b|\b(?P<h24>[0-9]{1,2}):(?P<m24>[0-9]{2})\b|\bmidnight\b"
)
_RELATIVE = re.compile(r"(?:in|after)\s+(?P<ahead>.+)|(?P<ago>.+?)\s+ago|(?P<now>(?:right\s+)?now)")
_BARE_DAY = re.compile(r"(?:[a-z]+day\s+)?[0-9]{1,2}(?:\s+[0-9]{4})?")
_EXACT_DATE = re.compile(
    rf"(?:{WEEKDAY_RE.pattern} )?"
    rf"(?:(?P<d1>[0-9]{{1,2}}) (?P<m1>{MONTH_RE.pattern})|(?P<m2>{MONTH_RE.pattern}) (?P<d2>[0-9]{{1,2}}))"
    r" (?P<y>[0-9]{4})"
)
_AT_HOUR = re.compile(r"\bat\s+([0-9]{1,2})\b(?!\s*(?:[:.]?[0-9]|[ap]m\b))")
_DATE_SEP = re.compile(r"\s*(?:-|\bto\b|\buntil\b|\btill\b)\s*")


@dataclass(frozen=True)
class _Span:
    """Wall-clock times before a zone is attached; `named` pairs each weekday written with its date."""

    start: datetime
    end: datetime | None
    all_day: bool
    named: tuple[tuple[int, date], ...] = ()

    def shifted(self, days: int) -> _Span:
        step = timedelta(days=days)
        return _Span(self.start + step, None if self.end is None else self.end + step, self.all_day)


@dataclass(frozen=True)
class _Ctx:
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


class TimeParser:
    """Reads dates, times, ranges and durations against a clock, in one pinned set of languages.

    `date_order` settles "2/7/2024": "DMY" (2 July, the default: the bot's users are mostly in
    Europe) or "MDY".
    """

    def __init__(self, clock: Clock, languages: Sequence[str] = ("en",), *, date_order: str = "DMY") -> None:
        self._clock = clock
        self._languages = list(languages)
        self._date_order = date_order
        self._english = "en" in self._languages

    def reading(self, language: str) -> TimeParser:
        """A parser of `language` and English, with the same clock and date order: dateparser is
        told these two languages and no others (it never guesses). English first: the text reaches
        dateparser with the language's words already written as English (see `vocabulary`)."""
        return TimeParser(self._clock, ("en", language), date_order=self._date_order)

    def warm(self) -> None:
        """Load dateparser's language data (about 0.1 s the first time); blocking."""
        for text in ("3-4pm Monday 26th February 2024", "tomorrow 9am", "June"):
            self.parse(text, "UTC")

    def parse(
        self,
        text: str,
        zone: str,
        *,
        future: bool = True,
        near: Sequence[date] = (),
        now: datetime | None = None,
    ) -> When:
        """Read `text` as a time, a range or an all-day date in `zone`.

        With `future` (the default) a date without a year is the next one, and a result that is
        over adds a "past" problem; without it dateparser prefers the current period instead.
        `near` are the dates around this one (a poll's other options): a weekday that does not
        match its date is corrected towards them, and a date far from all of them is asked about
        (a "far" problem). `now` is the moment "in 10 minutes", "tomorrow" and "past" count from
        (the time the command was sent); the clock's time by default.

        A day that does not exist ("31 November") and a date before 1970 or more than
        `bounds.YEARS_AHEAD` years ahead are refused, with a sentence saying so.
        """
        if not valid_zone(zone):
            raise TimeParseError(
                _("'{zone}' is not a time zone I know; use a name like Europe/London.").format(zone=zone)
            )
        timebudget.check_text(text)
        base = (now or self._clock.now()).astimezone(UTC).replace(microsecond=0)
        ctx = _Ctx(shorten(text), zone, ZoneInfo(zone), base, future, near=tuple(near))
        clean = normalise(text)
        if not clean:
            raise TimeParseError(_("Give me a date or time.") + " " + examples.hint(ctx.now, zone))
        bounds.check_days(clean, date_order=self._date_order)
        clean, offset = pop_zone(clean, ctx.text, ctx.now, ctx.tz)
        clean = _AT_HOUR.sub(lambda m: _at_hour(m, ctx), clean)
        ctx = replace(ctx, offset=offset)
        instant = self._relative(clean, ctx)
        if instant is not None:
            return self._judge(When(instant.astimezone(ctx.tz), None, zone), ctx)
        span = self._read_span(clean, ctx)
        when = self._build(span, ctx)
        return replace(when, problems=self._typo_problems(span, ctx) + when.problems)

    def parse_deadline(self, text: str, zone: str, *, now: datetime | None = None) -> datetime:
        """When something closes, as people write it in every plugin: a length of time from `now`
        ("2 weeks", "in 2 weeks", "1 month"), a time ("Friday 5pm") or a date ("14 June": the end
        of that day). Refused when it is not ahead of `now` or its weekday does not match its date."""
        try:
            durations.components(text)
        except TimeParseError:
            spoken = text
        else:
            spoken = f"in {text}"
        when = self.parse(spoken, zone, now=now)
        for problem in when.problems:
            if problem.kind == "weekday":
                raise TimeParseError(problem.message)
        moment = when.end_utc if when.all_day and when.end_utc else when.start_utc
        base = now or self._clock.now()
        if moment <= base:
            raise TimeParseError(
                _("'{text}' is already past: give a deadline ahead, e.g. '{weeks}' or '{example}'.").format(
                    text=shorten(text),
                    weeks=examples.in_two_weeks(),
                    example=examples.example_time(base, zone),
                )
            )
        return moment

    def strays(self, when: When, near: Sequence[date], *, now: datetime | None = None) -> bool:
        """Whether `when` lies so far from the dates `near` (a poll's other options) that reading it
        again with them (`parse(..., near=near)`) asks about it."""
        today = (now or self._clock.now()).astimezone(ZoneInfo(when.zone)).date()
        return typos.strays(when.start.astimezone(ZoneInfo(when.zone)).date(), near, today)

    def split_day(self, words: Sequence[str], cut: int) -> str | None:
        """Why not to cut `words` before word `cut`, when the cut splits a day that does not exist
        ("31st | November 9am", where "31st" alone reads as a date), or None.

        For commands that look for the longest run of words that reads as a time."""
        return bounds.split_day(words, cut, date_order=self._date_order)

    def example(self, zone: str, *, at: str | None = "3pm", now: datetime | None = None) -> str:
        """A date and time to show in a hint, taken by this parser: "Thursday 29 February 3pm"
        (without `at`, a date: "Thursday 29 February")."""
        return examples.example_time(now or self._clock.now(), zone, at)

    def example_days(self, zone: str, *, now: datetime | None = None) -> str:
        """A range of dates to show in a hint: "29 February - 2 March"."""
        return examples.example_days(now or self._clock.now(), zone)

    def example_at(self, day: date, zone: str, *, hour: int = 15, now: datetime | None = None) -> str:
        """`day` with a time still ahead, to show in a hint: "Friday 14 June 2024 3pm"."""
        return examples.example_at(day, now or self._clock.now(), zone, hour)

    def parse_duration(self, text: str) -> timedelta:
        return durations.parse_duration(text)

    def parse_durations(self, text: str) -> list[timedelta]:
        return durations.parse_durations(text)

    def parse_period(self, text: str) -> relativedelta:
        return durations.parse_period(text)

    def _relative(self, clean: str, ctx: _Ctx) -> datetime | None:
        """ "in 10 minutes", "2 hours ago", "now": exact for hours, by the calendar for days and more."""
        match = _RELATIVE.fullmatch(clean)
        if match is None:
            return None
        if match["now"]:
            return ctx.now
        sign = 1 if match["ahead"] else -1
        try:
            parts = durations.components(match["ahead"] or match["ago"])
        except TimeParseError:
            return None
        calendar = {"years": 0.0, "months": 0.0, "days": 0.0}
        seconds = 0.0
        for value, unit in parts:
            if unit in ("years", "months"):
                calendar[unit] += value
            elif unit in ("days", "weeks", "fortnights") and value * durations.SECONDS[unit] % 86400 == 0:
                calendar["days"] += value * durations.SECONDS[unit] / 86400
            else:
                seconds += value * durations.SECONDS[unit]
        if any(v != int(v) for v in calendar.values()):
            raise TimeParseError(_("'{text}': use whole numbers of months and years.").format(text=ctx.text))
        try:
            base = ctx.now
            if any(calendar.values()):
                whole = {unit: sign * int(v) for unit, v in calendar.items()}
                shift = relativedelta(years=whole["years"], months=whole["months"], days=whole["days"])
                base = localize(ctx.local_now + shift, ctx.tz)[0]
            return base + sign * timedelta(seconds=round(seconds))
        except (OverflowError, ValueError):
            raise DateRefused(
                _("'{text}' is more than {years} years away: give a time closer.").format(
                    text=ctx.text, years=bounds.YEARS_AHEAD
                )
            ) from None

    def _read_span(self, clean: str, ctx: _Ctx) -> _Span:
        match = find_time_range(clean)
        if match is not None:
            return self._times_on_day(clean, match, ctx)
        ends = _DATE_SEP.split(clean)
        if len(ends) == 1:
            return self._read(clean, ctx)
        if len(ends) > 2 or not all(ends):
            raise TimeParseError(
                _("I could not read '{text}' as one range, like '{example}'.").format(
                    text=ctx.text, example=examples.example_days(ctx.now, ctx.zone)
                )
            )
        left, right = ends
        return self._date_range(left, right, ctx)

    def _times_on_day(self, clean: str, match: re.Match[str], ctx: _Ctx) -> _Span:
        """ "3-4pm Monday 26 February 2024": a range of clock times on one day (or overnight)."""
        phrase = match.group().strip()
        start_min, length = resolve_clocks(match, phrase)
        day_text = strip_connectors(clean[: match.start()] + " " + clean[match.end() :])
        if day_text:
            day = self._read(day_text, ctx)
            if not day.all_day or day.end != day.start + timedelta(days=1):
                raise TimeParseError(
                    _("In '{text}', '{day}' should name a single day for '{times}'.").format(
                        text=ctx.text, day=day_text, times=phrase
                    )
                )
            base, named = day.start, day.named
        else:
            base, named = datetime.combine(ctx.local_now.date(), time()), ()
            if ctx.future and base + timedelta(minutes=start_min) < ctx.local_now:
                base += timedelta(days=1)
        start = base + timedelta(minutes=start_min)
        return _Span(start, start + timedelta(minutes=length), False, named)

    def _date_range(self, left: str, right: str, ctx: _Ctx) -> _Span:
        """ "17-19 May 2024", "Fri 17 - Sun 19 May", "30 Dec - 2 Jan": each end borrows what it leaves out."""
        left_month, right_month = MONTH_RE.search(left), MONTH_RE.search(right)
        if right_month and not left_month:
            left = f"{left} {right_month.group()}"
        elif left_month and not right_month and _BARE_DAY.fullmatch(right):
            right = re.sub(r"\b([0-9]{1,2})\b", rf"\1 {left_month.group()}", right, count=1)
        left_year, right_year = _YEAR.search(left), _YEAR.search(right)
        if right_year and not left_year and MONTH_RE.search(left):
            left = f"{left} {right_year.group()}"
        elif left_year and not right_year and MONTH_RE.search(right):
            right = f"{right} {left_year.group()}"
        second = self._read(right, ctx)
        if not left_year and not right_year and MONTH_RE.search(left):
            first = self._read(f"{left} {second.start.year}", ctx)
            if first.start > second.start:
                first = self._read(f"{left} {second.start.year - 1}", ctx)
        else:
            first = self._read(left, ctx)
        end = second.end if second.all_day else second.start
        return _Span(first.start, end, first.all_day and second.all_day, first.named + second.named)

    def _read(self, text: str, ctx: _Ctx) -> _Span:
        """One date or time (a whole date spelt out by `_exact_date`, anything else by dateparser),
        as a wall-clock instant or an all-day span."""
        text = strip_connectors(text)
        timebudget.check()
        exact = _exact_date(text) if self._english else None
        period: str | None
        if exact is not None:
            value, period = exact, "day"
        else:
            from dateparser.date import DateDataParser  # imported on first use: big and slow to load

            settings = {
                "PREFER_DATES_FROM": "future" if ctx.future else "current_period",
                "RELATIVE_BASE": ctx.local_now,
                "RETURN_TIME_AS_PERIOD": True,
                "DATE_ORDER": self._date_order,
            }
            data = DateDataParser(languages=self._languages, settings=settings).get_date_data(text)
            if data.date_obj is None:
                raise _unreadable(text, ctx)
            value, period = data.date_obj, data.period
        if value.tzinfo is not None:
            value = value.astimezone(ctx.tz).replace(tzinfo=None)
        value = value.replace(microsecond=0)
        today = ctx.local_now.date()
        bounds.check_year(value.date(), today, lambda: format_date(value.date()))  # before any arithmetic
        # dateparser moves a yearless date to next year as soon as it has begun ("10 July" on
        # 10 July, "July" in July); a chat user means the one under way.
        yearless = ctx.future and not _YEAR.search(text) and MONTH_RE.search(text) is not None
        day = value.date()
        named = _named_weekday(text)
        # dateparser calls "tomorrow 12:00" a day when the clock reads 12:00, so look for a time too,
        # and it skips what it cannot read ("13pm"), so check it read the time that was written.
        clocks = _clocks_written(text, ctx)
        if clocks and (value.hour, value.minute) not in clocks:
            raise _unreadable(text, ctx)
        # "the 5th" (and "3pm on the 5th") is taken as this month even once it has passed.
        day_only = ctx.future and _BARE_DAY.fullmatch(" ".join(_WRITTEN_CLOCK.sub(" ", text).split()))
        if period == "time" or (period == "day" and clocks):
            earlier = value - relativedelta(years=1)
            if yearless and earlier >= ctx.local_now and earlier.day == value.day:
                value = earlier
            elif day_only and value < ctx.local_now:
                value += relativedelta(months=1)
            return _Span(value, None, False, () if named is None else ((named, value.date()),))
        if period in ("month", "year"):
            first = day.replace(day=1) if period == "month" else date(day.year, 1, 1)
            size = relativedelta(months=1) if period == "month" else relativedelta(years=1)
            if yearless and first - relativedelta(years=1) + size > today:
                first -= relativedelta(years=1)
            return _all_day(first, first + size, ())
        if period == "week":
            monday = day - timedelta(days=day.weekday())
            return _all_day(monday, monday + timedelta(days=7), ())
        if yearless and day - relativedelta(years=1) == today:
            day = today
        elif day_only and day < today:
            day += relativedelta(months=1)
        return _all_day(day, day + timedelta(days=1), () if named is None else ((named, day),))

    def _build(self, span: _Span, ctx: _Ctx) -> When:
        """Attach the zone: refuse times the clocks skip, note times that happen twice, check the order."""
        start, first_problem = _instant(span.start, span.all_day, ctx)
        problems = [first_problem] if first_problem else []
        end = None
        if span.end is not None:
            end, end_problem = _instant(span.end, span.all_day, ctx)
            problems += [end_problem] if end_problem else []
            if end <= start:
                first, last = format_time(start, ctx.zone), format_time(end, ctx.zone)
                if span.all_day:
                    first, last = format_date(start.date()), format_date((end - timedelta(days=1)).date())
                raise TimeParseError(
                    _(
                        "In '{text}' the end ({last}) is not after the start ({first}). Put the earlier one first."
                    ).format(text=ctx.text, last=last, first=first)
                )
        return self._judge(When(start, end, ctx.zone, span.all_day, tuple(problems)), ctx)

    def _judge(self, when: When, ctx: _Ctx) -> When:
        """Refuse a date outside the years taken; note one that is over (when the future is meant)."""
        today = ctx.local_now.date()
        bounds.check_year(when.start.date(), today, lambda: format_when(when))
        if when.end is not None:
            bounds.check_year((when.end - timedelta(seconds=1)).date(), today, lambda: format_when(when))
        over = when.start_utc < ctx.now if when.end_utc is None else when.end_utc <= ctx.now
        if not (ctx.future and over):
            return when
        problem = Problem("past", _("{when} is in the past.").format(when=format_when(when)))
        return replace(when, problems=(*when.problems, problem))

    def _typo_problems(self, span: _Span, ctx: _Ctx) -> tuple[Problem, ...]:
        """A weekday that does not match its date, or a date far from those `near` it: say so, and
        suggest what was likely meant (see `typos`)."""
        problems: list[Problem] = []
        today = ctx.local_now.date()
        limits = (bounds.EARLIEST, bounds.latest(today))
        for weekday, day in span.named:
            if day.weekday() == weekday:
                continue
            fixes = typos.weekday_fixes(day, weekday, today, ctx.near, limits)
            said = (
                _("{date} was a {weekday}, not a {written}; did you mean {fixes}?")
                if day < today
                else _("{date} is a {weekday}, not a {written}; did you mean {fixes}?")
            )
            message = said.format(
                date=long_date(day),
                weekday=day_name(day.weekday()),
                written=day_name(weekday),
                fixes=_either(fixes),
            )
            suggestion = None if problems else self._suggestion(span, fixes[0] - day, ctx)
            problems.append(Problem("weekday", message, suggestion))
        day = span.start.date()
        if problems or not typos.strays(day, ctx.near, today):
            return tuple(problems)
        written = next((w for w, d in span.named if d == day), None)
        meant = [d for d in typos.weekday_fixes(day, written, today, ctx.near, limits) if d != day]
        far = {"date": long_date(day), "distance": typos.distance(day, ctx.near)}
        if not meant:  # its year is the nearest they allow: a month or a day is wrong, or nothing
            message = _("{date} is {distance} from the other dates: is that the date you meant?")
            return (Problem("far", message.format(**far)),)
        message = _("{date} is {distance} from the other dates; did you mean {fixes}?").format(
            **far, fixes=_either(meant)
        )
        return (Problem("far", message, self._suggestion(span, meant[0] - day, ctx)),)

    def _suggestion(self, span: _Span, shift: timedelta, ctx: _Ctx) -> When | None:
        try:
            return self._build(span.shifted(shift.days), ctx)
        except TimeParseError:
            return None


def _either(days: Sequence[date]) -> str:
    """ "Tuesday 5 March 2024", or "Tuesday 2 March 2027 or Friday 5 March 2027"."""
    return any_of(spelt_date(d) for d in days)


def _all_day(start: date, end: date, named: tuple[tuple[int, date], ...]) -> _Span:
    return _Span(datetime.combine(start, time()), datetime.combine(end, time()), True, named)


def _instant(wall: datetime, all_day: bool, ctx: _Ctx) -> tuple[datetime, Problem | None]:
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


def _at_hour(match: re.Match[str], ctx: _Ctx) -> str:
    """ "at 15" is 15:00; "at 3" could be either, and dateparser would quietly drop it."""
    hour = int(match[1])
    if hour == 0 or 12 < hour <= 23:
        return f"at {hour}:00"
    raise TimeParseError(
        _("In '{text}', is 'at {hour}' in the morning or the afternoon? Write {hour}am or {hour}pm.").format(
            text=ctx.text, hour=hour
        )
    )


def _clocks_written(text: str, ctx: _Ctx) -> set[tuple[int, int]]:
    """(hour, minute) of each clock time in the text; an impossible one ("13pm", "25:00") is an error."""
    found = set()
    for match in _WRITTEN_CLOCK.finditer(text):
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


def _exact_date(text: str) -> datetime | None:
    """A whole date spelt out ("monday 26 february 2024", "26 february 2024", "feb 26 2024"), read
    without dateparser (see the module's docstring). Anything else, or a day the month does not
    have, is None: dateparser reads it, and its answer or error is the one given."""
    match = _EXACT_DATE.fullmatch(text)
    if match is None:
        return None
    day = int(match["d1"] or match["d2"])
    month = MONTH_FORMS[match["m1"] or match["m2"]]
    try:
        return datetime(int(match["y"]), month, day)
    except ValueError:
        return None


def _named_weekday(text: str) -> int | None:
    named = {WEEKDAY_FORMS[m[1]] for m in WEEKDAY_RE.finditer(text)}
    return named.pop() if len(named) == 1 else None


def _unreadable(text: str, ctx: _Ctx) -> TimeParseError:
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
