"""Scheduled posts through the real homeserver: on time, and exactly once across a kill -9."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from matrixbot.time import FakeClock
from tests.engine.announcer import Announcer

ROOT = Path(__file__).parents[2]


async def test_the_alarm_posts_a_scheduled_post_by_itself_when_due_not_before(start_bot, chat):
    """The real alarm, in real time; how punctual it is is measured by `make bench` (reminders)."""
    t = await start_bot(plugins=[Announcer])
    alice = await chat("alice")
    room = await t.room_with(alice)
    reply = await t.ask(alice, room, "!announce 1 punctual")
    due = float(reply.body.rsplit(" ", 1)[1])
    posted = await alice.wait_for(lambda e: e.sender == t.user_id and e.body == "punctual", timeout=10)
    assert posted.ts / 1000 >= due - 0.05, f"posted {due - posted.ts / 1000:.3f} s before due"
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
    db = t.database
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
    clock = FakeClock(datetime.now(UTC))
    t = await start_bot(plugins=[Announcer], clock=clock)
    alice = await chat("alice")
    room = await t.room_with(alice)
    await t.ask(alice, room, "!announce 30 while-down")
    await t.stop()
    clock.advance(32)  # it falls due while the bot is down
    await t.resume()
    posted = await alice.wait_for(lambda e: e.sender == t.user_id and e.body.startswith("while-down"))
    assert posted.body == "while-down (late)"
    await t.restart()
    await alice.until_synced()
    assert len([e for e in alice.events(room) if e.body.startswith("while-down")]) == 1
