"""The parts of a started bot, typed as present.

`Bot` builds its database, registry, scheduler, dispatcher and sender in `start()`, so they exist
only from then on. `Bot.parts` hands them over together, non-optional, once they are all built: the
bot's own later steps use it, and so do the test kits (`FakeBot.parts`, `TestBot.parts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from matrixbot.api.plugin import Plugin
from matrixbot.db import Database
from matrixbot.engine.dispatch import Dispatcher
from matrixbot.engine.registry import Registry
from matrixbot.engine.scheduler import Scheduler
from matrixbot.matrix.sender import Sender

P = TypeVar("P", bound=Plugin)


@dataclass(frozen=True)
class Parts:
    db: Database
    registry: Registry
    scheduler: Scheduler
    dispatcher: Dispatcher
    sender: Sender

    def plugin(self, cls: type[P]) -> P:
        """The loaded instance of plugin class `cls` (so a test calls its own methods, typed)."""
        loaded = self.registry.plugins.get(cls.name)
        if not isinstance(loaded, cls):
            names = ", ".join(sorted(self.registry.plugins))
            raise LookupError(f"plugin {cls.__name__} ('{cls.name}') is not loaded; loaded: {names}")
        return loaded
