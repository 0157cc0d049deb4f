"""A restart through a real homeserver, encryption on (the default): the rooms come back from the
bot's own store, the first sync goes on from the stored token, and what changed while the bot was
down is heard (the rest of restarts: test_bot.py; the store itself: test_room_state.py)."""

from __future__ import annotations

from typing import Any

import nio
import pytest

from matrixbot.matrix.transport import NioTransport
from tests.engine.crashy import Crashy


async def test_a_restart_resumes_from_its_store_and_hears_who_joined_meanwhile(
    start_bot: Any, chat: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = await start_bot(plugins=[Crashy])
    alice = await chat("alice", encrypted=True)
    secret = await t.room_with(alice, encrypted=True)
    plain = await t.room_with(alice)
    assert (await t.ask(alice, secret, "!echo before")).encrypted
    await t.stop()

    carol = await chat("carol", encrypted=True)  # joins while the bot is down
    await alice.invite(secret, carol.user_id)
    await carol.join(secret)

    syncs: list[bool] = []
    members_asked: list[str] = []
    sync, joined_members = NioTransport.sync, nio.AsyncClient.joined_members

    async def recording_sync(self: NioTransport, **kwargs: Any) -> Any:
        syncs.append(bool(kwargs["full_state"]))
        return await sync(self, **kwargs)

    async def recording_members(self: nio.AsyncClient, room_id: str) -> Any:
        if self.user_id == t.config.user_id:  # the bot's, not the test's own clients
            members_asked.append(room_id)
        return await joined_members(self, room_id)

    monkeypatch.setattr(NioTransport, "sync", recording_sync)
    monkeypatch.setattr(nio.AsyncClient, "joined_members", recording_members)
    await t.resume()
    assert syncs and not syncs[0], "the restart's first sync goes on from the stored token"
    assert carol.user_id in t.parts.rooms.members(secret), "a member who joined while the bot was down"

    answer = await t.ask(carol, secret, "!echo carol", timeout=30)
    assert answer.encrypted and answer.body == "echo carol", "carol can read it: she got the room key"
    assert (await t.ask(alice, secret, "!echo again")).body == "echo again"
    plain_answer = await t.ask(alice, plain, "!echo plain")
    assert not plain_answer.encrypted and plain_answer.body == "echo plain"
    assert not any(syncs), "no full-state sync, also not to send into the encrypted room"
    assert members_asked == [], "the stored members were enough to share the room key"
