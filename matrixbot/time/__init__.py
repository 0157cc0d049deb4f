"""Time for people: reading times and repeats people type, showing times in their zones, and the clock.

No Matrix and no database here. This `__init__` is the only import path from outside the package.
"""

from matrixbot.errors import TimeParseError
from matrixbot.time.budget import MAX_TIME_TEXT, MAX_TIME_WORDS, check_text
from matrixbot.time.clock import Clock, FakeClock, SystemClock
from matrixbot.time.format import (
    format_date,
    format_relative,
    format_time,
    format_when,
    in_zone,
    localize,
    shorten,
    transition_near,
    valid_zone,
    zone_abbrev,
)
from matrixbot.time.hours import (
    DEFAULT_HOURS,
    Scheduled,
    WorkingHours,
    before_deadline,
    moved_note,
    on_working_day,
    parse_working_hours,
    quiet,
)
from matrixbot.time.parse import TimeParser
from matrixbot.time.recurrence import Recurrence, parse_recurrence
from matrixbot.time.service import TOO_SLOW, TimeService
from matrixbot.time.when import Problem, When

__all__ = [
    "DEFAULT_HOURS",
    "MAX_TIME_TEXT",
    "MAX_TIME_WORDS",
    "TOO_SLOW",
    "Clock",
    "FakeClock",
    "Problem",
    "Recurrence",
    "Scheduled",
    "SystemClock",
    "TimeParseError",
    "TimeParser",
    "TimeService",
    "When",
    "WorkingHours",
    "before_deadline",
    "check_text",
    "format_date",
    "format_relative",
    "format_time",
    "format_when",
    "in_zone",
    "localize",
    "moved_note",
    "on_working_day",
    "parse_recurrence",
    "parse_working_hours",
    "quiet",
    "shorten",
    "transition_near",
    "valid_zone",
    "zone_abbrev",
]
