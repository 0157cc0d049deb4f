"""PostgreSQL's own faults, on a real server (the session's throwaway one): a connection that is
cut is opened again and the write goes through once; a COMMIT whose answer never came is asked
about, not done again and not lost; a server that is away at start is waited for; one that refuses
for good stops the start with one line. These are the fast smoke tests of the engine (a second or
two with the server's start); the bot-level faults are in tests/reliability/test_postgres_faults.py.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest

from matrixbot.checks import check_database
from matrixbot.db import Database, Tx
from matrixbot.engine.inbox import Inbox
from matrixbot.engine.schema import CORE_MIGRATIONS
from matrixbot.errors import FatalError, StartupError
from matrixbot.matrix.events import RoomEvent
from matrixbot.storage.postgres import check_url, describe
from matrixbot.testing import Postgres
from tests.storage.pgproxy import CommitCutter

THINGS = "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"


class Pauses:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0.01)


@pytest.fixture
async def cutter(postgres: Postgres) -> AsyncIterator[tuple[CommitCutter, str]]:
    """A relay that can cut a COMMIT, and a fresh database's address through it."""
    relay = CommitCutter(postgres.port)
    await relay.start()
    name = f"cut_{secrets.token_hex(4)}"
    yield relay, relay.url(postgres.create_database(name))
    await relay.close()
    postgres.drop_database(name)


async def test_a_cut_connection_is_opened_again_and_the_write_goes_through_once(postgres: Postgres):
    url = postgres.create_database()
    pauses = Pauses()
    db = await Database.connect(url, sleep=pauses)
    told: list[str] = []
    db.on_fault = told.append
    await db.migrate("matrixbot", CORE_MIGRATIONS)
    inbox = Inbox(db)
    await inbox.store([_event("$one")], "s1")
    assert postgres.terminate(url.rsplit("/", 1)[1]) == 1, "the bot's one session was cut"
    new = await inbox.store([_event("$two")], "s2")
    assert [e.event_id for e in new] == ["$two"]
    assert told == ["database connection lost"] and db.fault is None
    assert await inbox.token() == "s2"
    rows = await db.fetch_all("SELECT event_id FROM inbox ORDER BY received_at, position")
    assert [r[0] for r in rows] == ["$one", "$two"], "nothing lost, nothing twice"
    await db.close()


async def test_a_commit_whose_answer_was_lost_is_not_done_again(cutter: tuple[CommitCutter, str]):
    relay, url = cutter
    db = await Database.connect(url, sleep=Pauses())
    await db.execute(THINGS)
    runs: list[int] = []

    async def body(tx: Tx) -> int:
        runs.append(1)
        return await tx.execute("INSERT INTO things (name) VALUES ('once')")

    relay.cut = "after"
    assert await db.write(body) == 1
    assert relay.cuts == 1 and runs == [1], "the server had committed: the body is not run again"
    assert await db.fetch_value("SELECT COUNT(*) FROM things") == 1
    await db.close()


async def test_a_commit_that_never_reached_the_server_is_done_again_once(cutter: tuple[CommitCutter, str]):
    relay, url = cutter
    db = await Database.connect(url, sleep=Pauses())
    await db.execute(THINGS)
    runs: list[int] = []
    committed: list[str] = []

    async def body(tx: Tx) -> None:
        runs.append(1)
        await tx.execute("INSERT INTO things (name) VALUES ('once')")
        tx.after_commit(lambda: committed.append("yes"))

    relay.cut = "before"
    await db.write(body)
    assert relay.cuts == 1 and runs == [1, 1], "not committed: the body runs again"
    assert committed == ["yes"], "after_commit runs for the run that committed"
    assert await db.fetch_value("SELECT COUNT(*) FROM things") == 1
    await db.close()


async def test_a_server_away_at_start_is_waited_for_then_past_the_limit_is_fatal(postgres: Postgres):
    url = postgres.url("postgres").replace(f":{postgres.port}/", ":9/")  # nothing listens on port 9
    pauses = Pauses()
    with pytest.raises(FatalError, match="database server unreachable"):
        await Database.connect(url, fault_limit=0.0, sleep=pauses)
    assert pauses.delays, "it waited before giving up"


async def test_a_refusal_for_good_stops_the_start_with_one_line(postgres: Postgres):
    wrong = postgres.url("postgres").replace(postgres.password, "not-the-password")
    with pytest.raises(StartupError) as refused:
        await Database.connect(wrong)
    message = str(refused.value)
    assert "password" in message and "not-the-password" not in message and "\n" not in message
    with pytest.raises(StartupError, match="does not exist"):
        await Database.connect(postgres.url("no_such_database"))


def test_addresses_are_checked_and_shown_without_their_password():
    assert check_url("postgresql://bot:secret@db.example.org:5432/matrixbot") is None
    assert check_url("postgres://bot@localhost/matrixbot") is None
    assert "PostgreSQL address" in str(check_url("mysql://bot@localhost/matrixbot"))
    assert "database name" in str(check_url("postgresql://bot@localhost"))
    assert "no host" in str(check_url("postgresql:///matrixbot"))
    assert "valid address" in str(check_url("postgresql://bot@localhost:port/matrixbot"))
    shown = describe("postgresql://bot:secret@db.example.org:5432/matrixbot?sslmode=require")
    assert shown == "postgresql://bot@db.example.org:5432/matrixbot"


def _event(event_id: str) -> RoomEvent:
    content = {"msgtype": "m.text", "body": "!help"}
    return RoomEvent(event_id, "!room:x", "@alice:x", "m.room.message", content, ts=0)


async def test_check_config_login_proves_the_database_can_be_used(postgres: Postgres):
    url = postgres.create_database()
    found = await check_database(url)
    assert found.startswith("PostgreSQL ") and "empty" in found and postgres.password not in found
    with pytest.raises(StartupError, match="cannot use the database") as refused:
        await check_database(url.replace(postgres.password, "wrong"))
    assert "wrong" not in str(refused.value), "the address is shown without its password"
