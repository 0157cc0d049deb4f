"""pytest fixtures for matrixbot and its plugins, registered under the `pytest11` entry point.

Installed with matrixbot, so a third-party plugin's tests get them without a conftest:
`synapse` (one throwaway homeserver per session), `account` (fresh users), `chat` (connected chat
clients), `start_bot` (a running bot on that homeserver) and `fake_bot` (the real core over a fake
transport: no homeserver, milliseconds per test).

Both database engines: `storage` is the test's engine, and `fake_bot` keeps its bots' state there.
It is parametrised, SQLite and PostgreSQL, and the PostgreSQL variant is marked `slow`: a run
with `-m "not slow"` (matrixbot's default) tests on SQLite alone, at the speed it always had, and
`-m slow` runs every such test again on PostgreSQL (`test_x[postgresql]`), against a throwaway
server started once for the session (`postgres`, from the machine's own PostgreSQL binaries;
without them those variants are skipped, or fail under CI=true). Each bot and each `storage.open()`
gets a fresh database (CREATE DATABASE is a few milliseconds), dropped after the test.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from matrixbot.db import Database
from matrixbot.testing.chat import ChatClient
from matrixbot.testing.fakebot import FakeBot
from matrixbot.testing.postgres import Postgres, PostgresMissing
from matrixbot.testing.synapse import Account, Synapse
from matrixbot.testing.testbot import TestBot


class MakeAccount(Protocol):
    def __call__(self, name: str | None = None) -> Account: ...


class MakeChat(Protocol):
    def __call__(self, name: str | None = None, *, encrypted: bool = False) -> Awaitable[ChatClient]: ...


StartBot = Callable[..., Awaitable[TestBot]]
MakeFakeBot = Callable[..., Awaitable[FakeBot]]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "synapse: needs the real homeserver (started once per session)")
    config.addinivalue_line("markers", "slow: long tests, and every `storage` test again on PostgreSQL")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that needs the homeserver gets the `synapse` mark (`-m "not synapse"` skips them)."""
    for item in items:
        if "synapse" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.synapse)


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    server = Synapse(tmp_path_factory.mktemp("synapse"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def account(synapse: Synapse) -> MakeAccount:
    """`account()` registers a fresh user; `account("alice")` one called alice-<random>."""

    def make(name: str | None = None) -> Account:
        return synapse.register(f"{name}-{secrets.token_hex(3)}" if name else None)

    return make


@pytest.fixture
async def chat(synapse: Synapse, account: MakeAccount, tmp_path: Path) -> AsyncIterator[MakeChat]:
    """`await chat()` connects a `ChatClient` for a fresh user; all are closed after the test."""
    clients: list[ChatClient] = []

    async def make(name: str | None = None, *, encrypted: bool = False) -> ChatClient:
        new = await asyncio.to_thread(account, name)
        store = tmp_path / f"crypto-{new.localpart}" if encrypted else None
        client = await ChatClient.connect(synapse.url, new, encrypted=encrypted, store_dir=store)
        clients.append(client)
        return client

    yield make
    await asyncio.gather(*(client.close() for client in clients))


@pytest.fixture
async def start_bot(synapse: Synapse, account: MakeAccount, tmp_path: Path) -> AsyncIterator[StartBot]:
    """`t = await start_bot(plugins=[...], **config)`: a running bot (`plugins=None`: every installed
    plugin); stopped after the test."""
    started: list[TestBot] = []

    async def start(**kwargs: Any) -> TestBot:
        harness = await TestBot.start(synapse, account("bot"), tmp_path / f"bot{len(started)}", **kwargs)
        started.append(harness)
        return harness

    yield start
    for harness in started:
        await harness.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """One throwaway PostgreSQL server for the session (see `matrixbot.testing.postgres`): skipped
    where the machine has no PostgreSQL binaries or asyncpg is not installed, failed instead under
    CI=true."""
    try:
        if importlib.util.find_spec("asyncpg") is None:
            raise PostgresMissing("no asyncpg, the PostgreSQL driver: pip install 'matrixbot[postgres]'")
        server = Postgres()
    except PostgresMissing as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs PostgreSQL: {exc}")
        pytest.skip(str(exc))
    server.start()
    try:
        yield server
    finally:
        server.remove()


class Storage:
    """The test's database engine: SQLite (files in the test's folder) or PostgreSQL (fresh
    databases on the session's server, dropped after the test)."""

    def __init__(self, engine: str, folder: Path, server: Postgres | None) -> None:
        self.engine = engine
        self._folder = folder
        self._server = server
        self._made: list[str] = []

    def config(self) -> dict[str, Any]:
        """Config fields for one bot on this engine: `{"database": URL}` of a new PostgreSQL
        database, or nothing (the SQLite file in the bot's data_dir)."""
        if self._server is None:
            return {}
        name = f"test_{secrets.token_hex(6)}"
        self._made.append(name)
        return {"database": self._server.create_database(name)}

    async def open(self, **kwargs: Any) -> Database:
        """A new, empty `Database` on this engine (`kwargs` as `Database.open`/`connect` take them)."""
        url = self.config().get("database")
        if url is None:
            return await Database.open(self._folder / f"db{secrets.token_hex(3)}.sqlite3", **kwargs)
        return await Database.connect(url, **kwargs)

    async def open_again(self, db: Database) -> Database:
        """A second connection to `db`'s database, as another process would have."""
        if db.path is not None:
            return await Database.open(db.path)
        url = getattr(db.connection, "url", None)
        assert isinstance(url, str)
        return await Database.connect(url)

    def drop(self) -> None:
        if self._server is not None:
            for name in self._made:
                self._server.drop_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    """The test's engine: SQLite, and PostgreSQL in the slow run (see this module's docstring)."""
    server = request.getfixturevalue("postgres") if request.param == "postgresql" else None
    made = Storage(request.param, tmp_path, server)
    yield made
    made.drop()


@pytest.fixture
async def fake_bot(tmp_path: Path, storage: Storage) -> AsyncIterator[MakeFakeBot]:
    """`bot = await fake_bot(plugins=[...], **config)`: the real core and plugins over a fake transport
    (`bot.room(...)`, `await bot.say(room, user, "!cmd")`, `bot.react(...)`, `bot.replay(...)`;
    `plugins=None`: every installed plugin), its state on the test's engine (`storage`); stopped
    after the test."""
    started: list[FakeBot] = []

    async def make(**kwargs: Any) -> FakeBot:
        settings = kwargs if "database" in kwargs else {**storage.config(), **kwargs}
        bot = await FakeBot.create(tmp_path / f"fakebot{len(started)}", **settings)
        started.append(bot)
        return bot

    yield make
    for bot in started:
        await bot.stop()
