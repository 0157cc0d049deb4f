"""Shared fixtures: one throwaway Synapse per session, fresh users and chat clients per test, and
the log as `matrixbot run` writes it at DEBUG."""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from matrixbot.homeserver import Account, Synapse
from matrixbot.logsetup import QUIET_LOGGERS, setup_logging
from matrixbot.testbot import TestBot
from matrixbot.testing import ChatClient


class MakeAccount(Protocol):
    def __call__(self, name: str | None = None) -> Account: ...


class MakeChat(Protocol):
    def __call__(self, name: str | None = None, *, encrypted: bool = False) -> Awaitable[ChatClient]: ...


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


StartBot = Callable[..., Awaitable[TestBot]]


@pytest.fixture
async def start_bot(synapse: Synapse, account: MakeAccount, tmp_path: Path) -> AsyncIterator[StartBot]:
    """`t = await start_bot(plugins=[...], **config)`: a running bot; stopped after the test."""
    started: list[TestBot] = []

    async def start(**kwargs: Any) -> TestBot:
        harness = await TestBot.start(synapse, account("bot"), tmp_path / f"bot{len(started)}", **kwargs)
        started.append(harness)
        return harness

    yield start
    for harness in started:
        await harness.stop()


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """The process's logging as `matrixbot run` sets it up at DEBUG, written to a buffer."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, {n: logging.getLogger(n).level for n in QUIET_LOGGERS}
    setup_logging("DEBUG")
    buffer = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    yield buffer
    root.handlers[:], root.level = saved[0], saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)
