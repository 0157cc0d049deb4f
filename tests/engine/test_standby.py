"""Two instances of the bot on one PostgreSQL database (the real core over fake transports sharing
one fake homeserver): the second stands by, healthy, writing nothing, until the first is gone; then
it leads, answers what the first left unanswered, and not what the first had answered already."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path

import pytest

from matrixbot.config import Config
from matrixbot.db import Database
from matrixbot.engine.health import health_of
from matrixbot.engine.schema import CORE_MIGRATIONS
from matrixbot.errors import AlreadyRunning, StartupError
from matrixbot.lifecycle import Lease
from matrixbot.storage.leadership import LeaderLock
from matrixbot.testing import Postgres
from matrixbot.testing.fakebot import FakeBot
from tests.ops.test_processes import free_port, get

ALICE = "@alice:x"


def config(data_dir: Path, url: str | None) -> Config:
    return Config(
        homeserver="http://fake.invalid",
        user_id="@bot:fake",
        password="unused",
        data_dir=data_dir,
        default_plugins=(),
        timezone="Europe/London",
        database=url,
    )


async def standing_by(bot: FakeBot) -> None:
    while not (bot.role == "standby" and bot.last_sync is not None):  # noqa: ASYNC110 (a state of the bot, polled)
        await asyncio.sleep(0.01)


@pytest.fixture
def url(postgres: Postgres):
    made = postgres.create_database()
    yield made
    postgres.drop_database(made.rsplit("/", 1)[1])


async def test_a_second_instance_stands_by_then_takes_over(url, tmp_path):
    first = await FakeBot.create(tmp_path / "a", database=url)
    port = free_port()
    second = FakeBot(replace(config(tmp_path / "b", url), http_listen=("127.0.0.1", port)))
    second.fake.new_device("FAKEB")
    second.fake.posted, second.fake.rooms = first.fake.posted, first.fake.rooms  # one homeserver
    starting = asyncio.create_task(second.start())
    try:
        await asyncio.wait_for(standing_by(second), 10)
        status, body = await asyncio.to_thread(get, f"http://127.0.0.1:{port}/health")
        assert status == 200 and json.loads(body)["role"] == "standby", body
        _, metrics = await asyncio.to_thread(get, f"http://127.0.0.1:{port}/metrics")
        assert (
            'matrixbot_role{role="standby"} 1.0' in metrics and 'matrixbot_role{role="leader"} 0.0' in metrics
        )
        assert first.role == "leader" and health_of(first)[1]["role"] == "leader"

        room = first.room(ALICE)
        answered = await first.backlog(room, ALICE, "!help")
        await first.replay(answered.event_id)  # answered, and the first dies before marking it done
        unanswered = await first.backlog(room, ALICE, "!help remind")
        token = await first.database.fetch_value("SELECT value FROM meta WHERE key = 'sync_token'")
        await asyncio.sleep(0.2)
        assert not starting.done(), "it stands by while the first leads"
        await first.stop()

        await asyncio.wait_for(starting, 10)
        status, body = await asyncio.to_thread(get, f"http://127.0.0.1:{port}/health")
        assert status == 200 and json.loads(body)["role"] == "leader", body
        await second.settle()
        replies = [p.reply_to for p in second.fake.posted]
        assert replies.count(answered.event_id) == 1, "what the first answered is not answered again"
        assert replies.count(unanswered.event_id) == 1, "what it left unanswered is answered"
        assert token is not None
    finally:
        second.request_stop()
        await asyncio.gather(starting, return_exceptions=True)
        await second.stop()
        await first.stop()


async def test_a_standby_writes_nothing_of_the_leaders(url, tmp_path):
    first = await FakeBot.create(tmp_path / "a", database=url)
    room = first.room(ALICE)
    await first.backlog(room, ALICE, "!help")
    before = await first.database.fetch_all("SELECT key, value FROM meta ORDER BY key")
    inbox = await first.database.fetch_all("SELECT event_id, state FROM inbox ORDER BY event_id")
    second = FakeBot(config(tmp_path / "b", url))
    second.fake.new_device("FAKEB")
    starting = asyncio.create_task(second.start())
    try:
        await asyncio.wait_for(standing_by(second), 10)
        after = await first.database.fetch_all("SELECT key, value FROM meta ORDER BY key")
        added = {tuple(row) for row in after} - {tuple(row) for row in before}
        assert added <= {("crypto_device.FAKEB", "FAKEB")}, "only its own device's row"
        assert await first.database.fetch_all("SELECT event_id, state FROM inbox ORDER BY event_id") == inbox
        second.request_stop()
        await asyncio.wait_for(starting, 5)  # a standby stops at once, and cleanly
        assert second.fatal is None
    finally:
        second.request_stop()
        await asyncio.gather(starting, return_exceptions=True)
        await second.stop()
        await first.stop()


async def test_with_sqlite_a_second_instance_on_the_same_data_dir_is_refused(tmp_path):
    first = await FakeBot.create(tmp_path / "a")
    try:
        with pytest.raises(AlreadyRunning):
            await FakeBot(config(tmp_path / "a", None)).start()
        assert first.role == "leader"
    finally:
        await first.stop()


async def test_a_standby_waits_for_its_leader_to_make_the_database(url, tmp_path):
    leader = LeaderLock(url, Lease(), lambda exc: None)
    assert await leader.take()  # a leader that has not made the tables yet
    second = FakeBot(config(tmp_path / "b", url))
    starting = asyncio.create_task(second.start())
    try:
        await asyncio.sleep(1.5)
        assert second.role == "standby" and second.last_sync is None, "it waits before logging in"
        db = await Database.connect(url)
        await db.migrate("matrixbot", CORE_MIGRATIONS)
        await db.close()
        await asyncio.wait_for(standing_by(second), 10)
    finally:
        second.request_stop()
        await asyncio.gather(starting, return_exceptions=True)
        await second.stop()
        await leader.close()


async def test_a_standby_refuses_a_database_newer_than_it_knows(url, tmp_path):
    first = await FakeBot.create(tmp_path / "a", database=url)
    await first.database.execute("UPDATE schema_versions SET version = 99 WHERE component = 'matrixbot'")
    second = FakeBot(config(tmp_path / "b", url))
    try:
        with pytest.raises(StartupError, match="schema version 99 for 'matrixbot'"):
            await asyncio.wait_for(second.start(), 10)
    finally:
        await second.stop()
        await first.stop()
