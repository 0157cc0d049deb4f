"""Database faults: a held lock, a full disk, a read-only data folder.

The fast tests drive `Database` against real SQLite faults (a second connection holding
`BEGIN EXCLUSIVE`; `max_page_count` for a full database) with the pause injected, and the
dispatcher and scheduler with a handler that meets a fault once. The slow ones hold the lock or
fill a tmpfs under a real bot on the real homeserver for 20 s while commands arrive and a post
falls due, and count what the room's history shows afterwards.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from matrixbot.api.commands import command
from matrixbot.api.context import Context
from matrixbot.api.jobs import JobRun
from matrixbot.api.plugin import Plugin
from matrixbot.db import Database
from matrixbot.engine.lanes import Lanes
from matrixbot.engine.scheduler import Scheduler
from matrixbot.engine.schema import CORE_MIGRATIONS
from matrixbot.errors import FatalError, StorageUnavailable
from matrixbot.matrix.events import RoomEvent
from matrixbot.matrix.posting import SendWindow
from matrixbot.testing.chat import ChatClient
from matrixbot.testing.fakebot import FakeBot
from matrixbot.testing.testbot import TestBot
from matrixbot.time import FakeClock
from tests.engine.announcer import Announcer
from tests.ops.test_processes import Running
from tests.reliability.figures import record
from tests.reliability.history import reply_to, room_history

ROOT = Path(__file__).parents[2]
FAULT_SECONDS = 20.0
COMMANDS = 10

# -- fast: the retry logic against real SQLite faults ----------------------------------------


class Pauses:
    """An injected sleep: records each pause and can end the fault after a number of them."""

    def __init__(self, clear_after: int | None = None, clear: Any = None) -> None:
        self.delays: list[float] = []
        self._clear_after, self._clear = clear_after, clear

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        if len(self.delays) == self._clear_after:
            self._clear()


@contextmanager
def held_lock(path: Path | None) -> Iterator[sqlite3.Connection]:
    """Another process's view: a second connection holding the write lock until released."""
    assert path is not None, "an SQLite database"
    other = sqlite3.connect(path, isolation_level=None, timeout=10)
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield other
    finally:
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()


async def open_db(tmp_path: Path, pauses: Pauses, *, fault_limit: float = 600.0) -> Database:
    db = await Database.open(  # SQLite's own faults, made with its own SQL (PRAGMA max_page_count)
        tmp_path / "db.sqlite3", fault_limit=fault_limit, busy_timeout=0.01, sleep=pauses, portable=False
    )
    await db.execute("CREATE TABLE IF NOT EXISTS t (x)")
    return db


async def test_a_write_waits_out_a_held_lock_and_reports_it_once(tmp_path, caplog):
    pauses = Pauses()
    db = await open_db(tmp_path, pauses)
    seen_fault = []

    def clear() -> None:
        seen_fault.append(db.fault)
        other.execute("ROLLBACK")

    with held_lock(db.path) as other:
        pauses._clear_after, pauses._clear = 4, clear
        written = await db.execute("INSERT INTO t VALUES (1)")
    assert seen_fault == ["database is locked"], "while the lock is held, db.fault names it"
    assert written == 1 and await db.fetch_value("SELECT COUNT(*) FROM t") == 1
    assert db.fault is None, "a committed write clears the fault"
    assert pauses.delays == [0.25, 0.5, 1.0, 2.0], "backoff doubles between attempts"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "database is locked" in errors[0].getMessage(), "one error, naming the cause"
    assert any("written again" in r.getMessage() for r in caplog.records), "recovery is logged"
    await db.close()


