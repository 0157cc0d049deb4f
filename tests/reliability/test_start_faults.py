"""Faults at start get one line each, as at run time.

A full disk at start once ended the process after 0.6 s with a 25-line traceback; now it is waited
out within `storage_fault_limit`, with one line naming it and one when it clears. A database file
that cannot be written (immutable, read-only) once started silently, and then waited out the whole
limit (10 minutes by default) before it said anything; now the start stops with one line naming it.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.ops.test_processes import Running
from tests.reliability.figures import record
from tests.reliability.test_db_faults import full, tmpfs, write_config

ROOT = Path(__file__).parents[2]
UNREACHABLE = "http://127.0.0.1:9"
FULL_SECONDS = 3.0


def run(config: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [sys.executable, "-m", "matrixbot", "run", "--config", str(config)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the bot did not exit within {timeout:g} s: {exc.stderr!r}")


@pytest.mark.slow
def test_a_full_disk_at_start_past_the_limit_is_one_line(tmp_path):
    with tmpfs(tmp_path / "disk", "size=2m") as disk, full(disk):
        config = write_config(
            tmp_path / "config.yaml",
            disk / "data",
            UNREACHABLE,
            "@bot:localhost",
            "pw",
            storage_fault_limit=2,
        )
        done = run(config, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and "database or disk is full; waiting" in errors[0], done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("matrixbot: stopped: the database ") and last.endswith("database or disk is full")


@pytest.mark.slow
async def test_a_full_disk_at_start_is_waited_out(synapse, account, tmp_path):
    """On a first start (a new database) and on a restart (the database, session and crypto store
    exist): the bot waits with one line, says when the disk has room again, and starts."""
    bot = account("bot")
    seen = []
    with tmpfs(tmp_path / "disk", "size=40m") as disk:
        config = write_config(
            tmp_path / "config.yaml", disk / "data", synapse.url, bot.user_id, bot.password, log_level="INFO"
        )
        for start in ("first start", "restart"):
            with full(disk):
                process = await Running.start(config)
                await asyncio.sleep(FULL_SECONDS)
                waiting = process.proc.returncode is None
            freed = time.monotonic()
            try:
                await process.wait_for("matrixbot started", timeout=30)
                started_after = time.monotonic() - freed
            finally:
                code = await process.stop()
            errors = [line for line in process.lines if " ERROR " in line or "Traceback" in line]
            cleared = [line for line in process.lines if "can be written again" in line]
            seen.append((start, waiting, started_after, code, errors, cleared, process.output))
    record(
        "full disk at start",
        f"full for the first {FULL_SECONDS:g} s: "
        + "; ".join(
            f"{start}: {'waited' if waiting else 'exited'} with {len(errors)} error line, "
            f"started {after:.1f} s after the disk had room"
            for start, waiting, after, _, errors, _, _ in seen
        ),
    )
    for start, waiting, _, code, errors, cleared, output in seen:
        assert waiting, f"{start}: the bot waits while the disk is full\n{output}"
        assert code == 0, output
        # a new database fails on "full"; an existing one already opening its WAL index ("disk I/O error")
        assert len(errors) == 1 and "; waiting and retrying" in errors[0], f"{start}\n{output}"
        assert len(cleared) == 1, f"{start}\n{output}"


def test_an_unwritable_database_is_named_at_start(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    database = data / "matrixbot.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (x)")
    for file in data.iterdir():
        file.chmod(0o600)  # as the bot makes them
    with unwritable(database):
        config = write_config(tmp_path / "config.yaml", data, UNREACHABLE, "@bot:localhost", "pw")
        started = time.monotonic()
        done = run(config, timeout=30)
    assert done.returncode == 1 and time.monotonic() - started < 15, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("matrixbot:")]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(
        f"matrixbot: cannot start: the database file {database} cannot be written ("
    ), lines


@contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """`path` made immutable (root, who ignores modes) or read-only (anyone else)."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("chattr +i does not work here")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=False)
    else:
        path.chmod(0o400)
        yield
