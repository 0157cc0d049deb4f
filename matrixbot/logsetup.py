"""Logging that never shows a secret and never floods.

Tokens, passwords and registered secrets are masked. And no event, request or fault can write
more than a bounded number of lines: `LogLimit` lets through at most `BURST` records of one kind
(logger, level and message template) a minute, and `TOTAL` of all kinds, and says what it held back
in one line ("… 312 more in the last minute like: …") once the minute is over. DEBUG records, which
an admin asks for, are not held back.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from matrixbot.logformat import formatter_for

_TOKEN_PATTERNS = [
    re.compile(r"(access_token[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+", re.I),
    re.compile(r"(Bearer\s+)\S+", re.I),
    re.compile(r"(password[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+", re.I),
    re.compile(r"(/calendar/)[A-Za-z0-9_-]{20,}"),  # a room calendar's address gives access to it
]


class SecretFilter(logging.Filter):
    """Masks known secret values and anything shaped like a token in every log record."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4:
            self._secrets.add(secret)

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "••••••")
        for pattern in _TOKEN_PATTERNS:
            text = pattern.sub(r"\1••••••", text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self.mask(message)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if masked != message or record.args:
            record.msg, record.args = masked, ()
        return True


SECRETS = SecretFilter()
"""The process's one filter: plugins register secrets (e.g. an access code) with `SECRETS.add`."""

QUIET_LOGGERS = ("aiosqlite", "peewee", "nio", "aiohttp", "apscheduler")
"""Libraries whose DEBUG lines carry what the bot handles: aiosqlite logs every SQL statement with
its parameters (command bodies, access codes), peewee (nio's crypto store) its statements with the
key pickles, nio and aiohttp request and response bodies, apscheduler its jobs. They are held at
WARNING whatever `log_level` is, so DEBUG shows the bot's own lines, which carry no message text."""


BURST = 10
"""Records of one kind shown per window."""
TOTAL = 300
"""Records of all kinds shown per window."""
WINDOW = 60.0
"""Seconds of a window."""
MAX_KINDS = 1000
"""Kinds tracked in a window; records of kinds past it count against TOTAL only."""


@dataclass
class _Count:
    started: float
    shown: int = 0
    held: int = 0
    example: logging.LogRecord | None = None


class LogLimit(logging.Filter):
    """Holds back repeats (see the module's docstring) and has `say` write the lines that count them.

    It filters before the SecretFilter, so it sees the message template (`record.msg`) before the
    arguments are put in; a counting line goes through the whole handler, masking included.
    """

    def __init__(
        self, say: Callable[[logging.LogRecord], object], *, now: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self._say, self._now = say, now
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, int, str], _Count] = {}
        self._all: _Count | None = None
        self._due = math.inf
        """When the oldest window is over."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO or getattr(record, "counted", False):
            return True
        with self._lock:
            now = self._now()
            lines = self._over(now)
            shown = self._admit(record, now)
        for line in lines:
            self._say(line)
        return shown

    def flush(self) -> None:
        """Say what was held back so far (at the end of the process)."""
        with self._lock:
            lines = self._over(math.inf)
        for line in lines:
            self._say(line)

    def _admit(self, record: logging.LogRecord, now: float) -> bool:
        if self._all is None:
            self._all = _Count(now)
            self._due = min(self._due, now + WINDOW)
        key = (record.name, record.levelno, str(record.msg))
        count = self._counts.get(key)
        if count is None and len(self._counts) < MAX_KINDS:
            count = self._counts[key] = _Count(now)
        for limit, held in ((BURST, count), (TOTAL, self._all)):
            if held is not None and held.shown >= limit:
                held.held += 1
                held.example = record
                return False
        self._all.shown += 1
        if count is not None:
            count.shown += 1
        return True

    def _over(self, now: float) -> list[logging.LogRecord]:
        """The counting lines of the windows over by `now`, which are forgotten."""
        if now < self._due:
            return []
        over = [key for key, count in self._counts.items() if now - count.started >= WINDOW]
        lines = [_counting(self._counts.pop(key), "like: %s") for key in over]
        if self._all is not None and now - self._all.started >= WINDOW:
            lines.append(_counting(self._all, "of all kinds, the last: %s"))
            self._all = None
        starts = [c.started for c in self._counts.values()] + ([self._all.started] if self._all else [])
        self._due = min(starts, default=math.inf) + WINDOW
        return [line for line in lines if line is not None]


def _counting(count: _Count, what: str) -> logging.LogRecord | None:
    """The line saying how many records like `count.example` were held back, if any were."""
    example = count.example
    if not count.held or example is None:
        return None
    line = logging.LogRecord(
        example.name,
        example.levelno,
        example.pathname,
        example.lineno,
        f"… %d more in the last minute {what}",
        (count.held, example.getMessage()),
        None,
    )
    line.counted = True
    return line


class BoundedHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler whose records pass the LogLimit, then the SecretFilter; what the limit held
    back is said on close too."""

    def __init__(self, *, now: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.limit = LogLimit(self.handle, now=now)
        self.addFilter(self.limit)
        self.addFilter(SECRETS)

    def close(self) -> None:
        self.limit.flush()
        super().close()


def say_held_back() -> None:
    """Write the counts of what the root handler held back so far (before the process's last line)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, BoundedHandler):
            handler.limit.flush()


def setup_logging(level: str, log_format: str = "text") -> None:
    handler = BoundedHandler()
    handler.setFormatter(formatter_for(log_format))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    hold_quiet_loggers(level)


def hold_quiet_loggers(level: str) -> None:
    """Hold the libraries in `QUIET_LOGGERS` at WARNING, or at `level` when it is higher."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
