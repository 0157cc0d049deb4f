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
takes them and the jobs due meanwhile in the order of their time, as `start()` does. `sync(rooms)`
hands the running bot's sync loop one sync's `rooms` section (Matrix JSON): the fake homeserver's
rooms change as nio's would, and the bot stores their state; `fake.syncs` lists each sync asked for.

Its state is in an SQLite file in `data_dir`, or in PostgreSQL with `database=URL` (the `fake_bot`
fixture does that for the PostgreSQL variant of each test; `TestBot.start` takes it too).

Plugins must still be tested through the real homeserver (`matrixbot.testing.testbot`); this is for the
many small cases in between.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import nio

from matrixbot.api.plugin import Plugin
from matrixbot.config import Config
from matrixbot.db import Database
from matrixbot.engine.bot import Bot
from matrixbot.engine.registry import discover
from matrixbot.matrix.devices import Devices
from matrixbot.matrix.events import RoomEvent
from matrixbot.matrix.markup import FSI, PDI
from matrixbot.matrix.roomstate import StoredRoom
from matrixbot.matrix.transport import Encryption
from matrixbot.time import FakeClock


@dataclass
class Posted:
    """Something the bot sent."""

    event_id: str
    room_id: str
    type: str
    content: dict[str, Any]

    @property
    def body(self) -> str:
        """The body as a person reads it, as `ChatClient` shows it: without the invisible marks that
        isolate user values (FSI … PDI); `content["body"]` has them."""
        return str(self.content.get("body", "")).replace(FSI, "").replace(PDI, "")

    @property
    def html(self) -> str:
        return str(self.content.get("formatted_body", ""))

    @property
    def msgtype(self) -> str | None:
        return self.content.get("msgtype")

    @property
    def reply_to(self) -> str | None:
        return ((self.content.get("m.relates_to") or {}).get("m.in_reply_to") or {}).get("event_id")

    @property
    def mentions(self) -> list[str]:
        return list((self.content.get("m.mentions") or {}).get("user_ids", []))

    @property
    def edits(self) -> str | None:
        """The event this post replaces (an edit, as of a live list), if it is one."""
        relation = self.content.get("m.relates_to") or {}
        return relation.get("event_id") if relation.get("rel_type") == "m.replace" else None

    @property
    def new_body(self) -> str:
        """An edit's new text as a person reads it (without the isolation marks)."""
        return (
            str((self.content.get("m.new_content") or {}).get("body", "")).replace(FSI, "").replace(PDI, "")
        )


@dataclass
class _User:
    display_name: str | None


@dataclass
class _Room:
    room_id: str
    creator: str
    users: dict[str, _User]
    power_levels: dict[str, Any]
    invited_users: dict[str, _User] = field(default_factory=dict)
    encrypted: bool = False
    name: str | None = None

    @property
    def display_name(self) -> str:
        return self.name or self.room_id

    def apply(self, source: dict[str, Any]) -> None:
        """A state event, as nio's room takes it from a sync."""
        kind, key, content = source["type"], source.get("state_key"), source.get("content") or {}
        if kind == "m.room.member" and key is not None:
            self.users.pop(key, None)
            self.invited_users.pop(key, None)
            if content.get("membership") in ("join", "invite"):
                self.users[key] = _User(content.get("displayname"))
                if content["membership"] == "invite":
                    self.invited_users[key] = self.users[key]
        elif kind == "m.room.power_levels":
            self.power_levels = content
        elif kind == "m.room.create":
            self.creator = source.get("sender", "")
        elif kind == "m.room.encryption":
            self.encrypted = True
        elif kind == "m.room.name":
            self.name = content.get("name") or None


