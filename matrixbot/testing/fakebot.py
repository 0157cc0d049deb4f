"""A bot without a homeserver, for fast plugin tests: the real core with a fake transport.

Everything but the network is real: database, plugins, dispatcher, scheduler, time parser. The
fake client records what the bot posts; `say` hands a message straight to the dispatcher and
returns what the bot answered, so a test reads like the chat:

    bot = await FakeBot.create(tmp_path, plugins=[DatePoll], clock=FakeClock("2024-02-20 12:00"))
    room = bot.room("@alice:x", "@bob:x", admins=["@alice:x"])
    reply = await bot.say(room, "@alice:x", "!poll MoU call\\n3-4pm Tuesday 5th March 2014\\n…")
    assert "5 March 2014 was a Wednesday" in reply.body

`react`/`unreact` deliver a reaction and its redaction, `arrive` the bot's own join to a room (its
hello), `replay` hands an event over again as after
a crash, `run_due` runs the jobs due by the `FakeClock`. Every event is stamped with the clock's time
as its sending time, or with `sent_at=` (a message that took long to reach the bot). A downtime:
`backlog(...)` stores events as the sync at the next start would, unhandled, and `catch_up()` then
takes them and the jobs due meanwhile in the order of their time, as `start()` does.

Its state is in an SQLite file in `data_dir`, or in PostgreSQL with `database=URL` (the `fake_bot`
fixture does that for the PostgreSQL variant of each test; `TestBot.start` takes it too).

Plugins must still be tested through the real homeserver (`matrixbot.testing.testbot`); this is for the
many small cases in between.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from matrixbot.api.plugin import Plugin
from matrixbot.config import Config
from matrixbot.db import Database
from matrixbot.engine.bot import Bot
from matrixbot.engine.registry import discover
from matrixbot.matrix.events import RoomEvent
from matrixbot.testing.fakeclient import FakeClient, FakeRoom, FakeUser, Posted, user_name
from matrixbot.time import FakeClock


class FakeBot(Bot):
    """The core and plugins as in production, on a `FakeClient` transport instead of a homeserver:
    a `Bot` like any, started as any.

    Its clock is always a `FakeClock` (`bot.clock.advance(...)`); its started parts are typed as
    present in `bot.parts` (`bot.database`, `bot.plugin(Cls)` for the two a plugin's tests use most).
    """

    __test__ = False
    clock: FakeClock

    def __init__(
        self, config: Config, *, clock: FakeClock | None = None, plugins: Sequence[type[Plugin]] | None = None
    ) -> None:
        self.fake = FakeClient(config.user_id)
        super().__init__(config, clock=clock or FakeClock(), plugins=plugins, transport=self.fake)
        self._events: dict[str, RoomEvent] = {}

    @classmethod
    async def create(
        cls,
        data_dir: Path,
        *,
        plugins: Sequence[type[Plugin]] | None = (),
        clock: FakeClock | None = None,
        **settings: Any,
    ) -> FakeBot:
        """A started bot on `data_dir` with `plugins` (None: every installed plugin, as the real bot
        loads them), all of them on in every room unless `default_plugins` says otherwise."""
        classes = discover() if plugins is None else plugins
        config = Config(
            homeserver="http://fake.invalid",
            user_id="@bot:fake",
            password="unused",
            data_dir=data_dir,
            default_plugins=settings.pop("default_plugins", tuple(p.name for p in classes)),
            timezone=settings.pop("timezone", "Europe/London"),
            **settings,
        )
        bot = cls(config, clock=clock, plugins=classes)
        await bot.start()
        return bot

    @property
    def database(self) -> Database:
        return self.parts.db

    def room(self, *members: str, admins: Iterable[str] = (), bot_level: int = 100) -> str:
        """A room with the bot and `members`; `admins` get power level 100 (others 0), the bot
        `bot_level` (below 50 it may not remove others' messages, as where nobody made it a moderator)."""
        room_id = self.fake.new_id("!")
        users = {self.config.user_id: FakeUser("bot"), **{m: FakeUser(user_name(m)) for m in members}}
        levels = {
            "users": {self.config.user_id: bot_level, **dict.fromkeys(admins, 100)},
            "state_default": 50,
        }
        self.fake.rooms[room_id] = FakeRoom(room_id, next(iter(members), self.config.user_id), users, levels)
        return room_id

    async def send(
        self,
        room_id: str,
        sender: str,
        event_type: str,
        content: dict[str, Any],
        *,
        sent_at: datetime | None = None,
    ) -> list[Posted]:
        """Deliver an event from `sender` as if it came in a sync; return what the bot posted for it."""
        return await self._deliver(self._event(room_id, sender, event_type, content, sent_at=sent_at))

    async def say(self, room_id: str, sender: str, text: str, *, sent_at: datetime | None = None) -> Posted:
        """Send a message (sent now by the clock, or at `sent_at`: it reached the bot late); return
        the bot's answer to it (the first post replying to it)."""
        event = self._event(room_id, sender, "m.room.message", _text(text), sent_at=sent_at)
        posted = await self._deliver(event)
        answers = [p for p in posted if p.reply_to == event.event_id]
        if not answers:
            raise AssertionError(f"the bot did not answer {text!r}; it posted {[p.body for p in posted]}")
        return answers[0]

    async def react(
        self, room_id: str, sender: str, target: str, key: str, *, sent_at: datetime | None = None
    ) -> list[Posted]:
        """React to event `target` with `key` as `sender`; return what the bot posted for it."""
        relation = {"rel_type": "m.annotation", "event_id": target, "key": key}
        event = self._event(room_id, sender, "m.reaction", {"m.relates_to": relation}, sent_at=sent_at)
        return await self._deliver(event)

    async def unreact(self, room_id: str, sender: str, target: str, key: str) -> list[Posted]:
        """Take back `sender`'s latest `key` reaction to `target` (they redact it, as Element does);
        return what the bot posted for it."""
        relation = {"rel_type": "m.annotation", "event_id": target, "key": key}
        reaction = next(
            (
                e.event_id
                for e in reversed(self._events.values())
                if e.room_id == room_id
                and e.sender == sender
                and e.type == "m.reaction"
                and e.content.get("m.relates_to") == relation
            ),
            None,
        )
        if reaction is None:
            raise LookupError(f"{sender} has no {key} reaction to {target} in {room_id} to take back")
        redaction = self._event(room_id, sender, "m.room.redaction", {"redacts": reaction}, reaction)
        return await self._deliver(redaction)

    async def arrive(self, room_id: str, *, direct: bool = False, invited: bool = True) -> list[Posted]:
        """The bot's own join to `room_id` (made with `room`), as the sync after it accepted an
        invite brings it (`direct`: the invite said the room is a direct chat; `invited=False`: a
        room the bot made itself); return what the bot posted for it (its hello)."""
        bot = self.config.user_id
        unsigned = {"prev_content": {"membership": "invite", "is_direct": direct}} if invited else {}
        join = {"membership": "join"}
        return await self._deliver(
            self._event(room_id, bot, "m.room.member", join, state_key=bot, unsigned=unsigned)
        )

    def delivered(self, room_id: str, event_type: str | None = None) -> list[RoomEvent]:
        """The events handed to the bot in `room_id` (of `event_type`), oldest first: e.g. the bot's
        own join that `arrive` made, to `replay` it."""
        return [
            e
            for e in self._events.values()
            if e.room_id == room_id and (event_type is None or e.type == event_type)
        ]

    async def replay(self, handled: str | Posted) -> list[Posted]:
        """Hand an event over again, as the inbox does after a crash cut its handling short; return
        what the bot posted anew. `handled` is the event's id or the bot's answer to it.

        A reply that reuses the first one's transaction id posts nothing new (as on a homeserver)."""
        event_id = handled if isinstance(handled, str) else handled.reply_to
        event = self._events.get(event_id or "")
        if event is None:
            raise LookupError(f"no event {event_id!r} was delivered to this bot")
        return await self._deliver(event)

    async def backlog(
        self, room_id: str, sender: str, text: str, *, sent_at: datetime | None = None
    ) -> RoomEvent:
        """A message sent while the bot was down (at `sent_at`), stored as the first sync of the next
        start stores it: received now, by the clock (so advance the clock to the restart first),
        and not handled until `catch_up()`."""
        event = self._event(room_id, sender, "m.room.message", _text(text), sent_at=sent_at)
        await self.parts.inbox.store([event], self.fake.new_id("s"))
        return event

    async def backlog_event(
        self, room_id: str, sender: str, event_type: str, content: dict[str, Any], *, sent_at: datetime
    ) -> RoomEvent:
        """Any event sent while the bot is down (a reaction, a poll response): see `backlog`."""
        event = self._event(room_id, sender, event_type, content, sent_at=sent_at)
        await self.parts.inbox.store([event], self.fake.new_id("s"))
        return event

    async def catch_up(self) -> list[Posted]:
        """Start again after a downtime: the backlog and the jobs due by the clock, in the order of
        their time, through the rooms' lanes as at a real start; return what the bot posted."""
        before = len(self.fake.posted)
        parts = self.parts
        parts.scheduler.mark_start()
        parts.dispatcher.lanes.pause()
        try:
            for row in await self.parts.inbox.unfinished(undecrypted_since=0):
                parts.dispatcher.submit(RoomEvent.from_json(row["event"]))
            await parts.scheduler.run_due()
        finally:
            parts.dispatcher.lanes.resume()
        await self.settle()
        return self.fake.posted[before:]

    async def settle(self) -> None:
        """Wait until the rooms' lanes and the jobs started so far are done."""
        parts = self.parts
        while True:  # a job may schedule another that is due at once (a close, its announcement)
            await parts.dispatcher.settle(10)
            await parts.scheduler.settle()
            if not await parts.scheduler.run_due():
                return

    def _event(
        self,
        room_id: str,
        sender: str,
        event_type: str,
        content: dict[str, Any],
        redacts: str | None = None,
        *,
        sent_at: datetime | None = None,
        state_key: str | None = None,
        unsigned: dict[str, Any] | None = None,
    ) -> RoomEvent:
        received = int(self.clock.now().timestamp() * 1000)
        ts = received if sent_at is None else int(sent_at.timestamp() * 1000)
        event = RoomEvent(
            self.fake.new_id("$"),
            room_id,
            sender,
            event_type,
            content,
            ts=ts,
            state_key=state_key,
            redacts=redacts,
            unsigned=unsigned or {},
            received=received,
        )
        self._events[event.event_id] = event
        return event

    async def _deliver(self, event: RoomEvent) -> list[Posted]:
        before = len(self.fake.posted)
        await self.parts.dispatcher.handle(event)
        return self.fake.posted[before:]

    async def run_due(self) -> list[Posted]:
        """Run the jobs due by the bot's clock, and those they make due at once (a close, its
        announcement); return what they posted."""
        before = len(self.fake.posted)
        await self.parts.scheduler.run_due()
        await self.settle()
        return self.fake.posted[before:]


def _text(body: str) -> dict[str, Any]:
    return {"msgtype": "m.text", "body": body}
