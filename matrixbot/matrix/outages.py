"""Trouble with the homeserver: what kind it is, how long to wait after it, and when it was seen.

A refused or dropped connection costs the homeserver nothing and says nothing about when it will
be back, so the bot tries again every couple of seconds: it hears commands within seconds of the
homeserver's return instead of sleeping out a minute-long exponential backoff. A homeserver that
answers 5xx is up but struggling, so the wait doubles up to 30 s, unless it says how long with
`Retry-After`. A 429 waits exactly as long as the homeserver asks (nio does that itself for each
request; `Backoff` does it for answers that reach the bot).

A database that cannot be written (locked, disk full) is not the homeserver's fault, but it
delays work the same way: it waits like a failing homeserver and is remembered as well. `TroubleLog`
remembers when each kind was last seen, so a scheduled post that goes out late can say why: every
storage fault the database meets is reported to it (`Database.on_fault`), by its cause ("the bot's
database was locked", "the bot's disk was full").

What the log says of it is `OutageLog`'s: a line when a thing starts failing, a reminder at most
once a minute while it goes on, and a line when it works again with how long it did not; never a
line per try (a try every 2 s once made 38 identical lines of a 76 s outage, and none said when it
was over).
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp

from matrixbot.i18n import N_
from matrixbot.time import Clock

UNREACHABLE_CAP = 2.0
"""Longest wait between tries while the homeserver cannot be reached (it must be heard on its return)."""
FAILING_CAP = 30.0
"""Longest wait between tries while the homeserver answers 5xx without a `Retry-After`."""
RETRY_AFTER_CAP = 300.0
"""A `Retry-After` longer than this is not believed (a typo in a proxy must not stop the bot for a day)."""
REMIND_EVERY = 60.0
"""Seconds between the log's reminders that something still fails."""


class Kind(enum.Enum):
    # the reason a late post gives (in English: `JobRun.why` translates it)
    UNREACHABLE = N_("the homeserver was unreachable")
    FAILING = N_("the homeserver was failing")
    RATE_LIMITED = N_("the homeserver was rate limiting the bot")
    STORAGE = N_("the bot could not write to its database")
    LOCAL = N_("the bot could not send yet")
    """nio refused before asking the homeserver (rooms not known yet, a room key not shared)."""


@dataclass(frozen=True)
class Trouble:
    kind: Kind
    detail: str
    retry_after: float | None = None
    """Seconds the homeserver asked the bot to wait, when it said."""


def trouble_from_exception(exc: BaseException) -> Trouble:
    """A request that got no answer: refused, dropped, cut short or timed out."""
    return Trouble(Kind.UNREACHABLE, f"homeserver unreachable: {type(exc).__name__}")


def trouble_from_response(response: Any) -> Trouble:
    """An error answer from nio (`nio.ErrorResponse`): 429, 5xx, or a body that could not be read."""
    transport = getattr(response, "transport_response", None)
    status = getattr(transport, "status", 0) or 0
    errcode = getattr(response, "status_code", None) or ""
    detail = f"{errcode or 'HTTP'} {status} {getattr(response, 'message', '')}".strip()
    retry_after = _retry_after(response, transport)
    if status == 429 or errcode == "M_LIMIT_EXCEEDED":
        return Trouble(Kind.RATE_LIMITED, detail, retry_after)
    if status >= 500:
        return Trouble(Kind.FAILING, detail, retry_after)
    if not status:  # no status: the answer never came whole (a cut body)
        return Trouble(Kind.UNREACHABLE, detail)
    return Trouble(Kind.FAILING, detail, retry_after)


def _retry_after(response: Any, transport: Any) -> float | None:
    millis = getattr(response, "retry_after_ms", None)
    if isinstance(millis, int | float) and millis > 0:
        return min(millis / 1000, RETRY_AFTER_CAP)
    headers = getattr(transport, "headers", None) or {}
    try:
        seconds = float(headers.get("Retry-After", ""))
    except (TypeError, ValueError):
        return None  # absent, or an HTTP date (no homeserver sends one): back off as usual
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


NETWORK_ERRORS = (aiohttp.ClientError, OSError, TimeoutError)


