"""A leader that follows another device re-runs the old leader's unfinished work without posting it
twice: the homeserver recognises transaction ids only from the device that used them, so what was
posted is read back from the room's history (matrix/earlier.py). And a leader that cannot confirm
its lease posts and writes nothing until it can (fencing)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from matrixbot.engine.election import take_over
from matrixbot.errors import SendPending
from matrixbot.matrix.events import TXN_KEY
from matrixbot.matrix.markup import Message
from tests.engine.announcer import Announcer

ALICE = "@alice:x"


async def test_every_post_carries_its_transaction_id(fake_bot):
    bot = await fake_bot()
    room = bot.room(ALICE)
    reply = await bot.say(room, ALICE, "!help")
    assert str(reply.content[TXN_KEY]).startswith("mb"), reply.content


async def test_a_command_answered_by_the_old_leader_is_not_answered_again(fake_bot):
    bot = await fake_bot()
    room = bot.room(ALICE)
    command = await bot.backlog(room, ALICE, "!help")
    [answer] = await bot.catch_up()
    assert answer.reply_to == command.event_id
    # the old leader died before marking it done; the new leader is another device
    bot.fake.new_device()
    await take_over(bot.parts, None)
    assert await bot.replay(command.event_id) == [], "the answer the old leader posted stands"
    assert len([p for p in bot.fake.posted if p.reply_to == command.event_id]) == 1


async def test_without_the_history_another_device_would_answer_twice(fake_bot):
    """The hazard itself: a fake homeserver, like Synapse, forgets transaction ids across devices."""
    bot = await fake_bot()
    room = bot.room(ALICE)
    command = await bot.backlog(room, ALICE, "!help")
    await bot.catch_up()
    bot.fake.new_device()
    assert len(await bot.replay(command.event_id)) == 1


async def test_a_job_the_old_leader_posted_is_not_posted_again_and_unposted_work_is(fake_bot):
    bot = await fake_bot(plugins=[Announcer])
    room = bot.room(ALICE)
    await bot.say(room, ALICE, "!announce 60 first")
    await bot.say(room, ALICE, "!announce 60 second")
    bot.clock.advance(timedelta(seconds=61))
    posted = await bot.run_due()
    assert sorted(p.body for p in posted) == ["first", "second"]
    # the old leader had posted the first and died before marking either done; the second's post
    # never reached the homeserver
    second = next(p for p in posted if p.body == "second")
    bot.fake.posted.remove(second)
    await bot.database.execute("UPDATE jobs SET state = 'running'")
    bot.fake.new_device()
    await take_over(bot.parts, None)
    await bot.parts.scheduler.recover()
    again = await bot.run_due()
    assert [p.body for p in again] == ["second"], "only what had not been posted goes out"
    assert [p.body for p in bot.fake.posted if p.body in ("first", "second")] == ["first", "second"]


async def test_a_job_taken_over_is_checked_after_the_window_too(fake_bot):
    bot = await fake_bot(plugins=[Announcer])
    room = bot.room(ALICE)
    await bot.say(room, ALICE, "!announce 60 late one")
    bot.clock.advance(timedelta(seconds=61))
    await bot.run_due()
    await bot.database.execute("UPDATE jobs SET state = 'pending', attempts = 1")
    bot.fake.new_device()
    await take_over(bot.parts, None)
    earlier = bot.parts.sender.earlier
    assert earlier is not None
    earlier._until = 0.0  # the window is over: only the jobs taken over are still checked
    assert await bot.run_due() == []
    assert not earlier.covers(bot.parts.sender.prefix("event:$other") + ".1")


async def test_a_leader_without_its_lease_posts_nothing_until_it_has_it_again(fake_bot):
    bot = await fake_bot()
    room = bot.room(ALICE)
    sender = bot.parts.sender
    sender.first_retry = 0.05
    lease = bot.lifecycle.lease
    lease.until = 0.0
    sending = asyncio.create_task(sender.outbox("test:1").message(room, Message.from_html("hello")))
    await asyncio.sleep(0.3)
    assert not sending.done() and not bot.fake.posted, "nothing goes out without the lease"
    lease.until = float("inf")
    await asyncio.wait_for(sending, 5)
    assert [p.body for p in bot.fake.posted] == ["hello"]


async def test_a_lost_lead_makes_a_waiting_send_give_up(fake_bot):
    bot = await fake_bot()
    room = bot.room(ALICE)
    bot.parts.sender.first_retry = 0.05
    bot.lifecycle.lease.until = 0.0
    sending = asyncio.create_task(bot.parts.sender.outbox("test:2").message(room, Message.from_html("hi")))
    await asyncio.sleep(0.1)
    bot.lifecycle.closing.set()
    with pytest.raises(SendPending, match="cannot confirm that it still leads"):
        await asyncio.wait_for(sending, 5)
    assert not bot.fake.posted


async def test_a_leader_without_its_lease_writes_nothing_until_it_has_it_again(fake_bot):
    bot = await fake_bot()
    db = bot.database
    lease = bot.lifecycle.lease
    db.guard = lease.cause
    lease.until = 0.0
    writing = asyncio.create_task(db.execute("INSERT INTO meta (key, value) VALUES ('fenced', 'x')"))
    await asyncio.sleep(0.4)
    assert not writing.done()
    assert db.fault == lease.UNCONFIRMED, "the database says why it waits (/health)"
    lease.until = float("inf")
    await asyncio.wait_for(writing, 10)
    assert await db.fetch_value("SELECT value FROM meta WHERE key = 'fenced'") == "x"
    assert db.fault is None
