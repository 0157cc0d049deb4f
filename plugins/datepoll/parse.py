"""Reading what people type: a proposal's lines, vote choices, busy dates, keycap reactions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from matrixbot import (
    MAX_TIME_TEXT,
    MAX_TIME_WORDS,
    Body,
    DateRefused,
    TimeParseError,
    TimeParser,
    UserError,
    When,
    check_text,
    shorten,
)

from .texts import _, texts

MIN_OPTIONS = 2
MAX_OPTIONS = 20
KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")


@dataclass(frozen=True)
class Proposal:
    title: str
    options: tuple[tuple[str, When], ...]
    closes: datetime | None


def parse_proposal(
    title: str, body: Body, times: TimeParser, zone: str, now: datetime | None = None
) -> Proposal:
    """Title, one option per line, and an optional `closes:` line; any unreadable line refuses all.

    `now` is when the poll was proposed: what "tomorrow" and "closes: 2 weeks" count from."""
    fields, lines = body.fields(["closes"], free=True)
    if not MIN_OPTIONS <= len(lines) <= MAX_OPTIONS:
        raise UserError(
            _(
                "A poll needs {least} to {most} options, one per line after the title; I found {n}. "
                "Nothing was created."
            ).format(least=MIN_OPTIONS, most=MAX_OPTIONS, n=len(lines))
        )
    options = tuple((text, parse_option(text, times, zone, line=number, now=now)) for number, text in lines)
    options = _with_context(options, times, zone, now)
    closes = None
    if "closes" in fields:
        found = fields["closes"]
        closes = parse_deadline(
            found.value, times, zone, now=now, line=found.line, done=_("Nothing was created.")
        )
    return Proposal(title.strip(), options, closes)


def parse_deadline(
    text: str,
    times: TimeParser,
    zone: str,
    *,
    now: datetime | None = None,
    line: int | None = None,
    done: str | None = None,
) -> datetime:
    """A poll's deadline (its `closes:` line, `!poll closes`), read as every plugin reads one.
    `done` says what became of the command ("Nothing was changed." by default)."""
    try:
        return times.parse_deadline(text, zone, now=now)
    except TimeParseError as exc:
        said = exc.message + " " + (done or _("Nothing was changed."))
        raise UserError(
            _("line {n}: {error}").format(n=line, error=said) if line is not None else said
        ) from None


def _with_context(
    options: tuple[tuple[str, When], ...], times: TimeParser, zone: str, now: datetime | None
) -> tuple[tuple[str, When], ...]:
    """Read again, against the other options' dates, each option whose weekday does not match its
    date or that lies far from them: the suggestion is then a date near them ("Tuesday 5th March
    2014" among options in March 2030 is 5 March 2030), and "Tuesday 2 March 2032" among options
    in 2027 is asked about although 2 March 2032 is a Tuesday."""
    sound = [
        (number, when.start.date())
        for number, (_text, when) in enumerate(options)
        if all(p.kind != "weekday" for p in when.problems)
    ]
    read = []
    for number, (text, when) in enumerate(options):
        near = [day for other, day in sound if other != number]
        typo = any(p.kind == "weekday" for p in when.problems)
        if near and (typo or times.strays(when, near, now=now)):
            when = times.parse(text, zone, near=near, now=now)
        read.append((text, when))
    return tuple(read)


def parse_option(
    text: str,
    times: TimeParser,
    zone: str,
    *,
    line: int | None = None,
    near: Sequence[date] = (),
    now: datetime | None = None,
) -> When:
    try:
        return times.parse(text, zone, near=near, now=now)
    except TimeParseError as exc:
        said = f"{exc.message} " + _("Nothing was changed; fix that line and send it again.")
        raise UserError(
            _("line {n}: {error}").format(n=line, error=said) if line is not None else said
        ) from exc


def parse_choices(text: str, count: int) -> tuple[frozenset[int], frozenset[int]]:
    """`1 3 maybe 5` → yes {1, 3}, maybe {5}; `none` → nothing. Numbers may be separated by commas.
    The words may be written in the language being written too (`vielleicht`, `quizás`, `peut-être`;
    `keine`, `ninguna`, `aucune`), as the catalog lists them."""
    words = [w for w in re.split(r"[\s,]+", text.strip().lower()) if w]
    if len(words) == 1 and words[0] in texts.keyword("none"):
        return frozenset(), frozenset()
    maybe_words = texts.keyword("maybe") | texts.keyword("ifneedbe") | {"?"}
    yes: set[int] = set()
    maybe: set[int] = set()
    target = yes
    for word in words:
        if word in maybe_words:
            target = maybe
        elif word in texts.keyword("yes"):
            target = yes
        elif word.isascii() and word.isdigit() and 1 <= int(word) <= count:
            if int(word) in yes | maybe:
                raise UserError(_("Option {n} is given twice; give each option once.").format(n=word))
            target.add(int(word))
        else:
            raise UserError(
                _(
                    "'{word}' is not an option: give option numbers 1 to {count}, '{maybe}' before the "
                    "ones you could do if need be, or '{none}'."
                ).format(
                    word=shorten(word),
                    count=count,
                    maybe=texts.keyword_said("maybe"),
                    none=texts.keyword_said("none"),
                )
            )
    if not yes and not maybe:
        maybe_said = texts.keyword_said("maybe")
        example = f"1 3 {maybe_said} {min(count, 5)}" if count >= 4 else f"1 {maybe_said} {count}"
        raise UserError(
            _("Which options? e.g. {example}, or {none}.").format(
                example=f"!vote {example}", none="!vote " + texts.keyword_said("none")
            )
        )
    return frozenset(yes), frozenset(maybe)


def keycap_number(key: str) -> int | None:
    """1️⃣ … 🔟 → 1 … 10 (with or without the emoji variation selector)."""
    for number, cap in enumerate(KEYCAPS, start=1):
        if key == cap or key == cap.replace("\ufe0f", ""):
            return number
    return None


def split_busy(text: str, times: TimeParser, zone: str, now: datetime | None = None) -> tuple[str, When]:
    """ "Workers Co-op Weekend 17-19 May 2024" → the title and the longest date (at most
    `MAX_TIME_WORDS` words) at the end. A day that does not exist ("Party 31st November") is
    refused, not read as the part of it that does ("November")."""
    words = text.split()
    refused = ""  # "There is no 31 November", "… before 1970": said instead of "could not find a date"
    for first in range(max(1, len(words) - MAX_TIME_WORDS), len(words)):
        try:
            when = times.parse(" ".join(words[first:]), zone, now=now)
        except DateRefused as exc:
            refused = refused or exc.message
            continue
        except TimeParseError:
            continue
        split = times.split_day(words, first)
        if split is not None:
            raise UserError(f"{split} " + _("Nothing was added."))
        return " ".join(words[:first]), when
    check_text(" ".join(words[-MAX_TIME_WORDS:])[-MAX_TIME_TEXT:])  # say so if it was other digits
    if refused:
        raise UserError(f"{refused} " + _("Nothing was added."))
    raise UserError(
        _(
            "I could not find a date at the end of that: write the name, then the dates, e.g. {example}."
        ).format(example="!busy add " + _("Workers Co-op Weekend") + f" {times.example_days(zone, now=now)}")
    )