class Backoff:
    """Waits between tries of one thing; a new `Backoff` for each thing tried (it starts short)."""

    def __init__(self, first: float = 0.5) -> None:
        self._first = first
        self._failures = 0

    def delay(self, trouble: Trouble) -> float:
        self._failures += 1
        if trouble.retry_after is not None:
            return trouble.retry_after
        grown = self._first * 2.0 ** min(self._failures - 1, 10)
        if trouble.kind is Kind.UNREACHABLE:
            return min(grown, UNREACHABLE_CAP)
        return min(grown, FAILING_CAP)


STORAGE_REASONS = {
    "database is locked": N_("the bot's database was locked"),
    "database or disk is full": N_("the bot's disk was full"),
    "disk I/O error": N_("the bot's disk failed (an I/O error)"),
    "database is read-only": N_("the bot's database was read-only"),
    "database server unreachable": N_("the bot's database server could not be reached"),
    "database connection lost": N_("the bot lost its connection to its database server"),
    "database server restarting": N_("the bot's database server was restarting"),
    "database server disk full": N_("the disk of the bot's database server was full"),
    "database server short of memory or connections": N_("the bot's database server was overloaded"),
    "database server I/O error": N_("the disk of the bot's database server failed (an I/O error)"),
    "database server not answering": N_("the bot's database server did not answer"),
    "this instance cannot confirm that it still leads": N_("the bot lost its database lock for a while"),
}
"""A storage fault's cause (as `matrixbot.db` names it, at the end of a trouble's detail) as the
reason a late post gives."""


def reason(trouble: Trouble) -> str:
    """Why a post was late, in the words a room reads: the kind, or for storage its cause."""
    if trouble.kind is Kind.STORAGE:
        found = (said for cause, said in STORAGE_REASONS.items() if trouble.detail.endswith(cause))
        return next(found, str(Kind.STORAGE.value))
    return str(trouble.kind.value)


class TroubleLog:
    """When each kind of trouble was last seen, on the bot's clock, and what it was."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._last: dict[Kind, tuple[datetime, str]] = {}

    def saw(self, trouble: Trouble | Kind) -> None:
        if isinstance(trouble, Kind):
            trouble = Trouble(trouble, "")
        self._last[trouble.kind] = (self._clock.now(), reason(trouble))

    def saw_storage_fault(self, cause: str) -> None:
        """The database met a fault (`Database.on_fault`): 'database is locked', …"""
        self.saw(Trouble(Kind.STORAGE, cause))

    def reason_since(self, since: datetime) -> str | None:
        """Why something due at `since` may be late: the trouble seen most recently after it."""
        seen: list[tuple[datetime, str]] = [(at, said) for at, said in self._last.values() if at >= since]
        return max(seen, key=lambda item: item[0])[1] if seen else None


class OutageLog:
    """The log's account of one thing tried until it works ("sync", "log in"): a line when it
    starts failing, a reminder at most every `REMIND_EVERY` seconds, and a line when it works
    again saying how long it did not."""

    def __init__(self, what: str, log: logging.Logger, *, now: Callable[[], float] = time.monotonic) -> None:
        self._what, self._log, self._now = what, log, now
        self._since: float | None = None
        self._said_at = 0.0
        self._tries = 0
        self._last: Trouble | None = None

    def failed(self, trouble: Trouble, delay: float) -> None:
        """A try failed; the next is in `delay` seconds."""
        now = self._now()
        self._tries += 1
        self._last = trouble
        if self._since is None:
            self._since = self._said_at = now
            self._log.warning(
                "%s failed (%s); retrying (next try in %.1fs), with a reminder each minute until it works",
                self._what,
                trouble.detail,
                delay,
            )
        elif now - self._said_at >= REMIND_EVERY:
            self._said_at = now
            self._log.warning(
                "%s still failing after %.0fs (%d tries; the last: %s)",
                self._what,
                now - self._since,
                self._tries,
                trouble.detail,
            )

    def worked(self) -> None:
        """A try succeeded: say so, with how long it failed, if it had."""
        if self._since is None or self._last is None:
            return
        self._log.warning(
            "%s works again after %.0fs (%d failed tries; %s)",
            self._what,
            self._now() - self._since,
            self._tries,
            self._last.kind.value,
        )
        self._since, self._tries, self._last = None, 0, None
