"""Slow clients of the health listener never cost the bot its homeserver connection.

Once, 1,100 half-sent requests held against a process limited to 1,024 open files took every
descriptor: after a 1.7 s homeserver restart the bot could not reconnect for 68 s, and each failed
`accept()` logged a traceback. Here the bot runs as a process limited to OPEN_FILES descriptors
while ATTACKERS clients keep requests half-sent (reconnecting whenever cut off), and its homeserver
restarts; a command sent after the restart must be answered, and the log stay short.

    .venv/bin/python -m pytest -q -m slow tests/reliability/test_listener.py -s
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest

from matrixbot.testing.chat import ChatClient
from matrixbot.testing.synapse import Synapse
from tests.ops.test_processes import free_port
from tests.reliability.bot_process import BotProcess
from tests.reliability.figures import record

pytestmark = pytest.mark.slow

OPEN_FILES = 256
ATTACKERS = 400
ANSWER_WITHIN = 20.0


async def half_sent(port: int, stop: asyncio.Event, held: list[int]) -> None:
    """One slow client: connects, sends part of a request, waits until cut off, and again."""
    while not stop.is_set():
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 3)
        except (OSError, TimeoutError):
            await asyncio.sleep(0.5)
            continue
        held[0] += 1
        try:
            writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            read = asyncio.ensure_future(reader.read())
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({read, stopping}, return_when=asyncio.FIRST_COMPLETED)
            for task in (read, stopping):
                task.cancel()
        except OSError:
            pass
        finally:
            held[0] -= 1
            writer.close()


async def test_half_sent_requests_under_a_low_file_limit_never_cost_the_homeserver(
    own_synapse: Synapse, tmp_path
):
    server = own_synapse
    port = free_port()
    bot = BotProcess(
        server.url,
        await asyncio.to_thread(server.register, "bot"),
        tmp_path / "bot",
        plugins=(),
        open_files=OPEN_FILES,
        http={"listen": f"127.0.0.1:{port}"},
    )
    alice = await ChatClient.connect(server.url, await asyncio.to_thread(server.register, "alice"))
    stop = asyncio.Event()
    held = [0]
    attackers: list[asyncio.Task[None]] = []
    await bot.start()
    try:
        room = await alice.create_room(invite=[bot.user_id])
        await alice.wait_for_membership(room, bot.user_id, "join", timeout=60)
        warm = await alice.say(room, "!help")
        await alice.wait_for_reply(warm, sender=bot.user_id, timeout=30)
        log_before = len(bot.log_text().splitlines())

        attackers = [asyncio.create_task(half_sent(port, stop, held)) for _ in range(ATTACKERS)]
        await asyncio.sleep(5)
        holding = held[0]
        await asyncio.to_thread(server.stop)  # every connection to the homeserver is gone
        await asyncio.to_thread(server.start)
        restarted = time.monotonic()
        command = await alice.say(room, "!help")
        try:
            await alice.wait_for_reply(command, sender=bot.user_id, timeout=60)
            answered_after: float | None = time.monotonic() - restarted
        except AssertionError:
            answered_after = None
        alive = bot.process is not None and bot.process.returncode is None
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*attackers, return_exceptions=True), 10)
        await alice.close()
        await bot.stop()
    log = bot.log_text().splitlines()[log_before:]
    tracebacks = sum(1 for line in log if line.startswith("Traceback"))
    record(
        "slow clients",
        f"{ATTACKERS} clients holding half-sent requests ({holding} connected at once) against a limit of "
        f"{OPEN_FILES} open files, and a homeserver restart: a command sent after it answered "
        + (f"{answered_after:.1f} s later" if answered_after is not None else "never (60 s)")
        + f"; {len(log)} log lines, {tracebacks} tracebacks",
    )
    assert alive, "\n".join(log[-20:])
    assert answered_after is not None and answered_after <= ANSWER_WITHIN, (
        f"answered after {answered_after} s\n" + "\n".join(log[-20:])
    )
    assert tracebacks == 0 and len(log) <= 30, "\n".join(log[:40])
