"""PostgreSQL going away under a real bot on the real homeserver: its connection cut again and again
(`pg_terminate_backend`), and the server stopped for seconds and started again, while commands
arrive and a post falls due; then past `storage_fault_limit`, the process exits 1. Everything is
counted from the room's history as the homeserver keeps it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest

from matrixbot.testing import Postgres, TestBot
from matrixbot.testing.chat import ChatClient
from matrixbot.testing.postgres import running
from tests.engine.announcer import Announcer
from tests.ops.test_processes import Running
from tests.reliability.figures import record
from tests.reliability.history import reply_to, room_history
from tests.reliability.test_db_faults import write_config

pytestmark = pytest.mark.slow

FAULT_SECONDS = 20.0
COMMANDS = 10


@pytest.fixture
def own_postgres() -> Iterator[Postgres]:
    """A server of the test's own, to stop and start (the session's is shared)."""
    with running() as server:
        yield server


async def through(
    synapse, t: TestBot, alice: ChatClient, room: str, fault: Callable[[], AbstractAsyncContextManager[Any]]
) -> dict[str, Any]:
    """Hold `fault` for FAULT_SECONDS while COMMANDS commands arrive and a post falls due; count after."""
    await t.ask(alice, room, "!announce 3600 warm-up")
    reply = await t.ask(alice, room, "!announce 8 due-in-the-fault")
    due = float(reply.body.rsplit(" ", 1)[1])
    commands, causes = [], set()
    async with fault():
        started = time.monotonic()
        for n in range(COMMANDS):
            commands.append(await alice.say(room, f"!announce 3600 command-{n}"))
            await asyncio.sleep(1)
            causes.add(t.database.fault)
        await asyncio.sleep(FAULT_SECONDS - (time.monotonic() - started))
    cleared = time.time()
    answers = [await alice.wait_for_reply(e, sender=t.user_id, timeout=60) for e in commands]
    posted = await alice.wait_for(lambda e: e.body.startswith("due-in-the-fault"), timeout=60)
    await asyncio.sleep(3)  # anything posted twice would come now
    seen = await room_history(synapse.url, alice.nio.access_token, room)  # not the bot's word
    from_bot = [e for e in seen if e["sender"] == t.user_id and e["type"] == "m.room.message"]
    replies = dict.fromkeys(commands, 0)
    for event in from_bot:
        if reply_to(event) in replies:
            replies[reply_to(event)] += 1  # type: ignore[index]
    return {
        "commands_sent": COMMANDS,
        "answered": sum(1 for n in replies.values() if n),
        "doubled": sum(1 for n in replies.values() if n > 1),
        "posted": sum(1 for e in from_bot if e["content"]["body"].startswith("due-in-the-fault")),
        "post_late_s": round(posted.ts / 1000 - due, 1),
        "last_answer_after_clear_s": round(max(a.ts for a in answers) / 1000 - cleared, 1),
        "faults_seen": sorted(c for c in causes if c),
        "fault_after": t.database.fault,
    }


def said(figures: dict[str, Any]) -> str:
    last = figures["last_answer_after_clear_s"]
    when = f"{last} s after it ended" if last >= 0 else f"{-last} s before it ended"
    return (
        f"{figures['commands_sent']} commands sent during it: {figures['answered']} answered, "
        f"{figures['doubled']} twice, the last {when}; "
        f"the post due in it posted {figures['posted']}× ({figures['post_late_s']} s late)"
    )


def nothing_lost_or_doubled(figures: dict[str, Any]) -> None:
    assert figures["answered"] == COMMANDS and figures["doubled"] == 0, figures
    assert figures["posted"] == 1, f"the post due in the fault went out once: {figures}"
    assert figures["fault_after"] is None, figures


async def test_connections_cut_again_and_again_lose_and_double_nothing(synapse, start_bot, chat, postgres):
    url = postgres.create_database()
    name = url.rsplit("/", 1)[1]
    t = await start_bot(plugins=[Announcer], database=url)
    alice = await chat("alice")
    room = await t.room_with(alice)
    cuts: list[int] = []

    @asynccontextmanager
    async def cutting() -> AsyncIterator[None]:
        async def cut() -> None:
            while True:
                cuts.append(await asyncio.to_thread(postgres.terminate, name))
                await asyncio.sleep(0.7)

        task = asyncio.create_task(cut())
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    figures = await through(synapse, t, alice, room, cutting)
    record("database connection cut", f"{sum(cuts)} cuts in {FAULT_SECONDS:.0f} s, {said(figures)}")
    assert sum(cuts) >= 5, f"the bot's connection was cut again and again: {cuts}"
    nothing_lost_or_doubled(figures)


async def test_a_database_server_restart_loses_and_doubles_nothing(
    synapse, start_bot, chat, own_postgres, caplog
):
    t = await start_bot(plugins=[Announcer], database=own_postgres.create_database())
    alice = await chat("alice")
    room = await t.room_with(alice)

    @asynccontextmanager
    async def restarting() -> AsyncIterator[None]:
        await asyncio.to_thread(own_postgres.stop, "fast")
        try:
            yield
        finally:
            await asyncio.to_thread(own_postgres.start)

    figures = await through(synapse, t, alice, room, restarting)
    errors = [r for r in caplog.records if r.name == "matrixbot.db" and r.levelno >= logging.ERROR]
    record(
        "database server restart",
        f"stopped {FAULT_SECONDS:.0f} s: {said(figures)}; {len(errors)} error line logged",
    )
    nothing_lost_or_doubled(figures)
    assert set(figures["faults_seen"]) <= {
        "database server unreachable",
        "database connection lost",
        "database server restarting",
    }
    assert figures["faults_seen"], "the fault was seen while it lasted (for /health)"
    assert len(errors) == 1, f"one error line while it cannot write: {[r.getMessage() for r in errors]}"


async def test_a_database_away_past_the_limit_ends_the_process_non_zero(
    synapse, account, chat, tmp_path, own_postgres
):
    bot = account("bot")
    config = write_config(
        tmp_path / "config.yaml",
        tmp_path / "data",
        synapse.url,
        bot.user_id,
        bot.password,
        storage_fault_limit=3,
        database=own_postgres.create_database(),
    )
    process = await Running.start(config)
    try:
        await process.wait_for("matrixbot started")
        alice = await chat("alice")
        room = await alice.create_room(invite=[bot.user_id])
        await alice.wait_for_membership(room, bot.user_id, "join", timeout=20)
        await asyncio.to_thread(own_postgres.stop, "immediate")
        stopped_at = time.monotonic()
        await alice.say(room, "!help")
        code = await process.ended()
        exited_after = time.monotonic() - stopped_at
    finally:
        await process.kill()
    output = process.output
    record(
        "database away past the limit",
        f"limit 3 s: the process exited with code {code} {exited_after:.1f} s after PostgreSQL stopped, "
        "with one line naming the cause",
    )
    assert code == 1, output
    assert "Traceback" not in output and "never retrieved" not in output, output
    last = output.strip().splitlines()[-1]
    assert last.startswith("matrixbot: stopped: the database postgresql://"), output
    assert own_postgres.password not in output, "the password is masked"