async def test_a_full_database_rolls_back_and_write_runs_the_body_again(tmp_path):
    pauses = Pauses()
    db = await open_db(tmp_path, pauses)
    await db.execute("CREATE TABLE big (data BLOB)")
    pages = await db.fetch_value("PRAGMA page_count")
    runs: list[int] = []

    async def body(tx) -> None:
        runs.append(len(runs))
        await tx.execute("INSERT INTO t VALUES (?)", (len(runs),))
        await tx.execute("INSERT INTO big VALUES (zeroblob(100000))")

    async def room_again() -> None:
        await db.fetch_value("PRAGMA max_page_count = 1000000")

    await db.fetch_value(f"PRAGMA max_page_count = {pages}")
    pauses._clear_after, pauses._clear = 2, lambda: asyncio.ensure_future(room_again())
    await db.write(body)
    assert len(runs) >= 3, "the body ran again after each failed attempt"
    assert await db.fetch_value("SELECT COUNT(*) FROM t") == 1, "failed attempts left nothing behind"
    assert await db.fetch_value("SELECT COUNT(*) FROM big") == 1
    assert db.fault is None
    await db.close()


async def test_a_plain_transaction_raises_storage_unavailable_with_nothing_kept(tmp_path):
    db = await open_db(tmp_path, Pauses())
    await db.fetch_value(f"PRAGMA max_page_count = {await db.fetch_value('PRAGMA page_count')}")
    with pytest.raises(StorageUnavailable, match="full"):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO t VALUES (1)")
            await tx.execute("CREATE TABLE big AS SELECT zeroblob(100000) AS data")
    assert db.fault == "database or disk is full"
    assert await db.fetch_value("SELECT COUNT(*) FROM t") == 0
    await db.close()


async def test_each_fault_met_is_told_with_its_cause(tmp_path):
    pauses = Pauses()
    db = await open_db(tmp_path, pauses)
    told: list[str] = []
    db.on_fault = told.append
    await db.fetch_value(f"PRAGMA max_page_count = {await db.fetch_value('PRAGMA page_count')}")
    with pytest.raises(StorageUnavailable):
        async with db.transaction() as tx:
            await tx.execute("CREATE TABLE big AS SELECT zeroblob(100000) AS data")
    assert told == ["database or disk is full"]
    with held_lock(db.path) as other:
        pauses._clear_after, pauses._clear = 2, lambda: other.execute("ROLLBACK")
        await db.execute("INSERT INTO t VALUES (1)")
    assert told[1:] == ["database is locked"] * 2, "each try that met the held lock, as it met it"
    await db.close()


async def test_a_fault_past_the_limit_is_fatal_once(tmp_path):
    pauses = Pauses()
    db = await open_db(tmp_path, pauses, fault_limit=0.0)
    fatal: list[FatalError] = []
    db.on_fatal = fatal.append
    with held_lock(db.path):
        results = await asyncio.gather(
            db.execute("INSERT INTO t VALUES (1)"),
            db.execute("INSERT INTO t VALUES (2)"),
            return_exceptions=True,
        )
    assert all(isinstance(r, FatalError) for r in results), results
    assert len(fatal) == 1 and "could not be written" in str(fatal[0]) and "locked" in str(fatal[0])
    await db.close()


class Flaky(Plugin):
    """Answers, then meets a storage fault on its first run (as a handler whose commit failed)."""

    name = "flaky"
    runs = 0

    @command("flaky")
    async def flaky(self, ctx: Context) -> None:
        type(self).runs += 1
        await ctx.reply(f"answer {type(self).runs}")
        if type(self).runs == 1:
            raise StorageUnavailable("database or disk is full")


async def test_a_command_that_met_a_storage_fault_is_handled_again_and_answered_once(tmp_path):
    Flaky.runs = 0
    bot = await FakeBot.create(tmp_path, plugins=[Flaky])  # pauses for real: one of 0.25 s
    room = bot.room("@alice:x")
    event = RoomEvent(
        "$cmd", room, "@alice:x", "m.room.message", {"msgtype": "m.text", "body": "!flaky"}, ts=0
    )
    await bot.parts.inbox.store([event], "token")
    bot.parts.dispatcher.submit(event)
    await bot.parts.dispatcher.drain(5)
    await bot.parts.inbox.flush()
    assert Flaky.runs == 2, "the command is run again after the fault, not dropped"
    assert [p.body for p in bot.fake.posted] == ["answer 1"], "the same transaction id: one answer"
    assert await bot.database.fetch_value("SELECT state FROM inbox WHERE event_id = '$cmd'") == "done"
    await bot.stop()


