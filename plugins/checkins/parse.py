"""Reading `!checkin start` and the other commands' words: pure, raising UserError naming the line."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from matrixbot import USER_ID, Body, TimeParser, UserError, shorten

MAX_NOTE = 1000
MAX_QUESTION = 2000
MAX_ORG = 100
DEFAULT_NUDGE = "3 days"
DEFAULT_CLOSES = "2 weeks"
_ASSUMED_MONTH = timedelta(days=28)
"""The shortest month, to check that a round closes before the next one opens."""


@dataclass(frozen=True)
class RoundSpec:
    question: str
    who: tuple[str, ...] | None
    every: str | None
    nudge: timedelta
    closes: timedelta
    at: time | None = None
    """The clock time new rounds open (`at: 10am`); None: the time it was started, or a working morning."""


def parse_start(
    question: str, body: Body, times: TimeParser, members: Collection[str], zone: str, now: datetime
) -> RoundSpec:
    """The question and its `who:`, `every:`, `nudge:`, `closes:` and `at:` lines, checked together.

    `nudge:` and `closes:` are read as every plugin reads a deadline ("2 weeks", "in 2 weeks",
    "14 June"), from `now`, the moment the first round opens; later rounds keep the same lengths."""
    question = question.strip()
    if len(question) > MAX_QUESTION:
        raise UserError(f"The question is {len(question)} characters long; keep it under {MAX_QUESTION}.")
    fields, _ = body.fields(["who", "every", "nudge", "closes", "at"])
    who = parse_who(fields["who"].value, members, fields["who"].line) if "who" in fields else None
    every_text = fields["every"].value if "every" in fields else None
    nudge = _length(times, fields["nudge"].value if "nudge" in fields else DEFAULT_NUDGE, "nudge", zone, now)
    closes = _length(
        times, fields["closes"].value if "closes" in fields else DEFAULT_CLOSES, "closes", zone, now
    )
    if nudge >= closes:
        raise UserError("'nudge:' must come before the round closes: make it shorter than 'closes:'.")
    if every_text is not None:
        every = _period(times, every_text)
        if shortest(every) <= closes:
            raise UserError(
                "'closes:' must be shorter than 'every:', so a round closes before the next one opens."
            )
    at = None
    if "at" in fields:
        when = times.parse(fields["at"].value, "UTC", future=False)
        if when.all_day or when.end is not None:
            raise UserError(f"line {fields['at'].line}: 'at:' takes a time of day, like 'at: 10am'.")
        at = when.start.time()
    return RoundSpec(question, who, every_text, nudge, closes, at)


def parse_who(text: str, members: Collection[str], line: int) -> tuple[str, ...] | None:
    """`room` (the room's members, the default) or user ids separated by commas or spaces."""
    if text.strip().lower() == "room":
        return None
    users = [word for word in re.split(r"[\s,]+", text) if word and word.lower() != "and"]
    for user in users:
        if not USER_ID.match(user):
            raise UserError(
                f"line {line}: '{shorten(user)}' is not a user; write 'room' or user ids like @name:server."
            )
        if user not in members:
            raise UserError(f"line {line}: {shorten(user)} is not a member of this room.")
    return tuple(dict.fromkeys(users))


def shortest(every: relativedelta) -> timedelta:
    """The shortest time a period can take (months counted as 28 days)."""
    months = every.years * 12 + every.months
    return months * _ASSUMED_MONTH + timedelta(days=every.days, seconds=every.seconds)


def _length(times: TimeParser, text: str, key: str, zone: str, now: datetime) -> timedelta:
    """How long after `now` the deadline written for `key` is, in whole seconds as the parser reads."""
    try:
        return times.parse_deadline(text, zone, now=now) - now.replace(microsecond=0)
    except UserError as exc:
        raise UserError(f"'{key}:' {exc.message}") from None


def _period(times: TimeParser, text: str) -> relativedelta:
    try:
        return times.parse_period(text)
    except UserError as exc:
        raise UserError(f"'every:' {exc.message}") from None


def check_note(text: str) -> str:
    """An answer's note, stripped; refused when over the limit, so nothing is stored."""
    note = text.strip()
    if len(note) > MAX_NOTE:
        raise UserError(
            f"Your note is {len(note)} characters long; notes can be at most {MAX_NOTE}. "
            "Please shorten it: nothing was stored."
        )
    return note


def check_org(text: str) -> str | None:
    """An organisation's name, or None for `none` (forget it)."""
    org = " ".join(text.split())
    if org.lower() in ("none", "-"):
        return None
    if len(org) > MAX_ORG:
        raise UserError(f"That name is {len(org)} characters long; keep it under {MAX_ORG}.")
    return org


def parse_away(text: str, times: TimeParser, zone: str, now: datetime) -> datetime:
    """When a member is back (`!checkin away until DATE`): the start of the date given."""
    when = times.parse(text, zone, now=now)
    for problem in when.problems:
        if problem.kind == "weekday":
            raise UserError(f"{problem.message} Nothing was changed.")
    if when.start_utc <= now:
        example = times.example(zone, at=None, now=now)
        raise UserError(
            f"That date has passed: say when you will be back, e.g. !checkin away until {example}."
        )
    return when.start_utc
