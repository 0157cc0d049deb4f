"""Time as the bot sees it: the real clock in production, a controllable one in tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock tests set and advance by hand, so DST and recurrence are tested without waiting."""

    def __init__(self, start: datetime | str = "2024-02-20 12:00", zone: str = "UTC") -> None:
        self._now = _to_utc(start, zone)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime | str, zone: str = "UTC") -> None:
        self._now = _to_utc(when, zone)

    def advance(self, delta: timedelta | float) -> None:
        self._now += delta if isinstance(delta, timedelta) else timedelta(seconds=delta)


def _to_utc(when: datetime | str, zone: str) -> datetime:
    if isinstance(when, str):
        when = datetime.fromisoformat(when)
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(zone))
    return when.astimezone(UTC)
