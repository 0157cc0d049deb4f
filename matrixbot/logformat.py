"""Log formats: readable text lines, or JSON lines for a log collector (`log_format: json`).

A JSON line carries time, level, logger and message, plus the room, event id and plugin of the
work being done when the record was made: the dispatcher and the scheduler set them for each
event and job they take up (`log_context`), in a context variable, so they follow the task. The
handler's SecretFilter runs before either formatter, so secrets are masked in both.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_CONTEXT: ContextVar[dict[str, str]] = ContextVar("matrixbot_log_context", default={})  # noqa: B039
_PLUGIN_LOGGER = "matrixbot.plugins."


def log_context(*, replace: bool = False, **fields: str | None) -> None:
    """Say what the current task works on (room, event_id, plugin); `replace` drops what was set."""
    base = {} if replace else _CONTEXT.get()
    _CONTEXT.set({**base, **{k: v for k, v in fields.items() if v}})


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, and context."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_CONTEXT.get())
        if "plugin" not in entry and record.name.startswith(_PLUGIN_LOGGER):
            entry["plugin"] = record.name[len(_PLUGIN_LOGGER) :].split(".", 1)[0]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def formatter_for(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
