"""Reading what people write: a new list's `key: value` lines, an edit, a talk topic.

Every error names the line it is about; nothing here touches the database. The keys (`when:`) and
`none` are read in English and in the languages read (the member's and the room's: `wann:`,
`keine`), as the catalog's `keyword` entries list them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar

from matrixbot import Body, Field, TimeParser, UsageError, UserError, When

from .model import Details
from .texts import _, texts

T = TypeVar("T")

KEYS = ("when", "where", "talks", "places", "closes", "slot")
EDIT_KEYS = ("title", *KEYS)
MAX_TITLE = 200
MAX_WHERE = 300
MAX_TOPIC = 300
MAX_TALKS = 50
MAX_PLACES = 10_000
_CLEARABLE = ("where", "places", "closes", "slot")
"""Keys that `none` clears."""


def _none_words() -> frozenset[str]:
    """ "none", "unlimited", "no", "-", and the words for them in the languages read."""
    return texts.keyword("none") | texts.keyword("unlimited") | texts.keyword("no") | {"-"}


def _key_said(key: str) -> str:
    """A line's key as the language being written says it ("plätze" for "places"), for an error."""
    said = {
        "title": texts.keyword_said("title"),
        "when": texts.keyword_said("when"),
        "where": texts.keyword_said("where"),
        "talks": texts.keyword_said("talks"),
        "places": texts.keyword_said("places"),
        "closes": texts.keyword_said("closes"),
        "slot": texts.keyword_said("slot"),
    }
    return said.get(key, key)


def parse_new(title: str, body: Body, times: TimeParser, zone: str, now: datetime | None = None) -> Details:
    """A new list from its title and `key: value` lines; `when:` is required. `now`: what "tomorrow"
    and "closes: 2 weeks" count from."""
    fields, _others = body.fields(KEYS, required=["when"])
    when = _when(fields["when"], times, zone, now)
    details = Details(title=_title(title), when=when)
    return _apply(details, fields, times, now)


def parse_edit(body: Body, current: Details, times: TimeParser, now: datetime | None = None) -> Details:
    """The list's details with the given lines changed; `where`, `places`, `closes`, `slot` take `none`."""
    fields = body.changes(EDIT_KEYS)
    details = current
    if "title" in fields:
        details = replace(details, title=_title(fields["title"].value, fields["title"].line))
    if "when" in fields:
        details = replace(details, when=_when(fields["when"], times, current.when.zone, now))
    return _apply(details, fields, times, now)


def check_topic(topic: str) -> str:
    """A talk's topic: one line, at most `MAX_TOPIC` characters."""
    topic = topic.strip()
    if not topic:
        raise UsageError(
            _("topic is missing: say what your talk is about, e.g. !signup talk S1 How we run our books")
        )
    if len(topic) > MAX_TOPIC:
        raise UserError(
            _(
                "That topic is {length} characters long; a topic may have at most {limit}. Please shorten it."
            ).format(length=len(topic), limit=MAX_TOPIC)
        )
    return topic


def _apply(details: Details, fields: dict[str, Field], times: TimeParser, now: datetime | None) -> Details:
    """Apply the optional keys to `details`, then check they fit together."""
    none = _none_words()
    cleared = {key for key in _CLEARABLE if key in fields and fields[key].value.lower() in none}
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
        raise UserError(
            _("line {n}: talk slots need a start time in '{when}:' (e.g. '{when}: {example}').").format(
                n=line, when=_key_said("when"), example=example
            )
        )
    if details.closes_at is not None and details.closes_at > details.when.start_utc:
        line = fields["closes"].line if "closes" in fields else fields["when"].line
        raise UserError(_("line {n}: sign-ups must close before the gathering starts.").format(n=line))


def _when(field: Field, times: TimeParser, zone: str, now: datetime | None) -> When:
    try:
        when = times.parse(field.value, zone, now=now)
    except UserError as error:
        raise UserError(_on_line(field, error.message)) from None
    if when.problems:
        raise UserError(_on_line(field, when.problems[0].message))
    return when


def _on_line(field: Field, problem: str) -> str:
    return _("line {n}: {problem}").format(n=field.line, problem=problem)


def _closes(field: Field, times: TimeParser, zone: str, now: datetime | None) -> datetime:
    """The moment sign-ups close ("2 weeks", "in 2 weeks", "Friday 5pm"; a bare date: the end of that day)."""
    try:
        return times.parse_deadline(field.value, zone, now=now)
    except UserError as error:
        raise UserError(_on_line(field, error.message)) from None


def _slot(field: Field, times: TimeParser) -> timedelta:
    try:
        slot = times.parse_duration(field.value)
    except UserError as error:
        raise UserError(_on_line(field, error.message)) from None
    if slot > timedelta(hours=12):
        raise UserError(_("line {n}: a talk slot may be at most 12 hours.").format(n=field.line))
    return slot


def _count(field: Field, lowest: int, highest: int) -> int:
    key = _key_said(field.key)
    if not re.fullmatch(r"[0-9]+", field.value):
        raise UserError(
            _("line {n}: '{key}:' must be a number, got '{value}'.").format(
                n=field.line, key=key, value=field.value[:40]
            )
        )
    if len(field.value) > len(str(highest)) or not lowest <= int(field.value) <= highest:
        raise UserError(
            _("line {n}: '{key}:' must be from {lowest} to {highest}.").format(
                n=field.line, key=key, lowest=lowest, highest=highest
            )
        )
    return int(field.value)


def _text(field: Field, limit: int) -> str:
    if len(field.value) > limit:
        raise UserError(
            _("line {n}: '{key}:' may have at most {limit} characters.").format(
                n=field.line, key=_key_said(field.key), limit=limit
            )
        )
    return field.value


def _title(title: str, line: int | None = None) -> str:
    """A list's title (the command's first line, or an edit's `title:` on `line`)."""
    title = title.strip()
    if len(title) > MAX_TITLE:
        said = (
            _("The title may have at most {limit} characters.")
            if line is None
            else _("Line {n}: the title may have at most {limit} characters.")
        )
        raise UserError(said.format(n=line, limit=MAX_TITLE))
    return title
