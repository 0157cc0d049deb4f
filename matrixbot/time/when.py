"""What the time parser returns: a time or span in its zone, with anything worth asking about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from matrixbot.time.format import format_when


@dataclass(frozen=True)
class Problem:
    """Something to ask the user about a time that was read: "past", "weekday" or "ambiguous_fold"."""

    kind: str
    message: str
    suggestion: When | None = None


@dataclass(frozen=True)
class When:
    """A time or a span of time. `end` is exclusive; all-day spans run from 00:00 to 00:00 local."""

    start: datetime
    end: datetime | None
    zone: str
    all_day: bool = False
    problems: tuple[Problem, ...] = ()

    @property
    def start_utc(self) -> datetime:
        return self.start.astimezone(UTC)

    @property
    def end_utc(self) -> datetime | None:
        return None if self.end is None else self.end.astimezone(UTC)

    @property
    def duration(self) -> timedelta | None:
        return None if self.end is None else self.end.astimezone(UTC) - self.start_utc

    def __str__(self) -> str:
        return format_when(self)
