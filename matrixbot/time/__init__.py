"""Time for people: reading times and repeats people type, showing times in their zones, and the clock.

No Matrix and no database here. This `__init__` is the only import path from outside the package.
"""

from matrixbot.errors import TimeParseError
from matrixbot.time.clock import Clock, FakeClock, SystemClock
from matrixbot.time.format import (
    format_relative,
    format_time,
    format_when,
    localize,
    transition_near,
    valid_zone,
    zone_abbrev,
)
from matrixbot.time.parse import TimeParser
from matrixbot.time.recurrence import Recurrence, parse_recurrence
from matrixbot.time.when import Problem, When

__all__ = [
    "Clock",
    "FakeClock",
    "Problem",
    "Recurrence",
    "SystemClock",
    "TimeParseError",
    "TimeParser",
    "When",
    "format_relative",
    "format_time",
    "format_when",
    "localize",
    "parse_recurrence",
    "transition_near",
    "valid_zone",
    "zone_abbrev",
]
