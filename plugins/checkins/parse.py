"""Reading `!checkin start` and the other commands' words: pure, raising UserError naming the line."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from matrixbot import USER_ID, Body, TimeParser, UserError, shorten

from .texts import _, texts

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
    """The question and its `who:`, `every:`, `nudge:`, `closes:` and `at:` lines, checked together
    (each key also in the language being read: `wer:`, `alle:`, `erinnerung:`, `schließt:`, `um:`).

    `nudge:` and `closes:` are read as every plugin reads a deadline ("2 weeks", "in 2 weeks",
    "14 June"), from `now`, the moment the first round opens; later rounds keep the same lengths."""
    question = question.strip()
    if len(question) > MAX_QUESTION:
        raise UserError(
            _("The question is {length} characters long; keep it under {limit}.").format(
                length=len(question), limit=MAX_QUESTION
            )
        )
    fields, _others = body.fields(["who", "every", "nudge", "closes", "at"])
    who = parse_who(fields["who"].value, members, fields["who"].line) if "who" in fields else None
    every_text = fields["every"].value if "every" in fields else None
    nudge = _length(times, fields["nudge"].value if "nudge" in fields else DEFAULT_NUDGE, "nudge", zone, now)
    closes = _length(
        times, fields["closes"].value if "closes" in fields else DEFAULT_CLOSES, "closes", zone, now
    )
    if nudge >= closes:
        raise UserError(
            _("'{nudge}:' must come before the round closes: make it shorter than '{closes}:'.").format(
                nudge=texts.keyword_said("nudge"), closes=texts.keyword_said("closes")
            )
        )
    if every_text is not None:
        every = _period(times, every_text)
        if shortest(every) <= closes:
            raise UserError(
                _(
                    "'{closes}:' must be shorter than '{every}:', so a round closes before the next one opens."
                ).format(closes=texts.keyword_said("closes"), every=texts.keyword_said("every"))
            )
    at = None
    if "at" in fields:
        when = times.parse(fields["at"].value, "UTC", future=False)
        if when.all_day or when.end is not None:
            raise UserError(
                _("line {n}: 'at:' takes a time of day, like 'at: 10am'.").format(n=fields["at"].line)
            )
        at = when.start.time()
    return RoundSpec(question, who, every_text, nudge, closes, at)


def parse_who(text: str, members: Collection[str], line: int) -> tuple[str, ...] | None:
    """`room` (the room's members, the default) or user ids separated by commas, spaces or "and"
    (each word also in the language being read: `raum`, `und`)."""
    if text.strip().lower() in texts.keyword("room"):
        return None
    joining = texts.keyword("and")
    users = [word for word in re.split(r"[\s,]+", text) if word and word.lower() not in joining]
    for user in users:
        if not USER_ID.match(user):
            raise UserError(
                _("line {n}: '{word}' is not a user; write 'room' or user ids like @name:server.").format(
                    n=line, word=shorten(user)
                )
            )
        if user not in members:
            raise UserError(
                _("line {n}: {user} is not a member of this room.").format(n=line, user=shorten(user))
            )
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
        raise UserError(_keyed(key, exc.message)) from None


def _period(times: TimeParser, text: str) -> relativedelta:
    try:
        return times.parse_period(text)
    except UserError as exc:
        raise UserError(_keyed("every", exc.message)) from None


def _keyed(key: str, problem: str) -> str:
    """A problem with a key's value, named by the key as the language being written says it."""
    return _("'{key}:' {problem}").format(key=texts.keyword_said(key), problem=problem)


def check_note(text: str) -> str:
    """An answer's note, stripped; refused when over the limit, so nothing is stored."""
    note = text.strip()
    if len(note) > MAX_NOTE:
        raise UserError(
            _(
                "Your note is {length} characters long; notes can be at most {limit}. "
                "Please shorten it: nothing was stored."
            ).format(length=len(note), limit=MAX_NOTE)
        )
    return note


def check_org(text: str) -> str | None:
    """An organisation's name, or None for `none` (forget it; `keine`, `ninguna`… too)."""
    org = " ".join(text.split())
    if org.lower() in texts.keyword("none") | {"-"}:
        return None
    if len(org) > MAX_ORG:
        raise UserError(
            _("That name is {length} characters long; keep it under {limit}.").format(
                length=len(org), limit=MAX_ORG
            )
        )
    return org


def parse_away(text: str, times: TimeParser, zone: str, now: datetime) -> datetime:
    """When a member is back (`!checkin away until DATE`, the `until` optional, `bis`, `hasta`,
    `jusqu'au` too): the start of the date given."""
    first, _space, rest = text.strip().partition(" ")
    if first.lower() in texts.keyword("until"):
        text = rest
    if not text.strip():
        raise UserError(
            _away_example(
                _("The date is missing: say when you will be back, e.g. {command}."), times, zone, now
            )
        )
    when = times.parse(text, zone, now=now)
    for problem in when.problems:
        if problem.kind == "weekday":
            raise UserError(_("{problem} Nothing was changed.").format(problem=problem.message))
    if when.start_utc <= now:
        said = _("That date has passed: say when you will be back, e.g. {command}.")
        raise UserError(_away_example(said, times, zone, now))
    return when.start_utc


def _away_example(said: str, times: TimeParser, zone: str, now: datetime) -> str:
    """`said` with a date to be back on, worked out from the clock, in the command to type."""
    example = times.example(zone, at=None, now=now)
    return said.format(command=_("!checkin away until {date}").format(date=example))
