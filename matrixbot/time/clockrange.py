"""Ranges of clock times as people write them: "3-4pm", "15:00 - 16:30", "11-1pm", "10pm-2am"."""

from __future__ import annotations

import re

from matrixbot.errors import TimeParseError
from matrixbot.i18n import _
from matrixbot.time.format import MONTH_RE

_CLOCK = (
    r"(?:(?P<{0}h>[0-9]{{1,2}})(?:[:.](?P<{0}m>[0-9]{{2}}))?(?:\s*(?P<{0}ap>am|pm)\b)?"
    r"|(?P<{0}w>noon|midday|midnight))"
)
_TIME_RANGE = re.compile(
    r"(?<![0-9:./])(?P<lead>(?:from|between)\s+)?"
    + _CLOCK.format("a")
    + r"\s*(?P<sep>-|\bto\b|\buntil\b|\btill\b|\band\b)\s*"
    + _CLOCK.format("b")
    + r"(?![0-9:/])"
)


def find_time_range(clean: str) -> re.Match[str] | None:
    """The "3-4pm" / "15:00 - 16:30" part of the text, or None ("17-19 May" is a range of days)."""
    for match in _TIME_RANGE.finditer(clean):
        if match["sep"] == "and" and not match["lead"]:
            continue
        start_bare = not any(match[g] for g in ("aap", "am", "aw"))
        end_bare = not any(match[g] for g in ("bap", "bm", "bw"))
        # A bare number next to a month is a day: "17-19 May", "May 17-19", "3pm - 19 May 11am".
        if end_bare and MONTH_RE.match(clean[match.end() :].strip()):
            continue
        if start_bare and _ends_in_month(clean, match):
            continue
        if not (start_bare and end_bare) or any(match[g] and int(match[g]) > 12 for g in ("ah", "bh")):
            return match
        raise TimeParseError(
            _(
                "In '{times}' I can't tell morning from afternoon: write e.g. '3-4pm' or use the "
                "24-hour clock, '15:00-16:00'."
            ).format(times=match.group().strip())
        )
    return None


def _ends_in_month(clean: str, match: re.Match[str]) -> bool:
    before = clean[: match.start()].split()
    return bool(before) and MONTH_RE.fullmatch(before[-1]) is not None


def _clock_options(match: re.Match[str], side: str) -> tuple[list[int], bool]:
    """Minutes after midnight one clock time may mean, and whether it was unambiguous.

    "3" could be 03:00 or 15:00 (as written first, so "12" is noon before midnight); "3pm", "15",
    "03:00", "noon" and "midnight" are unambiguous. Midnight is 0 here; as an end it is 24:00.
    """
    word = match[side + "w"]
    if word:
        return [0 if word == "midnight" else 720], True
    hour, minute, meridiem = int(match[side + "h"]), int(match[side + "m"] or 0), match[side + "ap"]
    if minute > 59 or hour > 24 or (meridiem and not 1 <= hour <= 12) or (hour == 24 and minute):
        raise TimeParseError(
            _("'{times}' has a time that does not exist.").format(times=match.group().strip())
        )
    if meridiem:
        return [(hour % 12 + (12 if meridiem == "pm" else 0)) * 60 + minute], True
    if hour == 0 or hour > 12 or match[side + "h"].startswith("0"):
        return [hour * 60 + minute], True
    written = hour * 60 + minute
    return [written, written + 720 if hour < 12 else minute], False


def resolve_clocks(match: re.Match[str], phrase: str) -> tuple[int, int]:
    """(start in minutes after midnight, length in minutes) for a range of clock times.

    A time without am/pm first takes the other's half of the day ("3-4pm" is 15:00-16:00, "3pm-4"
    too); if that puts the end first, the other half is used when the span is then at most ten
    hours ("11-1pm" is 11:00-13:00, "9-5pm" 09:00-17:00) and refused otherwise ("4-3pm"). With
    neither marked the start is read as written ("9:30-10:30", "12:30-1:30" is 12:30-13:30). An end
    in the morning after a start in the afternoon is the next morning ("10pm-2am").
    """
    (starts, start_sure), (ends, end_sure) = _clock_options(match, "a"), _clock_options(match, "b")
    if match["bw"] == "midnight":
        ends = [1440]
    if start_sure and end_sure:
        tries = [(starts[0], ends[0], True)]
    elif start_sure:
        tries = [(starts[0], e, (e >= 720) == (starts[0] >= 720)) for e in ends]
    elif end_sure:
        tries = [(s, ends[0], (s >= 720) == (ends[0] >= 720)) for s in starts]
    else:
        tries = [(starts[0], e, e == ends[0]) for e in ends]
    for start, end, preferred in sorted(tries, key=lambda t: not t[2]):
        length = end - start if end > start else None
        if length is None and start >= 720 > end and (end_sure or not preferred):
            length = end + 1440 - start
        if length is not None and (preferred or length <= 600):
            return start, length
    raise TimeParseError(
        _("In '{times}' the end comes before the start. Put the earlier time first, e.g. '3-4pm'.").format(
            times=phrase
        )
    )
