"""The homeserver of a `FakeBot`: a `Transport` that answers locally and records what the bot sends."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import nio

from matrixbot.db import Database
from matrixbot.matrix.devices import Devices
from matrixbot.matrix.markup import FSI, PDI
from matrixbot.matrix.transport import Encryption


@dataclass
class Posted:
    """Something the bot sent."""

    event_id: str
    room_id: str
    type: str
    content: dict[str, Any]
    ts: int = 0
    """When the fake homeserver took it (ms since the epoch, the wall clock, as a homeserver's)."""

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
class FakeUser:
    display_name: str


@dataclass
class FakeRoom:
    room_id: str
    creator: str
    users: dict[str, FakeUser]
    power_levels: dict[str, Any]
    invited_users: dict[str, FakeUser] = field(default_factory=dict)
    encrypted: bool = False

    @property
    def display_name(self) -> str:
        return self.room_id


class FakeClient:
    """A `Transport` that answers locally and records every send: the homeserver of a `FakeBot`.

    Its syncs bring nothing (a test hands events to the bot itself, see `FakeBot.send`); a repeated
    transaction id posts nothing new, as on a homeserver, unless the bot became another device
    since (`new_device`). `messages` pages back through what the bot posted in a room. A test may
    swap in a failing `send`.
    """

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        self.device_id = "FAKEDEVICE"
        self.rooms: dict[str, FakeRoom] = {}
        self.posted: list[Posted] = []
        self.redacted: list[str] = []
        self.uploads: dict[str, bytes] = {}
        self.encryption: Encryption | None = None
        self.devices = Devices(None, self.device_id)
        self._by_txn: dict[str, Posted] = {}
        self._ids = itertools.count(1)
        self._syncs = itertools.count(1)
        self._closed = asyncio.Event()

    def new_id(self, sigil: str) -> str:
        return f"{sigil}fake{next(self._ids)}"

    def new_device(self, device_id: str = "FAKEDEVICE2") -> None:
        """The bot is another device from now on (a standby that took over): the homeserver knows
        the transaction ids only of the device that used them, so it recognises none of the old."""
        self.device_id = device_id
        self._by_txn.clear()

    async def connect(self, db: Database) -> None:
        return None

    async def sync(
        self, *, timeout: int, sync_filter: dict[str, Any], since: str | None, full_state: bool | None
    ) -> nio.SyncResponse | nio.SyncError:
        if timeout and since is not None:  # a long-poll: nothing comes, until it times out or the bot stops
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), timeout / 1000)
        token = f"s{next(self._syncs)}"  # its own count: room and event ids stay as tests know them
        response = nio.SyncResponse.from_dict({"next_batch": token, "rooms": {}})
        assert isinstance(response, nio.SyncResponse)
        return response

    async def send(
        self, room_id: str, event_type: str, content: dict[str, Any], txn_id: str
    ) -> nio.RoomSendResponse | nio.RoomSendError:
        posted = self._by_txn.get(txn_id)
        if posted is None:  # like the homeserver: a repeated transaction id posts nothing new
            posted = Posted(self.new_id("$"), room_id, event_type, content, int(time.time() * 1000))
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
        members = {self.user_id: FakeUser("bot"), user_id: FakeUser(user_name(user_id))}
        self.rooms[room_id] = FakeRoom(room_id, self.user_id, members, {"users": {self.user_id: 100}})
        return nio.RoomCreateResponse(room_id)

    async def join(self, room_id: str, via: Sequence[str] = ()) -> bool:
        return room_id in self.rooms

    async def leave(self, room_id: str, reason: str | None = None) -> bool:
        return self.rooms.pop(room_id, None) is not None

    async def messages(
        self, room_id: str, *, start: str, end: str, limit: int
    ) -> nio.RoomMessagesResponse | nio.RoomMessagesError:
        """What the bot posted in `room_id`, newest first, `limit` at a time from `start` (a
        position; "" is the room's end)."""
        mine = [p for p in self.posted if p.room_id == room_id][::-1]
        first = int(start) if start.isdigit() else 0
        page = mine[first : first + limit]
        chunk = [nio.Event.parse_event(self._source(p)) for p in page]
        later = str(first + len(page)) if first + len(page) < len(mine) else ""
        return nio.RoomMessagesResponse(room_id, chunk, start, later)

    def _source(self, posted: Posted) -> dict[str, Any]:
        return {
            "event_id": posted.event_id,
            "sender": self.user_id,
            "type": posted.type,
            "content": posted.content,
            "origin_server_ts": posted.ts,
            "room_id": posted.room_id,
        }

    async def state_event(
        self, room_id: str, event_type: str, state_key: str = ""
    ) -> nio.RoomGetStateEventResponse | nio.RoomGetStateEventError:
        room = self.rooms.get(room_id)
        if room is None:
            return nio.RoomGetStateEventError("not in that room", "M_FORBIDDEN")
        if event_type == "m.room.power_levels":
            return nio.RoomGetStateEventResponse(room.power_levels, event_type, state_key, room_id)
        return nio.RoomGetStateEventError("no such state", "M_NOT_FOUND")

    async def state(self, room_id: str) -> nio.RoomGetStateResponse | nio.RoomGetStateError:
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


def user_name(user_id: str) -> str:
    return user_id[1:].split(":", 1)[0]
