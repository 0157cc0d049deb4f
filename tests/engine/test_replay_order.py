"""After a start, left-over events are handed over only once a full-state sync is processed, in order."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import nio

from matrixbot.engine.inbox import Inbox
from matrixbot.engine.schema import CORE_MIGRATIONS
from matrixbot.engine.sync import Syncer
from matrixbot.lifecycle import Lifecycle
from matrixbot.matrix.events import RoomEvent
from matrixbot.time import FakeClock

ROOM = "!r:x"


def _message(event_id: str) -> dict[str, Any]:
    content = {"msgtype": "m.text", "body": "!help"}
    return {
        "type": "m.room.message",
        "event_id": event_id,
        "sender": "@alice:x",
        "origin_server_ts": 1,
        "content": content,
    }


class OneSync:
    """A homeserver whose next sync brings one new message; records what was asked."""

    encryption = None

    def __init__(self) -> None:
        self.asked: list[dict[str, Any]] = []

    async def sync(self, **kwargs: Any) -> nio.SyncResponse:
        self.asked.append(kwargs)
        timeline = {"events": [_message("$new")], "limited": False, "prev_batch": "p1"}
        response = nio.SyncResponse.from_dict(
            {"next_batch": "s2", "rooms": {"join": {ROOM: {"timeline": timeline, "state": {"events": []}}}}}
        )
        assert isinstance(response, nio.SyncResponse), response
        return response


class Recorder:
    def __init__(self) -> None:
        self.submitted: list[str] = []

    def submit(self, event: RoomEvent) -> None:
        self.submitted.append(event.event_id)


async def test_left_overs_wait_for_the_first_full_state_sync_then_go_in_order(storage):
    db = await storage.open()
    try:
        await db.migrate("matrixbot", CORE_MIGRATIONS)
        inbox = Inbox(db)
        left_over = RoomEvent.from_source(_message("$old"), ROOM)
        await inbox.store([left_over], "s1")  # stored by the last run, which was killed before handling it
        client, dispatcher = OneSync(), Recorder()
        life = Lifecycle()
        rooms = SimpleNamespace(observe_state=lambda *_: None, forget=lambda *_: None)
        config = SimpleNamespace(user_id="@bot:x")
        syncer = Syncer(client, config, FakeClock(), inbox, dispatcher, None, None, rooms, life, None, None)  # type: ignore[arg-type]

        await syncer.resume()
        assert dispatcher.submitted == [], "nothing may be handled before nio knows the rooms"
        await syncer.sync_once(full_state=True)
        assert client.asked[0]["since"] == "s1" and client.asked[0]["full_state"]
        assert dispatcher.submitted == [], "the first sync's events wait behind the left-overs"
        assert not life.rooms_known.is_set()
        await syncer.replay()
        assert life.rooms_known.is_set()
        assert dispatcher.submitted == ["$old", "$new"]
    finally:
        await db.close()
