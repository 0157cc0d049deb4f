"""Logging that never shows a secret: tokens, passwords and registered secrets are masked."""

from __future__ import annotations

import logging
import re

from matrixbot.logformat import formatter_for

_TOKEN_PATTERNS = [
    re.compile(r"(access_token[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+", re.I),
    re.compile(r"(Bearer\s+)\S+", re.I),
    re.compile(r"(password[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+", re.I),
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


def setup_logging(level: str, log_format: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(formatter_for(log_format))
    handler.addFilter(SECRETS)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    hold_quiet_loggers(level)


def hold_quiet_loggers(level: str) -> None:
    """Hold the libraries in `QUIET_LOGGERS` at WARNING, or at `level` when it is higher."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
