"""/health says which part fails; a bot whose scheduler stopped is unhealthy (real homeserver)."""

from __future__ import annotations

import asyncio
import json
import socket
from dataclasses import replace

import pytest

from matrixbot.config import Config
from matrixbot.engine.health import health_of
from matrixbot.errors import StartupError
from matrixbot.testing.fakebot import FakeBot
from tests.ops.test_processes import free_port, get


async def test_health_is_503_naming_the_scheduler_when_it_stops(start_bot):
    port = free_port()
    t = await start_bot(http_listen=("127.0.0.1", port))
    status, body = await asyncio.to_thread(get, f"http://127.0.0.1:{port}/health")
    assert status == 200 and json.loads(body)["status"] == "ok", body
    await t.parts.scheduler.stop()
    status, body = await asyncio.to_thread(get, f"http://127.0.0.1:{port}/health")
    report = json.loads(body)
    assert status == 503 and report["status"] == "failing"
    assert report["scheduler"] == {"ok": False} and report["sync"]["ok"], report


async def test_health_names_a_database_fault(start_bot):
    t = await start_bot()
    t.database.fault = "database or disk is full"
    healthy, report = health_of(t.running)
    assert not healthy and report["database"] == {"ok": False, "fault": "database or disk is full"}
    t.database.fault = None


async def test_a_taken_port_stops_the_start_in_one_line(tmp_path):
    config = Config(
        homeserver="http://fake.invalid", user_id="@bot:fake", password="unused", data_dir=tmp_path
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        bot = FakeBot(replace(config, http_listen=("127.0.0.1", port)))
        try:
            with pytest.raises(StartupError, match=f"http.listen 127.0.0.1:{port}: "):
                await bot.start()
        finally:
            await bot.stop()