async def test_a_job_that_met_a_storage_fault_runs_again_and_is_done_once(tmp_path):
    db = await Database.open(tmp_path / "db.sqlite3", sleep=Pauses())
    await db.migrate("matrixbot", CORE_MIGRATIONS)
    clock, origins = FakeClock("2024-03-01 10:00"), []

    class Sender:
        window = SendWindow()

        def outbox(self, origin: str) -> str:
            return origin

    scheduler = Scheduler(db, clock, Sender(), Lanes(), late_grace=timedelta(hours=6))  # type: ignore[arg-type]

    async def handler(run: JobRun) -> None:
        origins.append(run.outbox)
        if len(origins) == 1:
            raise StorageUnavailable("database is locked")

    scheduler.register("demo", "tick", handler)
    async with db.transaction() as tx:
        await scheduler.for_plugin("demo").schedule(tx, "tick", clock.now(), {})
    await scheduler.run_due()
    await scheduler.settle(5)
    assert len(origins) == 2 and origins[0] == origins[1], "run again, posting with the same ids"
    row = await db.fetch_one("SELECT state, attempts FROM jobs")
    assert row is not None
    assert (row["state"], row["attempts"]) == ("done", 1), (
        "done once; a storage fault is not a failed attempt"
    )
    await db.close()


# -- a read-only data folder at start --------------------------------------------------------


def needs_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (permission bits alone do not stop root)")


@contextmanager
def tmpfs(path: Path, options: str) -> Iterator[Path]:
    needs_root()
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@contextmanager
def full(disk: Path) -> Iterator[None]:
    """Fill the filesystem at `disk` until a write fails; free it on the way out."""
    filler = disk / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    try:
        yield
    finally:
        filler.unlink(missing_ok=True)


