"""pytest fixtures for matrixbot and its plugins, registered under the `pytest11` entry point.

Installed with matrixbot, so a third-party plugin's tests get them without a conftest:
`synapse` (one throwaway homeserver per session), `account` (fresh users), `chat` (connected chat
clients), `start_bot` (a running bot on that homeserver) and `fake_bot` (the real core over a fake
transport: no homeserver, milliseconds per test).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from matrixbot.testing.chat import ChatClient
from matrixbot.testing.fakebot import FakeBot
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


@pytest.fixture
async def fake_bot(tmp_path: Path) -> AsyncIterator[MakeFakeBot]:
    """`bot = await fake_bot(plugins=[...], **config)`: the real core and plugins over a fake transport
    (`bot.room(...)`, `await bot.say(room, user, "!cmd")`, `bot.react(...)`, `bot.replay(...)`;
    `plugins=None`: every installed plugin); stopped after the test."""
    started: list[FakeBot] = []

    async def make(**kwargs: Any) -> FakeBot:
        bot = await FakeBot.create(tmp_path / f"fakebot{len(started)}", **kwargs)
        started.append(bot)
        return bot

    yield make
    for bot in started:
        await bot.stop()
