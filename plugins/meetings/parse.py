"""Reading what people type: a meeting's `key: value` lines and a simple reminder's first line.

Every error names the line (and key) it is about and what was expected. An access code is never
put into an error message: it is a secret until it is revealed.

The keys (`when:`), `none`, `only`, `@room` and the words that start a repeat are read in English
and in the languages read (the member's and the room's: `wann:`, `keine`, `nur`, `jeden`), as the
catalog's `keyword` entries list them.
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
from .texts import _, _n, texts

MEETING_KEYS = ("when", "duration", "url", "code", "remind", "notify", "repeat", "reveal")
EDIT_KEYS = ("title", *MEETING_KEYS)
FROM_POLL_KEYS = tuple(k for k in MEETING_KEYS if k not in ("when", "duration"))
MAX_CODE = 64
_URL = re.compile(r"https?://\S+", re.I)
_KEY = re.compile(r"^\s*([^\s:]+)\s*:", re.M)
_REPEAT_WORDS = ("each", "annually")
"""Words that start a repeat besides those `_repeat_words` lists in every language read."""
T = TypeVar("T")


def _none_words() -> frozenset[str]:
    """ "none", "no", "off", "never", and the words for them in the languages read."""
    return texts.keyword("none") | texts.keyword("no") | texts.keyword("off") | texts.keyword("never")


def _repeat_words() -> frozenset[str]:
    """The words a repeat starts with: "every", "weekly"…, "jeden", "cada", "chaque"…"""
    return (
        texts.keyword("every")
        | texts.keyword("daily")
        | texts.keyword("weekly")
        | texts.keyword("fortnightly")
        | texts.keyword("monthly")
        | texts.keyword("yearly")
        | frozenset(_REPEAT_WORDS)
    )


def _key_said(key: str) -> str:
    """A line's key as the language being written says it ("wann" for "when"), for an error."""
    said = {
        "title": texts.keyword_said("title"),
        "when": texts.keyword_said("when"),
        "duration": texts.keyword_said("duration"),
        "url": texts.keyword_said("url"),
        "code": texts.keyword_said("code"),
        "remind": texts.keyword_said("remind"),
        "notify": texts.keyword_said("notify"),
        "repeat": texts.keyword_said("repeat"),
        "reveal": texts.keyword_said("reveal"),
    }
    return said.get(key, key)


def mentions_code(body: str) -> bool:
    """Whether a command's body has a `code:` line, in English or a language read (`Zugangscode:`),
    so the message shows a secret."""
    words = texts.keyword("code")
    return any(key.lower() in words for key in _KEY.findall(body))


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
    fields, _free = body.fields(keys, required=required)
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
        said = _("line {n} ({key}:): {error}").format(
            n=field.line, key=_key_said(field.key), error=exc.message
        )
        raise UserError(said) from None


def read_when(times: TimeParser, text: str, zone: str, now: datetime | None = None) -> When:
    when = times.parse(text, zone, now=now)
    if when.problems:
        raise UserError(when.problems[0].message)
    if when.all_day:
        example = times.example_at(when.start.date(), zone, now=now)
        raise UserError(_("give a time of day too, e.g. '{example}'.").format(example=example))
    return when


def read_url(text: str) -> str | None:
    if text.lower() in _none_words():
        return None
    if not _URL.fullmatch(text):
        raise UserError(
            _("expected a web address, starting with https:// (e.g. https://meet.example.coop/x).")
        )
    return text


def read_code(text: str) -> str | None:
    if text.lower() in _none_words():
        return None
    if len(text) > MAX_CODE:
        raise UserError(
            _n(
                "an access code is at most {n} character.",
                "an access code is at most {n} characters.",
                MAX_CODE,
            ).format(n=MAX_CODE)
        )
    return text


def read_remind(times: TimeParser, text: str) -> tuple[timedelta, ...]:
    """ "1 day, 10 minutes" before the start (latest last), or "none"."""
    if text.lower() in _none_words():
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
    room_words, only_words, none_words = texts.keyword("@room"), texts.keyword("only"), _none_words()
    for word in re.split(r"[\s,]+", text.strip()):
        if word.lower() in room_words:
            room = True
        elif word.lower() in only_words:
            only = True
        elif USER_ID.match(word):
            users.append(word)
        elif word.lower() in none_words:
            nobody = True
        else:
            raise UserError(
                _("'{word}' is not a user: write @name:server (or mention them).").format(word=shorten(word))
            )
    named = bool(users) or room
    notify, only_said, none_said = (
        texts.keyword_said("notify"),
        texts.keyword_said("only"),
        texts.keyword_said("none"),
    )
    said = {"none": none_said, "only": only_said, "example": f"{notify}: {only_said} @ann:example.org"}
    if nobody and named:
        raise UserError(
            _(
                "'{none}' means nobody, not even the organiser: to mention some people but not yourself, "
                "write '{only}' before them (e.g. {example})."
            ).format(**said)
        )
    if only and not named:
        raise UserError(_("{only} whom? e.g. {example} (or '{none}' for nobody).").format(**said))
    return Notify(tuple(dict.fromkeys(users)), room, organiser=not (nobody or only))


def read_repeat(text: str) -> Recurrence | None:
    if text.lower() in _none_words():
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
    if words and words[0].lower() in texts.keyword("me") | texts.keyword("us"):
        words = words[1:]
    repeating = bool(words) and words[0].lower() in _repeat_words()
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
                example = _("{repeat} at 10am").format(repeat=repeat.describe())
                raise UserError(
                    _("At what time? Add it to the repeat, e.g. '{example}'.").format(example=example)
                )
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
            raise UserError(
                _("At what time? Write it with the date, e.g. '{example}'.").format(example=example)
            )
        return ReminderDraft(when.start, None, rest)
    check_text(
        " ".join(words[:MAX_TIME_WORDS])[:MAX_TIME_TEXT]
    )  # say so if it was other digits ("in ５ minutes")
    if refused:
        raise UserError(refused)
    raise UserError(
        _(
            "I could not find a time at the start of that, then what to remind about: "
            "try 'in 10 minutes stand-up', 'tomorrow 9am send invoices' or 'every monday 10am weekly check'."
        )
    )


def _what(words: list[str]) -> str:
    if words and words[0].lower() == "to":
        words = words[1:]
    return " ".join(words).strip()
