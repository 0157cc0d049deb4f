"""What the core's own plugin sees of all the others: the loaded plugins, their commands, and
which of them a room has on (for `!help`, `!plugins`, `!enable`). The engine's registry keeps it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from matrixbot.api.commands import Command
from matrixbot.api.plugin import Plugin

ALWAYS_ON = frozenset({"core", "devices"})
"""The core's own command sets: on in every room, not listed by !plugins."""


class Catalog(Protocol):
    @property
    def plugins(self) -> Mapping[str, Plugin]:
        """Every loaded plugin by name."""
        ...

    @property
    def commands(self) -> Mapping[str, Command[...]]:
        """Every declared command (and alias) by name."""
        ...

    @property
    def optional(self) -> Sequence[str]:
        """Plugins a room can switch on and off (all but `ALWAYS_ON`)."""
        ...

    async def enabled(self, room_id: str) -> set[str]:
        """The plugins on in the room, `ALWAYS_ON` included."""
        ...
