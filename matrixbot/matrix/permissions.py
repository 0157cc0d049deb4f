"""Who may do what in a room, from its `m.room.power_levels` and `m.room.create` (pure functions).

Room admin commands need the power level that changing room state needs: the `events` override
for the bot's settings type if the room set one, else `state_default`. In room version 12 and
later the room's creators have unlimited power and are not listed in the power levels.
"""

from __future__ import annotations

import math
from typing import Any

SETTINGS_EVENT_TYPE = "org.matrixbot.settings"
"""Rooms can require a specific level for bot admin commands via power_levels.events[this]."""


def creators(create_event: dict[str, Any] | None) -> frozenset[str]:
    """The users with unlimited power (room versions whose creators outrank everyone)."""
    if not create_event:
        return frozenset()
    content = create_event.get("content") or {}
    if not _creators_outrank(str(content.get("room_version", "1"))):
        return frozenset()
    extra = content.get("additional_creators") or []
    return frozenset({create_event.get("sender", ""), *[u for u in extra if isinstance(u, str)]} - {""})


def _creators_outrank(room_version: str) -> bool:
    if room_version.isascii() and room_version.isdigit():
        return int(room_version) >= 12
    return room_version.startswith("org.matrix.hydra")


def user_level(
    power_levels: dict[str, Any], user_id: str, room_creators: frozenset[str] = frozenset()
) -> float:
    if user_id in room_creators:
        return math.inf
    users = power_levels.get("users") or {}
    if user_id in users:
        return _int(users[user_id], 0)
    return _int(power_levels.get("users_default"), 0)


def state_level(power_levels: dict[str, Any], event_type: str = SETTINGS_EVENT_TYPE) -> int:
    events = power_levels.get("events") or {}
    if event_type in events:
        return _int(events[event_type], 50)
    return _int(power_levels.get("state_default"), 50)


def redact_level(power_levels: dict[str, Any]) -> int:
    return _int(power_levels.get("redact"), 50)


def room_mention_level(power_levels: dict[str, Any]) -> int:
    notifications = power_levels.get("notifications") or {}
    return _int(notifications.get("room"), 50)


def is_room_admin(
    power_levels: dict[str, Any], user_id: str, room_creators: frozenset[str] = frozenset()
) -> bool:
    return user_level(power_levels, user_id, room_creators) >= state_level(power_levels)


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.lstrip("-").isdigit():
        return int(value)
    return default
