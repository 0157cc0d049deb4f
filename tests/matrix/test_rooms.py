"""RoomDirectory asks the homeserver for the state sync did not show, on nio's real client and rooms
(through the transport the bot uses: `NioTransport`)."""

from __future__ import annotations

from pathlib import Path

import nio
import pytest

from matrixbot.config import Config
from matrixbot.matrix.rooms import RoomDirectory
from matrixbot.matrix.transport import NioTransport

ROOM = "!r:x"
LEVELS = {"users": {"@bot:x": 100}, "users_default": 0, "state_default": 50}


def client_after_stateless_sync(
    monkeypatch: pytest.MonkeyPatch, room_version: str, tmp_path: Path
) -> NioTransport:
    """nio's client knowing the room, not its state; the state requests are answered locally."""
    config = Config(homeserver="http://homeserver.invalid", user_id="@bot:x", password="x", data_dir=tmp_path)
    transport = NioTransport(config, on_error=_ignore)
    client = transport.nio
    client.rooms[ROOM] = nio.MatrixRoom(ROOM, "@bot:x")
    create = {"room_version": room_version}
    events = [
        {"type": "m.room.create", "state_key": "", "sender": "@founder:x", "content": create},
        {"type": "m.room.power_levels", "state_key": "", "sender": "@founder:x", "content": LEVELS},
    ]

    async def room_get_state(room_id: str) -> nio.RoomGetStateResponse:
        return nio.RoomGetStateResponse(events, room_id)

    async def room_get_state_event(room_id: str, event_type: str, state_key: str = "") -> object:
        assert event_type == "m.room.power_levels"
        return nio.RoomGetStateEventResponse(LEVELS, event_type, state_key, room_id)

    monkeypatch.setattr(client, "room_get_state", room_get_state)
    monkeypatch.setattr(client, "room_get_state_event", room_get_state_event)
    return transport


async def _ignore(_: nio.ErrorResponse) -> None:
    return None


async def test_a_v12_creator_not_seen_in_sync_is_admin(monkeypatch, tmp_path):
    client = client_after_stateless_sync(monkeypatch, "12", tmp_path)
    rooms = RoomDirectory(client, "@bot:x")
    assert await rooms.is_admin(ROOM, "@founder:x"), "in room v12 the create event's sender outranks all"
    assert not await rooms.is_admin(ROOM, "@someone:x")
    await client.close()


async def test_an_older_rooms_creator_has_only_their_power_level(monkeypatch, tmp_path):
    client = client_after_stateless_sync(monkeypatch, "10", tmp_path)
    rooms = RoomDirectory(client, "@bot:x")
    assert not await rooms.is_admin(ROOM, "@founder:x")
    await client.close()
