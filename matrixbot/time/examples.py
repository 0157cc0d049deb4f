"""Example dates for the bot's hints, worked out from the clock.

A date typed into a hint as a fixed string ("Tuesday 2 July 3pm") is wrong in most years, and the
bot then refuses its own advice. These are real dates in the user's zone, ahead of the moment given,
with their real weekdays; a test says each to the bot and checks it is taken.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from matrixbot.i18n import _, current_language
from matrixbot.time import cldr
from matrixbot.time.format import DAY_NAMES, MONTH_NAMES, localize
from matrixbot.time.vocabulary import SAMPLES

AHEAD = timedelta(days=8)
"""How far ahead an example date lies: past tomorrow, so that it never reads as "today"."""


def _samples() -> dict[str, str] | None:
    """The phrases of the language being written, None for English."""
    return SAMPLES.get(current_language())


def spoken(day: date, *, year: bool = True) -> str:
    """ "Thursday 29 February 2024" (without the year: "Thursday 29 February"); "Donnerstag, 29.
    Februar 2024"."""
    language = current_language()
    if cldr.speaks(language):
        return cldr.full_date(day, language, year=year)
    text = f"{DAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def clock(hour: int) -> str:
    """ "9am", "3pm", "12pm"; "15 Uhr", "a las 15:00", "15h"."""
    samples = _samples()
    if samples:
        return samples["clock"].format(hour=hour)
    return f"{hour % 12 or 12}{'am' if hour < 12 else 'pm'}"


def tomorrow_morning() -> str:
    """ "tomorrow 9am"; "morgen 9 Uhr"."""
    samples = _samples()
    return samples["tomorrow"] if samples else "tomorrow 9am"


def in_two_weeks() -> str:
    """ "in 2 weeks"; "in 2 Wochen"."""
    samples = _samples()
    return samples["weeks"] if samples else "in 2 weeks"


def example_time(now: datetime, zone: str, at: str | None = "3pm") -> str:
    """A day about a week ahead, with its weekday and a time: "Thursday 29 February 3pm" (without
    `at`: "Thursday 29 February"). The time is said as the language says it ("15 Uhr")."""
    day = now.astimezone(ZoneInfo(zone)).date() + AHEAD
    spoken_at = re.fullmatch(r"([0-9]{1,2})(am|pm)", at or "")
    if spoken_at and _samples():  # the hour, as the language writes it
        at = clock(int(spoken_at[1]) % 12 + (12 if spoken_at[2] == "pm" else 0))
    return f"{spoken(day, year=False)} {at}" if at else spoken(day, year=False)


def example_days(now: datetime, zone: str) -> str:
    """Three days from about a week ahead, as a range of dates: "29 February - 2 March", "4-6 June"."""
    first = now.astimezone(ZoneInfo(zone)).date() + AHEAD
    last = first + timedelta(days=2)
    samples, language = _samples(), current_language()
    if samples:
        month, last_month = cldr.month_name(first.month, language), cldr.month_name(last.month, language)
        form = samples["days"] if first.month == last.month else samples["days_apart"]
        return form.format(first=first.day, last=last.day, month=month, last_month=last_month)
    if first.month == last.month:
        return f"{first.day}-{last.day} {MONTH_NAMES[last.month - 1]}"
    return f"{first.day} {MONTH_NAMES[first.month - 1]} - {last.day} {MONTH_NAMES[last.month - 1]}"


def example_at(day: date, now: datetime, zone: str, hour: int = 15) -> str:
    """`day` with a time of day still ahead of `now`: "Friday 14 June 2024 3pm" (the next whole hour,
    or the next day, when `hour` has passed)."""
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    if localize(datetime.combine(day, time(hour)), tz)[0] <= local:
        later = local.replace(minute=0, second=0, microsecond=0, tzinfo=None) + timedelta(hours=2)
        while localize(later, tz)[1] == "gap":
            later += timedelta(hours=1)
        if later.date() == day:
            return f"{spoken(day)} {clock(later.hour)}"
        day = max(day, local.date()) + timedelta(days=1)
    return f"{spoken(day)} {clock(hour)}"


def hint(now: datetime, zone: str) -> str:
    """The sentence that ends a "could not read" reply."""
    return _("Try e.g. '{example}' or '{tomorrow}'.").format(
        example=example_time(now, zone), tomorrow=tomorrow_morning()
    )
