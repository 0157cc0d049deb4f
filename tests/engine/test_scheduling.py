"""Scheduled posts through the real homeserver: on time, and exactly once across a kill -9."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.engine.announcer import Announcer

ROOT = Path(__file__).parents[2]


async def test_scheduled_post_arrives_within_a_second_of_due(start_bot, chat):
    t = await start_bot(plugins=[Announcer])
    alice = await chat("alice")
    room = await t.room_with(alice)
    reply = await t.ask(alice, room, "!announce 2 punctual")
    due = float(reply.body.rsplit(" ", 1)[1])
    posted = await alice.wait_for(lambda e: e.sender == t.user_id and e.body == "punctual", timeout=10)
    lateness = posted.ts / 1000 - due
    assert -0.05 <= lateness < 1.0, f"posted {lateness:.3f} s after due"
    assert posted.msgtype == "m.text"


async def test_kill_between_sending_and_sent_does_not_post_twice(start_bot, chat, tmp_path):
    t = await start_bot(plugins=[Announcer])
    alice = await chat("alice")
    room = await t.room_with(alice)
    await t.ask(alice, room, "!announce 2 exactly-once")
    await t.stop()
    config = t.config
    crashing = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.engine.crash_run",
        config.homeserver,
        config.user_id,
        config.password or "",
        str(config.data_dir),
        cwd=ROOT,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert await asyncio.wait_for(crashing.wait(), 60) == -9
    first = await alice.wait_for(
        lambda e: e.sender == t.user_id and e.body.startswith("exactly-once"), timeout=10
    )
    await t.resume()
    db = t.bot.db
    for _ in range(200):
        if await db.fetch_value("SELECT state FROM jobs") == "done":
            break
        await asyncio.sleep(0.05)
    assert await db.fetch_value("SELECT state FROM jobs") == "done"
    assert await db.fetch_value("SELECT attempts FROM jobs") == 2
    await alice.until_synced()
    posts = [e for e in alice.events(room) if e.sender == t.user_id and e.body.startswith("exactly-once")]
    assert [e.event_id for e in posts] == [first.event_id]


async def test_post_due_while_down_arrives_once_marked_late(start_bot, chat):
    t = await start_bot(plugins=[Announcer])
    alice = await chat("alice")
    room = await t.room_with(alice)
    reply = await t.ask(alice, room, "!announce 1 while-down")
    due = float(reply.body.rsplit(" ", 1)[1])
    await t.stop()
    await asyncio.sleep(max(0.0, due - reply.ts / 1000) + 1.5)  # the time itself is what we wait for
    await t.resume()
    posted = await alice.wait_for(lambda e: e.sender == t.user_id and e.body.startswith("while-down"))
    assert posted.body == "while-down (late)"
    await t.restart()
    await alice.until_synced()
    assert len([e for e in alice.events(room) if e.body.startswith("while-down")]) == 1
