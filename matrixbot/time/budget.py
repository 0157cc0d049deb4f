"""The bounds on reading times, so that no message can make the bot think for long.

A time field holds ASCII digits only (`check_text`: dateparser would read "١٥:٠٠" as 15:00, and
other parsers would fail on "²"). Three bounds: a time field is short (`MAX_TIME_TEXT` characters), a search for a time inside a
longer text tries at most `MAX_TIME_WORDS` words, and a command's parsing runs under a time budget
(`within`) that the parser checks before each dateparser call (`check`). The budget is per thread:
the time service sets it on its worker thread; a parser called directly (tests, the CLI) has none.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from matrixbot.errors import OutOfTime, TimeParseError
from matrixbot.i18n import _

MAX_TIME_TEXT = 100
"""The longest date, time, duration or repeat read, in characters; 'from 10:30am to 11:45am on
Wednesday the 28th of February 2024' is 63."""
MAX_TIME_WORDS = 12
"""The most words a time found at the start or end of a text may have."""

_deadline: ContextVar[float | None] = ContextVar("time_parse_deadline", default=None)


def check_text(text: str, what: str | None = None) -> None:
    """Refuse a time field longer than `MAX_TIME_TEXT`, or with digits other than 0-9, before any work.
    `what` names it in the refusal ("A date or time" by default)."""
    digit = next((c for c in text if c.isnumeric() and not c.isascii()), None)
    if digit is not None:
        raise TimeParseError(
            _("Write numbers with the digits 0 to 9: I do not read '{digit}' as a number.").format(
                digit=digit
            )
        )
    if len(text) > MAX_TIME_TEXT:
        raise TimeParseError(
            _(
                "{what} is at most {limit} characters long, and that one has {length}. "
                "Write it shorter, e.g. 'tomorrow 9am'."
            ).format(what=what or _("A date or time"), limit=MAX_TIME_TEXT, length=f"{len(text):,}")
        )


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Run the block under a budget of `seconds`: `check` raises `OutOfTime` once it is spent."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def check() -> None:
    """Raise `OutOfTime` if this thread's budget is spent."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise OutOfTime
