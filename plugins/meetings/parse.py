"""Reading what people type: a meeting's `key: value` lines and a simple reminder's first line.

Every error names the line (and key) it is about and what was expected. An access code is never
put into an error message: it is a secret until it is revealed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from matrixbot import (
    MAX_TIME_TEXT,
    MAX_TIME_WORDS,
    USER_ID,
    Body,
    DateRefused,
    Field,
    Recurrence,
    TimeParser,
    UserError,
    When,
    check_text,
    parse_recurrence,
    shorten,
)

from .model import MeetingFields

MEETING_KEYS = ("when", "duration", "url", "code", "remind", "notify", "repeat", "reveal")
EDIT_KEYS = ("title", *MEETING_KEYS)
FROM_POLL_KEYS = tuple(k for k in MEETING_KEYS if k not in ("when", "duration"))
MAX_CODE = 64
_NONE = ("none", "no", "off", "never")
_URL = re.compile(r"https?://\S+", re.I)
_CODE_LINE = re.compile(r"^\s*code\s*:", re.I | re.M)
_REPEAT_WORDS = ("every", "each", "daily", "weekly", "fortnightly", "monthly", "yearly", "annually")
T = TypeVar("T")


def mentions_code(body: str) -> bool:
    """Whether a command's body has a `code:` line (so the message shows a secret)."""
    return bool(_CODE_LINE.search(body))


def parse_meeting(
    body: Body,
    times: TimeParser,
    zone: str,
    *,
    keys: tuple[str, ...] = MEETING_KEYS,
    required: tuple[str, ...] = ("when",),
    now: datetime | None = None,
) -> MeetingFields:
    """Read a meeting's `key: value` lines: a new one's (`when:` required), an edit's (`title:` too, none
    required) or those added to a date poll's winner (no `when:`). `now`: what `when:` counts from."""
    fields, _ = body.fields(keys, required=required)
    values: dict[str, Any] = {}
    if "title" in fields:
        values["title"] = fields["title"].value
    if "when" in fields:
        when = _on_line(fields["when"], lambda v: read_when(times, v, zone, now))
        values.update(start=when.start, zone=zone)
        if when.end is not None:
            values["duration"] = when.end - when.start
    if "duration" in fields:
        values["duration"] = _on_line(fields["duration"], times.parse_duration)
    if "url" in fields:
        values["url"] = _on_line(fields["url"], read_url)
    if "code" in fields:
        values["code"] = _on_line(fields["code"], read_code)
    if "remind" in fields:
        values["remind"] = _on_line(fields["remind"], lambda v: read_remind(times, v))
    if "notify" in fields:
        notify = _on_line(fields["notify"], read_notify)
        values.update(notify=notify.users, notify_room=notify.room, notify_organiser=notify.organiser)
    if "repeat" in fields:
        values["repeat"] = _on_line(fields["repeat"], read_repeat)
    if "reveal" in fields:
        values["reveal"] = _on_line(fields["reveal"], times.parse_duration)
    return MeetingFields(given=frozenset(fields), **values)


def _on_line(field: Field, read: Callable[[str], T]) -> T:
    try:
        return read(field.value)
    except UserError as exc:
        raise UserError(f"line {field.line} ({field.key}:): {exc.message}") from None


def read_when(times: TimeParser, text: str, zone: str, now: datetime | None = None) -> When:
    when = times.parse(text, zone, now=now)
    if when.problems:
        raise UserError(when.problems[0].message)
    if when.all_day:
        example = times.example_at(when.start.date(), zone, now=now)
        raise UserError(f"give a time of day too, e.g. '{example}'.")
    return when


def read_url(text: str) -> str | None:
    if text.lower() in _NONE:
        return None
    if not _URL.fullmatch(text):
        raise UserError("expected a web address, starting with https:// (e.g. https://meet.example.coop/x).")
    return text


def read_code(text: str) -> str | None:
    if text.lower() in _NONE:
        return None
    if len(text) > MAX_CODE:
        raise UserError(f"an access code is at most {MAX_CODE} characters.")
    return text


