"""Reading what people write: a new list's `key: value` lines, an edit, a talk topic.

Every error names the line it is about; nothing here touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar

from matrixbot import Body, Field, TimeParser, UsageError, UserError, When

from .model import Details

T = TypeVar("T")

KEYS = ("when", "where", "talks", "places", "closes", "slot")
EDIT_KEYS = ("title", *KEYS)
MAX_TITLE = 200
MAX_WHERE = 300
MAX_TOPIC = 300
MAX_TALKS = 50
MAX_PLACES = 10_000
_NONE = ("none", "unlimited", "no", "-")
_CLEARABLE = ("where", "places", "closes", "slot")
"""Keys that `none` clears."""


def parse_new(title: str, body: Body, times: TimeParser, zone: str, now: datetime | None = None) -> Details:
    """A new list from its title and `key: value` lines; `when:` is required. `now`: what "tomorrow"
    and "closes: 2 weeks" count from."""
    fields, _ = body.fields(KEYS, required=["when"])
    when = _when(fields["when"], times, zone, now)
    details = Details(title=_title(title, "the title"), when=when)
    return _apply(details, fields, times, now)


def parse_edit(body: Body, current: Details, times: TimeParser, now: datetime | None = None) -> Details:
    """The list's details with the given lines changed; `where`, `places`, `closes`, `slot` take `none`."""
    fields = body.changes(EDIT_KEYS)
    details = current
    if "title" in fields:
        details = replace(
            details, title=_title(fields["title"].value, f"line {fields['title'].line}: the title")
        )
    if "when" in fields:
        details = replace(details, when=_when(fields["when"], times, current.when.zone, now))
    return _apply(details, fields, times, now)


def check_topic(topic: str) -> str:
    """A talk's topic: one line, at most `MAX_TOPIC` characters."""
    topic = topic.strip()
    if not topic:
        raise UsageError(
            "topic is missing: say what your talk is about, e.g. !signup talk S1 How we run our books"
        )
    if len(topic) > MAX_TOPIC:
        raise UserError(
            f"That topic is {len(topic)} characters long; a topic may have at most {MAX_TOPIC}. Please shorten it."
        )
    return topic


def _apply(details: Details, fields: dict[str, Field], times: TimeParser, now: datetime | None) -> Details:
    """Apply the optional keys to `details`, then check they fit together."""
    cleared = {key for key in _CLEARABLE if key in fields and fields[key].value.lower() in _NONE}
    given = {key: field for key, field in fields.items() if key not in cleared}

    def updated(key: str, read: Callable[[Field], T], old: T | None) -> T | None:
        if key in cleared:
            return None
        return read(given[key]) if key in given else old

    details = replace(  # keyword arguments are read in order: the first bad line is the one reported
        details,
        where=updated("where", lambda f: _text(f, MAX_WHERE), details.where),
        talks=_count(given["talks"], 0, MAX_TALKS) if "talks" in given else details.talks,
        places=updated("places", lambda f: _count(f, 1, MAX_PLACES), details.places),
        slot=updated("slot", lambda f: _slot(f, times), details.slot),
        closes_at=updated("closes", lambda f: _closes(f, times, details.when.zone, now), details.closes_at),
    )
    _check_fit(details, fields, times, now)
    return details


def _check_fit(details: Details, fields: dict[str, Field], times: TimeParser, now: datetime | None) -> None:
    if details.slot is not None and details.when.all_day:
        line = fields["slot"].line if "slot" in fields else fields["when"].line
        example = times.example_at(details.when.start.date(), details.when.zone, hour=18, now=now)
        raise UserError(f"line {line}: talk slots need a start time in 'when:' (e.g. 'when: {example}').")
    if details.closes_at is not None and details.closes_at > details.when.start_utc:
        line = fields["closes"].line if "closes" in fields else fields["when"].line
        raise UserError(f"line {line}: sign-ups must close before the gathering starts.")


def _when(field: Field, times: TimeParser, zone: str, now: datetime | None) -> When:
    try:
        when = times.parse(field.value, zone, now=now)
    except UserError as error:
        raise UserError(f"line {field.line}: {error.message}") from None
    if when.problems:
        raise UserError(f"line {field.line}: {when.problems[0].message}")
    return when


def _closes(field: Field, times: TimeParser, zone: str, now: datetime | None) -> datetime:
    """The moment sign-ups close ("2 weeks", "in 2 weeks", "Friday 5pm"; a bare date: the end of that day)."""
    try:
        return times.parse_deadline(field.value, zone, now=now)
    except UserError as error:
        raise UserError(f"line {field.line}: {error.message}") from None


def _slot(field: Field, times: TimeParser) -> timedelta:
    try:
        slot = times.parse_duration(field.value)
    except UserError as error:
        raise UserError(f"line {field.line}: {error.message}") from None
    if slot > timedelta(hours=12):
        raise UserError(f"line {field.line}: a talk slot may be at most 12 hours.")
    return slot


def _count(field: Field, lowest: int, highest: int) -> int:
    if not re.fullmatch(r"[0-9]+", field.value):
        raise UserError(f"line {field.line}: '{field.key}:' must be a number, got '{field.value[:40]}'.")
    if len(field.value) > len(str(highest)) or not lowest <= int(field.value) <= highest:
        raise UserError(f"line {field.line}: '{field.key}:' must be from {lowest} to {highest}.")
    return int(field.value)


def _text(field: Field, limit: int) -> str:
    if len(field.value) > limit:
        raise UserError(f"line {field.line}: '{field.key}:' may have at most {limit} characters.")
    return field.value


def _title(title: str, what: str) -> str:
    title = title.strip()
    if len(title) > MAX_TITLE:
        raise UserError(f"{what[0].upper()}{what[1:]} may have at most {MAX_TITLE} characters.")
    return title