def write_config(
    path: Path, data_dir: Path, homeserver: str, user_id: str, password: str, **extra: Any
) -> Path:
    lines = [
        f"homeserver: {homeserver}",
        f"user_id: '{user_id}'",
        f"password: '{password}'",
        f"data_dir: {data_dir}",
        *(f"{key}: {value}" for key, value in extra.items()),
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_read_only_data_dir_exits_non_zero_with_one_line(tmp_path):
    with tmpfs(tmp_path / "ro", "ro,size=1m") as data_dir:
        config = write_config(
            tmp_path / "config.yaml", data_dir, "http://127.0.0.1:9", "@bot:localhost", "pw"
        )
        try:
            done = subprocess.run(
                [sys.executable, "-m", "matrixbot", "run", "--config", str(config)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=30,
            )
        except subprocess.TimeoutExpired:
            pytest.fail("the bot did not exit on a read-only data_dir")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("matrixbot:")]
    assert len(lines) == 1, f"one line says why: {done.stderr}"
    assert str(data_dir) in lines[0] and "Read-only file system" in lines[0], lines[0]


# -- slow: a real bot on the real homeserver, through a 20 s fault ---------------------------


async def through_a_fault(
    synapse, t: TestBot, alice: ChatClient, room: str, fault: Any, kind: str, caplog
) -> dict[str, Any]:
    """Hold `fault` for FAULT_SECONDS while COMMANDS commands arrive and a post falls due; count after."""
    await t.ask(alice, room, "!announce 3600 warm-up")
    reply = await t.ask(alice, room, "!announce 8 reminder-in-the-fault")
    due = float(reply.body.rsplit(" ", 1)[1])
    commands, causes = [], set()
    with fault():
        started = time.monotonic()
        for n in range(COMMANDS):
            commands.append(await alice.say(room, f"!announce 3600 command-{n}"))
            await asyncio.sleep(1)
            causes.add(t.database.fault)
        await asyncio.sleep(FAULT_SECONDS - (time.monotonic() - started))
        causes.add(t.database.fault)
    cleared = time.time()
    answers = [await alice.wait_for_reply(e, sender=t.user_id, timeout=60) for e in commands]
    posted = await alice.wait_for(lambda e: e.body.startswith("reminder-in-the-fault"), timeout=60)
    await asyncio.sleep(3)  # anything posted twice would come now
    seen = await room_history(synapse.url, alice.nio.access_token, room)  # not the bot's word
    from_bot = [e for e in seen if e["sender"] == t.user_id and e["type"] == "m.room.message"]
    replies = {e: 0 for e in commands}
    for event in from_bot:
        target = reply_to(event)
        if target in replies:
            replies[target] += 1
    reminders = [e for e in from_bot if e["content"]["body"].startswith("reminder-in-the-fault")]
    figures = {
        "commands_sent": COMMANDS,
        "answered": sum(1 for n in replies.values() if n),
        "doubled": sum(1 for n in replies.values() if n > 1),
        "reminder_posted": len(reminders),
        "reminder_late_s": round(posted.ts / 1000 - due, 1),
        "last_answer_after_clear_s": round(max(a.ts for a in answers) / 1000 - cleared, 1),
        "faults_seen": sorted(c for c in causes if c),
        "fault_after": t.database.fault,
        "db_errors_logged": sum(
            1 for r in caplog.records if r.name == "matrixbot.db" and r.levelno >= logging.ERROR
        ),
        "unretrieved": sum(1 for r in caplog.records if "never retrieved" in r.getMessage()),
    }
    record(
        kind,
        f"{figures['commands_sent']} commands sent during the fault: {figures['answered']} answered, "
        f"{figures['doubled']} twice, the last {figures['last_answer_after_clear_s']} s after it cleared; "
        f"the reminder due in it posted {figures['reminder_posted']}× ({figures['reminder_late_s']} s late); "
        f"{figures['db_errors_logged']} error line logged",
    )
    assert all(n == 1 for n in replies.values()), f"every command answered exactly once: {figures}"
    assert len(reminders) == 1, f"the post due in the fault went out once: {figures}"
    assert figures["fault_after"] is None
    assert figures["db_errors_logged"] == 1, f"one error while it cannot write: {figures}"
    assert figures["unretrieved"] == 0
    return figures


@pytest.mark.slow
async def test_a_held_lock_for_20s_loses_and_doubles_nothing(synapse, start_bot, chat, caplog):
    t = await start_bot(plugins=[Announcer])
    alice = await chat("alice")
    room = await t.room_with(alice)

    @contextmanager
    def lock() -> Iterator[None]:
        with held_lock(t.database.path):
            yield

    figures = await through_a_fault(synapse, t, alice, room, lock, "held lock", caplog)
    assert figures["faults_seen"] == ["database is locked"]


@pytest.mark.slow
async def test_a_full_disk_for_20s_loses_and_doubles_nothing(synapse, account, chat, tmp_path, caplog):
    with tmpfs(tmp_path / "disk", "size=40m") as data_dir:
        t = await TestBot.start(synapse, account("bot"), data_dir, plugins=[Announcer])
        try:
            alice = await chat("alice")
            room = await t.room_with(alice)

            figures = await through_a_fault(
                synapse, t, alice, room, functools.partial(full, data_dir), "full disk", caplog
            )
            assert figures["faults_seen"] == ["database or disk is full"]
        finally:
            await t.stop()


@pytest.mark.slow
async def test_a_fault_past_the_limit_ends_the_process_non_zero(synapse, account, chat, tmp_path):
    bot = account("bot")
    data_dir = tmp_path / "data"
    config = write_config(
        tmp_path / "config.yaml", data_dir, synapse.url, bot.user_id, bot.password, storage_fault_limit=3
    )
    process = await Running.start(config)
    try:
        await process.wait_for("matrixbot started")
        alice = await chat("alice")
        room = await alice.create_room(invite=[bot.user_id])
        await alice.wait_for_membership(room, bot.user_id, "join", timeout=20)
        with held_lock(data_dir / "matrixbot.sqlite3"):
            locked_at = time.monotonic()
            await alice.say(room, "!help")
            code = await process.ended()
            exited_after = time.monotonic() - locked_at
    finally:
        await process.kill()
    output = process.output
    record(
        "fault past the limit",
        f"limit 3 s: the process exited with code {code} after {exited_after:.1f} s of a held lock, "
        "with one line naming the cause",
    )
    assert code == 1, output
    assert "Traceback" not in output and "never retrieved" not in output, output
    last = output.strip().splitlines()[-1]
    assert last.startswith("matrixbot: stopped: the database") and "database is locked" in last, output
