"""Bot fixtures for integration tests: a fresh bot account and data directory per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from matrixbot.homeserver import Synapse
from matrixbot.testbot import TestBot

StartBot = Callable[..., Awaitable[TestBot]]


@pytest.fixture
async def start_bot(synapse: Synapse, account: Any, tmp_path: Path) -> AsyncIterator[StartBot]:
    """`t = await start_bot(plugins=[...], **config)`: a running bot; stopped after the test."""
    started: list[TestBot] = []

    async def start(**kwargs: Any) -> TestBot:
        harness = await TestBot.start(synapse, account("bot"), tmp_path / f"bot{len(started)}", **kwargs)
        started.append(harness)
        return harness

    yield start
    for harness in started:
        await harness.stop()