def read_remind(times: TimeParser, text: str) -> tuple[timedelta, ...]:
    """ "1 day, 10 minutes" before the start (latest last), or "none"."""
    if text.lower() in _NONE:
        return ()
    return tuple(sorted(set(times.parse_durations(text)), reverse=True))


@dataclass(frozen=True)
class Notify:
    """A `notify:` line: whom the reminders mention besides those who react 👍."""

    users: tuple[str, ...] = ()
    room: bool = False
    organiser: bool = True


def read_notify(text: str) -> Notify:
    """User ids separated by spaces or commas, and the organiser; `@room` asks for a room mention.

    `none` alone: nobody, not even the organiser. `only` before people: those, not the organiser.
    """
    users: list[str] = []
    room = only = nobody = False
    for word in re.split(r"[\s,]+", text.strip()):
        if word.lower() == "@room":
            room = True
        elif word.lower() == "only":
            only = True
        elif USER_ID.match(word):
            users.append(word)
        elif word.lower() in _NONE:
            nobody = True
        else:
            raise UserError(f"'{shorten(word)}' is not a user: write @name:server (or mention them).")
    named = bool(users) or room
    if nobody and named:
        raise UserError(
            "'none' means nobody, not even the organiser: to mention some people but not yourself, "
            "write 'only' before them (e.g. notify: only @ann:example.org)."
        )
    if only and not named:
        raise UserError("only whom? e.g. notify: only @ann:example.org (or 'none' for nobody).")
    return Notify(tuple(dict.fromkeys(users)), room, organiser=not (nobody or only))


def read_repeat(text: str) -> Recurrence | None:
    if text.lower() in _NONE:
        return None
    return parse_recurrence(text)


@dataclass(frozen=True)
class ReminderDraft:
    due: datetime
    repeat: Recurrence | None
    text: str


def parse_reminder(text: str, times: TimeParser, zone: str, now: datetime) -> ReminderDraft:
    """ "in 10 minutes stand-up", "tomorrow 9am send invoices", "every monday 10am weekly check".

    The time is the longest run of leading words (at most `MAX_TIME_WORDS`) that reads as one; the
    rest is the reminder. Bounding the run keeps the search linear in the length of the text.
    """
    words = text.split()
    if words and words[0].lower() in ("me", "us"):
        words = words[1:]
    repeating = bool(words) and words[0].lower() in _REPEAT_WORDS
    refused = ""  # "There is no 31 November", "… before 1970": said instead of a shorter reading
    for cut in range(min(len(words) - 1, MAX_TIME_WORDS), 0, -1):
        head, rest = " ".join(words[:cut]), _what(words[cut:])
        if not rest:
            continue
        if repeating:
            try:
                repeat = parse_recurrence(head)
            except UserError:
                continue
            if repeat.time is None:
                raise UserError(f"At what time? Add it to the repeat, e.g. '{repeat.describe()} at 10am'.")
            return ReminderDraft(repeat.first_after(now, zone), repeat, rest)
        try:
            when = times.parse(head, zone, now=now)
        except DateRefused as exc:
            refused = refused or exc.message
            continue
        except UserError:
            continue
        split = times.split_day(words, cut)  # "31st | November 9am": not the 31st of this month
        if split is not None:
            raise UserError(split)
        if when.all_day and refused:  # "5 March 1969 9am": not the 5 March ahead
            raise UserError(refused)
        if when.problems:
            raise UserError(when.problems[0].message)
        if when.all_day:
            example = times.example_at(when.start.date(), zone, hour=9, now=now)
            raise UserError(f"At what time? Write it with the date, e.g. '{example}'.")
        return ReminderDraft(when.start, None, rest)
    check_text(
        " ".join(words[:MAX_TIME_WORDS])[:MAX_TIME_TEXT]
    )  # say so if it was other digits ("in ５ minutes")
    if refused:
        raise UserError(refused)
    raise UserError(
        "I could not find a time at the start of that, then what to remind about: "
        "try 'in 10 minutes stand-up', 'tomorrow 9am send invoices' or 'every monday 10am weekly check'."
    )


def _what(words: list[str]) -> str:
    if words and words[0].lower() == "to":
        words = words[1:]
    return " ".join(words).strip()
