"""Under load the sync loop waits (bounded) for the dispatcher to finish before its next long-poll
when the last sync brought nothing new, so that one sync carries what arrived meanwhile instead of
one sync per answer's echo."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import nio
import pytest

from matrixbot.engine.dispatch import Dispatcher
from matrixbot.engine.lanes import Lanes
from matrixbot.engine.sync import Syncer
from matrixbot.lifecycle import Lifecycle
from matrixbot.matrix.events import RoomEvent
from matrixbot.matrix.posting import SendWindow
from matrixbot.time import FakeClock

ROOM = "!r:x"


def _event(event_id: str) -> RoomEvent:
    source = {"type": "m.room.message", "event_id": event_id, "sender": "@a:x", "origin_server_ts": 1}
    return RoomEvent.from_source({**source, "content": {"msgtype": "m.text", "body": "hi"}}, ROOM)


def _dispatcher(release: asyncio.Event, handled: list[str], monkeypatch: pytest.MonkeyPatch) -> Dispatcher:
    fake: Any = SimpleNamespace(window=SendWindow())
    dispatcher = Dispatcher(fake, fake, fake, fake, Lanes(), fake, Lifecycle(), on_handled=_noop)

    async def handle(event: RoomEvent) -> None:
        await release.wait()
        handled.append(event.event_id)

    monkeypatch.setattr(dispatcher, "_route", handle)
    return dispatcher


async def _noop(_: RoomEvent) -> None:
    return None


async def test_settle_returns_when_idle_waits_while_busy_and_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release, handled = asyncio.Event(), list[str]()
    dispatcher = _dispatcher(release, handled, monkeypatch)
    await asyncio.wait_for(dispatcher.settle(5), 0.5)  # idle: at once

    dispatcher.submit(_event("$1"))
    dispatcher.submit(_event("$2"))
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.wait_for(dispatcher.settle(0.2), 5)  # busy and stuck: gives up after its bound
    assert loop.time() - started >= 0.15 and handled == []

    waiter = asyncio.create_task(dispatcher.settle(5))
    await asyncio.sleep(0.05)
    assert not waiter.done()
    release.set()
    await asyncio.wait_for(waiter, 1.0)
    assert handled == ["$1", "$2"], "settle returns only once every queued event is handled"


class EmptySync:
    encryption = None

    def __init__(self) -> None:
        self.asked = 0

    async def sync(self, **_: Any) -> nio.SyncResponse:
        self.asked += 1
        response = nio.SyncResponse.from_dict({"next_batch": "s2", "rooms": {"join": {}}})
        assert isinstance(response, nio.SyncResponse)
        return response


async def test_after_a_sync_with_nothing_new_the_next_waits_for_the_dispatcher() -> None:
    settled = asyncio.Event()

    class Busy:
        async def settle(self, timeout: float) -> None:
            await settled.wait()

    client = EmptySync()
    inbox: Any = SimpleNamespace(store=_store)
    rooms: Any = SimpleNamespace(observe_state=lambda *_: None, forget=lambda *_: None)
    config: Any = SimpleNamespace(user_id="@bot:x")
    syncer = Syncer(
        cast(Any, client),
        config,
        FakeClock(),
        inbox,
        cast(Any, Busy()),
        cast(Any, None),
        cast(Any, None),
        rooms,
        Lifecycle(),
        None,
        cast(Any, None),
    )

    await asyncio.wait_for(syncer.sync_once(), 1.0)  # nothing handed over before: no wait
    assert client.asked == 1
    pending = asyncio.create_task(syncer.sync_once())  # the last sync brought nothing new
    await asyncio.sleep(0.05)
    assert client.asked == 1, "no long-poll after a sync of echoes while the dispatcher is busy"
    settled.set()
    await asyncio.wait_for(pending, 1.0)
    assert client.asked == 2


async def _store(events: list[RoomEvent], token: str) -> list[RoomEvent]:
    return []


async def test_a_stop_that_comes_as_the_dispatcher_settles_is_not_lost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """stop() cancels the sync loop; a cancellation arriving in the same turn as the dispatcher
    going idle must still end the loop (asyncio.wait_for on 3.11 swallowed it, and the loop went
    on to a 30 s long-poll)."""
    release, handled = asyncio.Event(), list[str]()
    dispatcher = _dispatcher(release, handled, monkeypatch)
    dispatcher.submit(_event("$1"))
    waiting = asyncio.create_task(dispatcher.settle(5))
    await asyncio.sleep(0)  # settle is waiting for the room to finish
    release.set()
    await asyncio.sleep(0)
    assert handled == ["$1"]  # the handler finished, and the room's worker went idle in that turn
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
