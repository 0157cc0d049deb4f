"""/health says which part fails; a bot whose scheduler stopped is unhealthy (real homeserver). The
listener holds up: bad requests cost no log line, slow ones a capped number of connections for a
few seconds, and /metrics never waits on the database. Under a low file limit: tests/reliability/test_listener.py."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import socket
import sqlite3
import time
from dataclasses import replace

import pytest

from matrixbot.config import Config
from matrixbot.engine import health
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


async def fetch(port: int, request: bytes, timeout: float = 5.0) -> bytes:
    """Send `request` as it is and read the answer until the listener closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()


@pytest.fixture
async def listening(tmp_path):
    port = free_port()
    bot = await FakeBot.create(tmp_path, http_listen=("127.0.0.1", port))
    yield bot, port
    await bot.stop()


BAD_REQUESTS = [
    b"garbage\r\n\r\n",
    b"GET\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",  # a TLS hello
    b"GET /\xff HTTP/1.1\r\n\r\n",
    b"GET /health HTTP/1.1\r\nX: " + b"a" * 10_000 + b"\r\n\r\n",
    b"POST /health HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
    b"GET /admin HTTP/1.1\r\n\r\n",
]


async def test_bad_requests_get_a_status_and_cost_no_log_line(listening, caplog):
    """Each malformed request once logged a traceback: anyone who could reach the port could
    write to the log."""
    _, port = listening
    with caplog.at_level(logging.DEBUG):
        for _ in range(20):
            for request in BAD_REQUESTS:
                answer = await fetch(port, request)
                assert re.match(rb"HTTP/1\.[01] 4\d\d ", answer), (request[:40], answer[:80])
    assert not [r for r in caplog.records if r.levelno >= logging.INFO or r.exc_info], [
        r.getMessage() for r in caplog.records
    ]
    ok = await fetch(port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert ok.split(b"\r\n", 1)[0] in (b"HTTP/1.1 200 OK", b"HTTP/1.1 503 Service Unavailable")


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


async def test_half_sent_requests_hold_at_most_the_cap_and_are_cut_off(tmp_path, monkeypatch):
    """A client that never finishes its request costs one of MAX_CONNECTIONS slots for
    HEAD_TIMEOUT at most; the others wait in the kernel's queue, not in the bot's descriptors."""
    monkeypatch.setattr(health, "MAX_CONNECTIONS", 8)
    monkeypatch.setattr(health, "HEAD_TIMEOUT", 1.0)
    port = free_port()
    bot = await FakeBot.create(tmp_path, http_listen=("127.0.0.1", port))
    slow: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    try:
        before = open_descriptors()
        for _ in range(40):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # never the blank line that ends it
            slow.append((reader, writer))
        await asyncio.sleep(0.3)
        held = open_descriptors() - before - len(slow)  # the listener's side of them
        assert held <= 8, f"the listener holds {held} connections, past its cap of 8"
        cut = await asyncio.wait_for(slow[0][0].read(), 3)
        assert cut == b"", "a request not finished in time is closed without an answer"
    finally:
        for _, writer in slow:
            writer.close()
        await bot.stop()


async def test_metrics_answers_at_once_while_the_database_waits_for_a_lock(listening):
    """During a held database lock, /metrics did not answer within 5 s: it waited for a read
    queued behind the write that waited for the lock. It serves the last values it read."""
    bot, port = listening
    await fetch(port, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")  # a first read of the backlog
    other = sqlite3.connect(bot.database.path, isolation_level=None, timeout=10)
    other.execute("BEGIN EXCLUSIVE")
    try:
        write = asyncio.create_task(bot.database.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')"))
        await asyncio.sleep(0.5)
        assert not write.done(), "the write waits for the lock (holding the database for reads too)"
        for _ in range(3):
            started = time.monotonic()
            answer = await fetch(port, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", timeout=5)
            assert time.monotonic() - started < 1.0
            assert answer.startswith(b"HTTP/1.1 200 OK") and b"matrixbot_inbox_backlog 0.0" in answer
    finally:
        other.execute("ROLLBACK")
        other.close()
    await asyncio.wait_for(write, 15)
