"""The parts of a started bot, typed as present.

`Bot` builds its database, registry, scheduler, dispatcher and sender in `start()`, so it types
them `X | None`. A test only ever looks at a started bot: `parts_of(bot)` checks that once and hands
them back non-optional (`FakeBot.parts`, `TestBot.parts`), instead of every test asserting each one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from matrixbot.api.plugin import Plugin
from matrixbot.db import Database
from matrixbot.engine.bot import Bot
from matrixbot.engine.dispatch import Dispatcher
from matrixbot.engine.registry import Registry
from matrixbot.engine.scheduler import Scheduler
from matrixbot.matrix.sender import Sender

P = TypeVar("P", bound=Plugin)


class NotStarted(RuntimeError):
    """A test asked for a part of a bot that has not started (or has stopped)."""


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


def parts_of(bot: Bot) -> Parts:
    """`bot`'s started parts; `NotStarted` if it has not finished `start()`."""
    db, registry, scheduler, dispatcher, sender = (
        bot.db,
        bot.registry,
        bot.scheduler,
        bot.dispatcher,
        bot.sender,
    )
    if db is None or registry is None or scheduler is None or dispatcher is None or sender is None:
        raise NotStarted("the bot has not started: await its start() first")
    return Parts(db, registry, scheduler, dispatcher, sender)