class FakeClient:
    """A `Transport` that answers locally and records every send: the homeserver of a `FakeBot`.

    Its syncs bring nothing (a test hands events to the bot itself, see `FakeBot.send`); a repeated
    transaction id posts nothing new, as on a homeserver. A test may swap in a failing `send`.
    """

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        self.device_id = "FAKEDEVICE"
        self.rooms: dict[str, _Room] = {}
        self.posted: list[Posted] = []
        self.redacted: list[str] = []
        self.uploads: dict[str, bytes] = {}
        self.encryption: Encryption | None = None
        self.devices = Devices(None, self.device_id)
        self.syncs: list[tuple[str | None, bool]] = []
        """(since, full_state) of every sync the bot asked for."""
        self.state_asked: list[str] = []
        """Rooms whose state the bot asked the homeserver for (not known from syncs or its store)."""
        self._by_txn: dict[str, Posted] = {}
        self._ids = itertools.count(1)
        self._syncs = itertools.count(1)
        self._closed = asyncio.Event()
        self._queued: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._handed: list[asyncio.Future[None]] = []
        self._news = asyncio.Event()

    def new_id(self, sigil: str) -> str:
        return f"{sigil}fake{next(self._ids)}"

    async def connect(self, db: Database) -> None:
        return None

    def restore_rooms(self, rooms: Sequence[StoredRoom]) -> None:
        for stored in rooms:
            users = {u: _User(m.display_name) for u, m in stored.members.items()}
            invited = {u: users[u] for u, m in stored.members.items() if m.membership == "invite"}
            creator = (stored.create or {}).get("sender", "")
            levels = stored.power_levels or {}
            room = _Room(stored.room_id, creator, users, levels, invited, stored.encrypted, stored.name)
            self.rooms[stored.room_id] = room

    def queue_sync(self, rooms: dict[str, Any]) -> asyncio.Future[None]:
        """The next sync brings `rooms` (a sync's `rooms` section); the future is done once the bot
        has handled that sync (it asked for the next one)."""
        done = asyncio.get_running_loop().create_future()
        self._queued.append((rooms, done))
        self._news.set()
        return done

    async def sync(
        self, *, timeout: int, sync_filter: dict[str, Any], since: str | None, full_state: bool | None
    ) -> nio.SyncResponse | nio.SyncError:
        for handled in self._handed:  # the bot asks again: it has handled what it was handed
            handled.set_result(None)
        self._handed.clear()
        self.syncs.append((since, bool(full_state)))
        if (
            timeout and not self._queued
        ):  # a long-poll: nothing comes, until it times out, the bot stops or a test queues a sync
            self._news.clear()
            closed, news = (
                asyncio.ensure_future(self._closed.wait()),
                asyncio.ensure_future(self._news.wait()),
            )
            await asyncio.wait([closed, news], timeout=timeout / 1000, return_when=asyncio.FIRST_COMPLETED)
            closed.cancel()
            news.cancel()
        rooms: dict[str, Any] = {}
        if self._queued:
            rooms, handed = self._queued.pop(0)
            self._handed.append(handed)
        token = f"s{next(self._syncs)}"  # its own count: room and event ids stay as tests know them
        response = nio.SyncResponse.from_dict({"next_batch": token, "rooms": rooms})
        assert isinstance(response, nio.SyncResponse)
        for room_id, info in response.rooms.join.items():
            room = self.rooms.setdefault(room_id, _Room(room_id, "", {}, {}))
            for event in (*info.state, *info.timeline.events):
                room.apply(event.source)
        for room_id in response.rooms.leave:
            self.rooms.pop(room_id, None)
        return response

    async def send(
        self, room_id: str, event_type: str, content: dict[str, Any], txn_id: str
    ) -> nio.RoomSendResponse | nio.RoomSendError:
        posted = self._by_txn.get(txn_id)
        if posted is None:  # like the homeserver: a repeated transaction id posts nothing new
            posted = Posted(self.new_id("$"), room_id, event_type, content)
            self.posted.append(posted)
            self._by_txn[txn_id] = posted
        return nio.RoomSendResponse(posted.event_id, room_id)

    async def redact(
        self, room_id: str, event_id: str, reason: str | None = None
    ) -> nio.RoomRedactResponse | nio.RoomRedactError:
        self.redacted.append(event_id)
        return nio.RoomRedactResponse(self.new_id("$"), room_id)

    async def upload(
        self, data: bytes, content_type: str, filename: str, *, encrypt: bool
    ) -> tuple[nio.UploadResponse | nio.UploadError, dict[str, Any] | None]:
        uri = f"mxc://fake/{next(self._ids)}"
        self.uploads[uri] = data
        return nio.UploadResponse(uri), None

    async def create_direct_room(self, user_id: str) -> nio.RoomCreateResponse | nio.RoomCreateError:
        room_id = self.new_id("!")
        members = {self.user_id: _User("bot"), user_id: _User(_name(user_id))}
        self.rooms[room_id] = _Room(room_id, self.user_id, members, {"users": {self.user_id: 100}})
        return nio.RoomCreateResponse(room_id)

    async def join(self, room_id: str, via: Sequence[str] = ()) -> bool:
        return room_id in self.rooms

    async def leave(self, room_id: str, reason: str | None = None) -> bool:
        return self.rooms.pop(room_id, None) is not None

    async def messages(
        self, room_id: str, *, start: str, end: str, limit: int
    ) -> nio.RoomMessagesResponse | nio.RoomMessagesError:
        return nio.RoomMessagesResponse(room_id, [], start, end)

    async def state_event(
        self, room_id: str, event_type: str, state_key: str = ""
    ) -> nio.RoomGetStateEventResponse | nio.RoomGetStateEventError:
        self.state_asked.append(room_id)
        room = self.rooms.get(room_id)
        if room is None:
            return nio.RoomGetStateEventError("not in that room", "M_FORBIDDEN")
        if event_type == "m.room.power_levels":
            return nio.RoomGetStateEventResponse(room.power_levels, event_type, state_key, room_id)
        return nio.RoomGetStateEventError("no such state", "M_NOT_FOUND")

    async def state(self, room_id: str) -> nio.RoomGetStateResponse | nio.RoomGetStateError:
        self.state_asked.append(room_id)
        room = self.rooms.get(room_id)
        if room is None:
            return nio.RoomGetStateError("not in that room", "M_FORBIDDEN")
        create = {"room_version": "10"}
        return nio.RoomGetStateResponse(
            [
                {"type": "m.room.create", "state_key": "", "sender": room.creator, "content": create},
                {"type": "m.room.power_levels", "state_key": "", "content": room.power_levels},
            ],
            room_id,
        )

    async def close(self) -> None:
        self._closed.set()


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

    async def sync(self, rooms: dict[str, Any]) -> None:
        """Hand the running bot one sync whose `rooms` section is `rooms` (Matrix JSON: `join`,
        `leave`, `invite`), and return once it has handled it."""
        await asyncio.wait_for(self.fake.queue_sync(rooms), 10)

    def room(self, *members: str, admins: Iterable[str] = (), bot_level: int = 100) -> str:
        """A room with the bot and `members`; `admins` get power level 100 (others 0), the bot
        `bot_level` (below 50 it may not remove others' messages, as where nobody made it a moderator)."""
        room_id = self.fake.new_id("!")
        users = {self.config.user_id: _User("bot"), **{m: _User(_name(m)) for m in members}}
        levels = {
            "users": {self.config.user_id: bot_level, **dict.fromkeys(admins, 100)},
            "state_default": 50,
        }
        self.fake.rooms[room_id] = _Room(room_id, next(iter(members), self.config.user_id), users, levels)
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


def _name(user_id: str) -> str:
    return user_id[1:].split(":", 1)[0]
