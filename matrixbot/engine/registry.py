"""Finding plugins (built-in ones and installed packages) and indexing their commands."""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

from matrixbot.api.catalog import ALWAYS_ON
from matrixbot.api.commands import Command
from matrixbot.api.plugin import Plugin
from matrixbot.api.settings import SettingsStore
from matrixbot.errors import StartupError

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "matrixbot.plugins"
BUILTIN_PLUGINS = ("checkins", "datepoll", "meetings", "signups")
"""Shipped with matrixbot: on by default (when the config names no default_plugins); others are opt-in."""


def discover() -> list[type[Plugin]]:
    """Every plugin class exposed under the `matrixbot.plugins` entry-point group: the core's own
    (`core`, `devices`), the built-in ones and any installed package's."""
    found: list[type[Plugin]] = []
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        try:
            cls = point.load()
        except Exception as exc:
            raise StartupError(f"plugin '{point.name}' ({point.value}) failed to load: {exc}") from exc
        if not (isinstance(cls, type) and issubclass(cls, Plugin)):
            raise StartupError(f"plugin '{point.name}' ({point.value}) is not a matrixbot Plugin class")
        found.append(cls)
    return found


class Registry:
    """The loaded plugins and their commands, by name, and which of them a room has on: what every
    plugin sees of the others (`Services.catalog`). Made before the plugins (their services hold
    it), it is filled as they are loaded (`add`)."""

    def __init__(self, settings: SettingsStore) -> None:
        self.settings = settings
        self.plugins: dict[str, Plugin] = {}
        self.commands: dict[str, Command[...]] = {}

    def add(self, plugin: Plugin) -> None:
        if plugin.name in self.plugins:
            raise StartupError(f"two plugins are named '{plugin.name}'")
        self.plugins[plugin.name] = plugin
        for spec in plugin.commands():
            _check_arguments(plugin.name, spec)
            for name in (spec.name, *spec.aliases):
                if name in self.commands:
                    other = self.commands[name].plugin
                    raise StartupError(f"command '{name}' is declared by both '{other}' and '{plugin.name}'")
                self.commands[name] = spec

    @property
    def optional(self) -> list[str]:
        """Plugins a room can switch on and off (the core's own commands are always on)."""
        return [name for name in self.plugins if name not in ALWAYS_ON]

    async def enabled(self, room_id: str) -> set[str]:
        """The plugins on in a room: its own choice (or the default ones) and the core's."""
        return await self.settings.enabled_plugins(room_id, self.optional) | ALWAYS_ON


def _check_arguments(plugin: str, spec: Command[...]) -> None:
    """Read every handler's signature at start, so a parameter chat cannot fill stops the bot
    with its name instead of failing the first time someone uses the command."""
    try:
        spec.arguments  # noqa: B018 (read once here, then cached)
    except (TypeError, NameError) as exc:
        raise StartupError(f"plugin '{plugin}', command '{spec.full_name}': {exc}") from exc
    for sub in spec.subcommands.values():
        _check_arguments(plugin, sub)
