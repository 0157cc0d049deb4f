"""A real bot on a test homeserver, for integration tests of the core and of plugins.

t = await TestBot.start(synapse, bot_account, tmp_path / "bot", plugins=[DatePoll])
room = await t.room_with(alice)               # alice creates a room, invites the bot, it joins
reply = await t.ask(alice, room, "!help")     # send, wait for the bot's reply, return it
await t.restart()                             # same data directory, same device
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from matrixbot.api.plugin import Plugin
from matrixbot.config import Config
from matrixbot.db import Database
from matrixbot.engine.assembly import P, Started
from matrixbot.engine.bot import Bot
from matrixbot.engine.registry import discover
from matrixbot.errors import NotStarted
from matrixbot.testing.chat import ChatClient, Seen
from matrixbot.testing.synapse import Account, Synapse
from matrixbot.time import Clock


class TestBot:
    __test__ = False  # not a pytest test class

    def __init__(self, config: Config, plugins: Sequence[type[Plugin]], clock: Clock | None) -> None:
        self.config = config
        self.plugins = list(plugins)
        self.clock = clock
        self.bot: Bot | None = None

    @classmethod
    async def start(
        cls,
        synapse: Synapse,
        account: Account,
        data_dir: Path,
        *,
        plugins: Sequence[type[Plugin]] | None = (),
        clock: Clock | None = None,
        **settings: Any,
    ) -> TestBot:
        """A running bot with `plugins` (None: every installed plugin, as the real bot loads them),
        all on in every room; `settings` override the config's fields."""
        classes = discover() if plugins is None else plugins
        config = Config(
            homeserver=synapse.url,
            user_id=account.user_id,
            password=account.password,
            data_dir=data_dir,
            default_plugins=tuple(p.name for p in classes),
            timezone="Europe/London",
        )
        harness = cls(replace(config, **settings), classes, clock)
        await harness.resume()
        return harness

    @property
    def user_id(self) -> str:
        return self.config.user_id

    @property
    def running(self) -> Bot:
        """The bot now running (`NotStarted` between `stop()` and `resume()`)."""
        if self.bot is None:
            raise NotStarted("the bot is stopped: resume() or restart() it first")
        return self.bot

    @property
    def parts(self) -> Started:
        """The running bot's database, registry, scheduler, dispatcher and sender, typed as present."""
        return self.running.parts

    @property
    def database(self) -> Database:
        return self.parts.db

    def plugin(self, cls: type[P]) -> P:
        """The running bot's instance of plugin class `cls`, typed as it."""
        return self.parts.plugin(cls)

    async def resume(self) -> None:
        """Start (again) on the same data directory."""
        self.bot = Bot(self.config, clock=self.clock, plugins=self.plugins)
        await self.bot.start()

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.stop()
            self.bot = None

    async def restart(self) -> None:
        await self.stop()
        await self.resume()

    async def room_with(
        self,
        owner: ChatClient,
        *members: ChatClient,
        encrypted: bool = False,
        power_levels: dict[str, Any] | None = None,
    ) -> str:
        """A room created by `owner`, with the bot and `members` joined (and seen joined by owner)."""
        room_id = await owner.create_room(
            invite=[self.user_id, *(m.user_id for m in members)],
            encrypted=encrypted,
            power_levels=power_levels,
        )
        for member in members:
            await member.join(room_id)
        await owner.wait_for_membership(room_id, self.user_id, "join", timeout=20)
        for member in members:
            await owner.wait_for_membership(room_id, member.user_id, "join")
        return room_id

    async def ask(
        self, who: ChatClient, room_id: str, text: str, *, timeout: float = 10.0, **kwargs: Any
    ) -> Seen:
        """Say `text` as `who` and return the bot's reply to it."""
        event_id = await who.say(room_id, text, **kwargs)
        return await who.wait_for_reply(event_id, sender=self.user_id, timeout=timeout)

    def from_bot(self, room_id: str, *, type_: str = "m.room.message") -> Any:
        return lambda e: e.sender == self.user_id and e.room_id == room_id and e.type == type_
