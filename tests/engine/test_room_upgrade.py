"""A room upgraded with a reminder pending and a poll open: the bot follows the tombstone once it is
invited to the successor, carries the room's things over, and the reminder is posted once, in the
new room; a post the old room refuses (403) is given up at once, without a traceback loop."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import quote

import aiohttp
import pytest
from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings

from matrixbot.testing.chat import ChatClient
from matrixbot.testing.pytest_plugin import MakeChat, StartBot
from matrixbot.time import FakeClock


async def _upgrade(homeserver: str, owner: ChatClient, room_id: str) -> str:
    url = f"{homeserver}/_matrix/client/v3/rooms/{quote(room_id)}/upgrade"
    headers = {"Authorization": f"Bearer {owner.nio.access_token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"new_version": "10"}, headers=headers) as answer,
    ):
        answer.raise_for_status()
        return str((await answer.json())["replacement_room"])


async def test_an_upgraded_room_keeps_its_reminders_polls_and_settings(
    start_bot: StartBot, chat: MakeChat, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock("2024-03-01 10:00", "Europe/London")  # before the homeserver's own clock: see Sent
    t = await start_bot(plugins=[Meetings, DatePoll], clock=clock)
    alice, bob = await chat("alice"), await chat("bob")
    old = await t.room_with(alice, bob)
    await t.ask(alice, old, "!set timezone Europe/Berlin")
    await t.ask(alice, old, "!remind in 1 hour water the plants")
    await t.ask(alice, old, "!poll Social\n2pm 2 March 2030\n2pm 3 March 2030")

    new = await _upgrade(t.config.homeserver, alice, old)
    await alice.wait_for(lambda e: e.room_id == old and e.type == "m.room.tombstone", timeout=10)
    await alice.invite(new, t.user_id)  # as Element offers when upgrading
    await alice.wait_for_membership(new, t.user_id, "join", timeout=20)
    said = await alice.wait_for(lambda e: e.room_id == new and e.sender == t.user_id and "replaces" in e.body)
    assert old in said.body

    assert "R1" in (await t.ask(alice, new, "!reminders")).body
    assert "P1: Social" in (await t.ask(alice, new, "!polls")).body
    assert "Europe/Berlin" in (await t.ask(alice, new, "!settings")).body

    caplog.set_level(logging.WARNING)
    clock.advance(timedelta(hours=1))
    await t.parts.scheduler.run_due()
    posted = await alice.wait_for(
        lambda e: e.sender == t.user_id and "water the plants" in e.body and e.msgtype == "m.text", timeout=30
    )
    assert posted.room_id == new
    await alice.until_synced()
    reminders = [e for e in alice.events() if e.sender == t.user_id and "water the plants" in e.body]
    assert [e.room_id for e in reminders if e.msgtype == "m.text"] == [new], "posted once, in the new room"
    assert not [r for r in caplog.records if r.exc_info], "no traceback"
