"""A limited sync's gap is fetched back to the last sync however many events it holds, bounded in
time, not in a count (2,000 dropped the commands sent before 2,100 messages); a gap that cannot be
fetched is said once in the room, with its span."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import nio
import pytest

from matrixbot.engine import gaps
from matrixbot.engine.gaps import GapFiller
from matrixbot.engine.lanes import Lanes
from tests.engine.said import Posts

ROOM = "!r:x"


class History:
    """`/messages` over `count` events, newest first from the token "t<count>", back to "t0"; it
    fails after `fail_after` pages when given."""

    def __init__(self, count: int, fail_after: int | None = None) -> None:
        self.count, self.fail_after, self.pages = count, fail_after, 0

    async def messages(self, room_id: str, *, start: str, end: str, limit: int) -> Any:
        assert end == "t0"
        self.pages += 1
        if self.fail_after is not None and self.pages > self.fail_after:
            return nio.RoomMessagesError("it went away", "M_UNKNOWN")
        top = int(start[1:])
        numbers = range(top, max(top - limit, 0), -1)
        chunk = [
            SimpleNamespace(
                source={
                    "type": "m.room.message",
                    "event_id": f"$e{n}",
                    "sender": "@alice:x",
                    "origin_server_ts": 1_800_000_000_000 + n * 1000,
                    "content": {"msgtype": "m.text", "body": f"message {n}"},
                }
            )
            for n in numbers
        ]
        return nio.RoomMessagesResponse(room_id, cast(Any, chunk), start, f"t{max(top - limit, 0)}")


def _filler(history: History, posts: Posts, lanes: Lanes, spoken: str = "en") -> GapFiller:
    async def zone(_: str) -> str:
        return "Europe/London"

    async def language(_: str) -> str:
        return spoken

    settings = SimpleNamespace(zone=zone, language=language)
    return GapFiller(cast(Any, history), lanes, cast(Any, posts), cast(Any, settings))


async def test_a_gap_of_2500_events_is_fetched_whole_oldest_first() -> None:
    history, posts, lanes = History(2500), Posts(), Lanes()
    found = await _filler(history, posts, lanes).fill(ROOM, "t2500", "t0", None, 1_800_003_000_000)
    assert [e.event_id for e in found[:2]] == ["$e1", "$e2"] and found[-1].event_id == "$e2500"
    assert len(found) == 2500 and len({e.event_id for e in found}) == 2500
    await lanes.settle(1)
    assert posts.said == []


async def test_a_gap_that_cannot_be_fetched_is_said_once_with_its_span() -> None:
    history, posts, lanes = History(2500, fail_after=2), Posts(), Lanes()
    synced_at = 1_800_000_000.0 - 3600
    found = await _filler(history, posts, lanes).fill(ROOM, "t2500", "t0", synced_at, 1_800_003_000_000)
    assert len(found) == 1000 and found[0].event_id == "$e1501"
    await lanes.settle(1)
    assert posts.said == [
        "I could not fetch everything sent here while I was away: what was sent between "
        "Fri 15 Jan 2027, 07:00 GMT and Fri 15 Jan 2027, 08:25 GMT was not seen, so commands in it "
        "were not handled. Please send again what matters."
    ]


async def test_the_room_is_told_in_its_language() -> None:
    history, posts, lanes = History(2500, fail_after=2), Posts(), Lanes()
    synced_at = 1_800_000_000.0 - 3600
    await _filler(history, posts, lanes, "fr").fill(ROOM, "t2500", "t0", synced_at, 1_800_003_000_000)
    await lanes.settle(1)
    assert posts.said == [
        "Je n'ai pas pu récupérer tout ce qui a été envoyé ici pendant mon absence : je n'ai pas vu ce "
        "qui a été envoyé entre vendredi 15 janvier 2027, 07:00 (GMT) et vendredi 15 janvier 2027, "
        "08:25 (GMT), donc les commandes de ce moment n'ont pas été traitées. Merci de renvoyer ce qui compte."
    ]


async def test_the_fetch_is_bounded_in_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gaps, "BUDGET", 0.05)

    class Slow(History):
        async def messages(self, room_id: str, **kwargs: Any) -> Any:
            await asyncio.sleep(0.03)
            return await super().messages(room_id, **kwargs)

    posts, lanes = Posts(), Lanes()
    found = await _filler(Slow(100_000), posts, lanes).fill(ROOM, "t100000", "t0", None, 1_800_200_000_000)
    assert 0 < len(found) < 100_000
    await lanes.settle(1)
    assert len(posts.said) == 1 and "before" in posts.said[0]
