"""Text as the time parser reads it: one spelling of each thing ("the 5th of Sept., 3 p.m." becomes
"the 5 of september 3pm", and in a German room "Dienstag, 5. März 15 Uhr" becomes "tuesday 5 march
15:00", see `vocabulary`), and a zone word ("BST", "UTC+2") taken out to fix the offset."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo

from matrixbot.errors import TimeParseError
from matrixbot.i18n import _, reading_languages
from matrixbot.time import vocabulary
from matrixbot.time.format import DAY_NAMES, MONTH_FORMS, MONTH_NAMES, WEEKDAY_FORMS, WEEKDAY_RE

_ORDINAL = re.compile(r"\b([0-9]{1,2})(?:st|nd|rd|th)\b")
_ISO = re.compile(r"\b([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:t(?=[0-9]))?")
_DASHED_DMY = re.compile(r"\b([0-9]{1,2})-([0-9]{1,2})-([0-9]{2}|[0-9]{4})\b")
_MERIDIEM = re.compile(r"\b([ap])\.\s?m\b\.?")
_CONNECTORS = re.compile(r"\b(?:on|at|from|between|the|of)\b")
_UTC_OFFSET = re.compile(r"\b(?:utc|gmt)\s*([+-])\s*([0-9]{1,2})(?::?([0-9]{2}))?\b")
_DOTTED_CLOCK = re.compile(r"\b([0-9]{1,2})\.([0-9]{2})(?![.0-9])")
_NOON = re.compile(r"\b(?:12\s*)?(?:noon|midday)\b")
_SHORT_WORD = re.compile(r"\b[a-z]{2,5}\b")
_OTHER_WORDS = """am pm noon midday midnight today tomorrow yesterday tonight next last this in after ago
    at on from to until till and between the of a an now right day days week weeks fortnight month
    months year years hour hours minute minutes min mins second seconds sec secs h m s utc gmt"""
KNOWN_WORDS = frozenset(WEEKDAY_FORMS) | frozenset(MONTH_FORMS) | frozenset(_OTHER_WORDS.split())
"""Words of dates and times: any other word in an unreadable text is named in the reply."""


def normalise(text: str) -> str:
    """Lower case, one kind of dash, no ordinals or commas, ISO dates spelt out, full weekday names;
    the words of the language being written as their English ones."""
    text = text.strip().strip(".!?").lower()
    text = text.translate({ord("–"): "-", ord("—"): "-", ord("−"): "-", ord(","): " "})
    text = vocabulary.english(text, reading_languages())
    text = _MERIDIEM.sub(r"\1m", text)
    text = _ISO.sub(_spell_iso, text)
    text = _DASHED_DMY.sub(r"\1/\2/\3", text)
    text = _ORDINAL.sub(r"\1", text)
    text = _DOTTED_CLOCK.sub(r"\1:\2", text)
    text = WEEKDAY_RE.sub(lambda m: DAY_NAMES[WEEKDAY_FORMS[m[1]]].lower(), text)
    text = re.sub(r"\bsept\b", "september", text)
    text = _NOON.sub("12pm", text)
    text = re.sub(r"\bo'?clock\b", "", text)
    return " ".join(text.split())


def _spell_iso(match: re.Match[str]) -> str:
    """2024-07-02 as "2 july 2024", so that its dashes are not mistaken for a range."""
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return match.group()
    return f" {day} {MONTH_NAMES[month - 1].lower()} {year} "


def strip_connectors(text: str) -> str:
    return " ".join(_CONNECTORS.sub(" ", text).split())


def pop_zone(clean: str, written: str, now: datetime, tz: tzinfo) -> tuple[str, tzinfo | None]:
    """Take a zone word out of `clean` (the normalised `written`): "utc+2", the zone's own
    "BST"/"GMT" (as `tz` names itself within a year of `now`), or another known one."""
    match = _UTC_OFFSET.search(clean)
    if match is not None:
        sign = -1 if match[1] == "-" else 1
        offset = timedelta(hours=int(match[2]), minutes=int(match[3] or 0))
        if offset >= timedelta(hours=24):  # "gmt - 99": no zone is that far from UTC
            raise TimeParseError(
                _("In '{text}', '{offset}' is not a UTC offset; use e.g. UTC+2.").format(
                    text=written, offset=match.group().strip()
                )
            )
        return _cut(clean, match), timezone(sign * offset)
    own = {"utc": timedelta(0), "gmt": timedelta(0)}
    for month in range(-12, 25):
        sample = (now + timedelta(days=30.44 * month)).astimezone(tz)
        name = sample.tzname() or ""
        if name.isalpha():
            own[name.lower()] = sample.utcoffset() or timedelta(0)
    for match in _SHORT_WORD.finditer(clean):
        word = match.group()
        if word in own:
            return _cut(clean, match), timezone(own[word])
        if word in KNOWN_WORDS:
            continue
        from dateparser.timezone_parser import pop_tz_offset_from_string

        found = pop_tz_offset_from_string(f" {word} ")[1]
        if found is not None:
            return _cut(clean, match), timezone(found.utcoffset(None))
    return clean, None


def _cut(text: str, match: re.Match[str]) -> str:
    return " ".join((text[: match.start()] + " " + text[match.end() :]).split())
