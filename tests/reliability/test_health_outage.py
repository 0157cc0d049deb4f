"""/health turns 503 when the homeserver goes away and 200 again when it is back (real outage)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from matrixbot.engine import health
from matrixbot.testing.synapse import Synapse
from matrixbot.testing.testbot import TestBot
from tests.ops.test_processes import free_port, get

pytestmark = pytest.mark.slow


async def wait_for_status(url: str, wanted: int, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status, body = await asyncio.to_thread(get, url)
        if status == wanted:
            report: dict[str, Any] = json.loads(body)
            return report
        assert time.monotonic() < deadline, f"/health stayed {status} ({body}), expected {wanted}"
        await asyncio.sleep(0.5)


async def test_health_follows_a_homeserver_outage(own_synapse: Synapse, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(health, "SYNC_MAX_AGE", 5.0)
    server = own_synapse
    bot = None
    port = free_port()
    url = f"http://127.0.0.1:{port}/health"
    try:
        bot = await TestBot.start(
            server,
            await asyncio.to_thread(server.register, "bot"),
            tmp_path / "bot",
            http_listen=("127.0.0.1", port),
        )
        await wait_for_status(url, 200, 10)
        await asyncio.to_thread(server.stop)
        report = await wait_for_status(url, 503, 30)
        assert not report["sync"]["ok"] and report["scheduler"]["ok"], report
        assert report["sync"]["seconds_since_last"] > 5.0
        await asyncio.to_thread(server.start)
        report = await wait_for_status(url, 200, 90)
        assert report["sync"]["ok"]
    finally:
        if bot is not None:
            await bot.stop()
