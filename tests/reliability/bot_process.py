"""The bot as a real process (`python -m matrixbot run`), for tests that `kill -9` it.

`BotProcess` writes a config file, starts and SIGKILLs the process, and reads its SQLite file
from outside (as another process would) to kill it at an exact point of its work.
"""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import yaml

from matrixbot.testing.chat import ChatClient
from matrixbot.testing.pytest_plugin import MakeAccount, MakeChat
from matrixbot.testing.synapse import Account, Synapse

ROOT = Path(__file__).parents[2]


class BotProcess:
    """One bot installation (config, data directory) that can be started and killed repeatedly."""

    def __init__(
        self,
        homeserver: str,
        account: Account,
        data_dir: Path,
        *,
        plugins: tuple[str, ...],
        open_files: int | None = None,
        http_port: int | None = None,
        prefix: tuple[str, ...] = (),
        **settings: Any,
    ) -> None:
        """`settings` add to (or override) the config's keys; `open_files` is the process's
        RLIMIT_NOFILE (as systemd's `LimitNOFILE`), unchanged when None; `http_port` the port of its
        /health on loopback (none when None)."""
        self.http_port = http_port
        self.prefix = prefix
        """A command that runs the bot's (e.g. `ip netns exec NAME`: the bot on another network)."""
        if http_port is not None:
            settings["http"] = {"listen": f"127.0.0.1:{http_port}"}
        self.user_id = account.user_id
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.config_path = data_dir.parent / f"{data_dir.name}.yaml"
        self.config_path.write_text(
            yaml.safe_dump(
                {
                    "homeserver": homeserver,
                    "user_id": account.user_id,
                    "password": account.password,
                    "data_dir": str(data_dir),
                    "default_plugins": list(plugins),
                    "timezone": "Europe/London",
                    "log_level": "INFO",
                    "e2ee": {"enabled": True},
                    **settings,
                }
            )
        )
        self.log_path = data_dir.parent / f"{data_dir.name}.log"
        self.open_files = open_files
        self.process: asyncio.subprocess.Process | None = None
        self.kills = 0

    @property
    def database(self) -> Path:
        return self.data_dir / "matrixbot.sqlite3"

    async def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *self.prefix,
                sys.executable,
                "-m",
                "matrixbot",
                "run",
                "--config",
                str(self.config_path),
                cwd=ROOT,
                stdout=log,
                stderr=log,
                preexec_fn=None if self.open_files is None else self._limit_open_files,
            )

    def _limit_open_files(self) -> None:
        """In the child, before it runs Python: at most `open_files` descriptors."""
        assert self.open_files is not None
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))

    def kill(self) -> None:
        """SIGKILL the process now (no clean-up of any kind runs)."""
        assert self.process is not None
        if self.process.returncode is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.kills += 1

    async def reap(self) -> int | None:
        assert self.process is not None
        return await asyncio.wait_for(self.process.wait(), 30)

    async def stop(self) -> int | None:
        """SIGTERM (a clean stop) and wait; SIGKILL if it does not end in 30 s."""
        if self.process is None or self.process.returncode is not None:
            return None if self.process is None else self.process.returncode
        self.process.terminate()
        try:
            return await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.kill()
            return await self.reap()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def inbox_high_water(self) -> int:
        """The highest rowid of the bot's inbox now (0 if empty)."""
        with sqlite3.connect(self.database, timeout=5) as db:
            return int(db.execute("SELECT COALESCE(MAX(rowid), 0) FROM inbox").fetchone()[0])

    def kill_when_stored(self, needle: str, *, after_rowid: int, timeout: float = 60.0) -> str:
        """Poll the bot's database; SIGKILL the process the moment an inbox row holding `needle` appears.

        Only rows after `after_rowid` count. Blocking (run it in a thread). Returns the row's state
        at that moment ('pending': stored, not handled yet). Raises TimeoutError if none appears.
        """
        deadline = time.monotonic() + timeout
        while not self.database.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"no database at {self.database}")
            time.sleep(0.01)
        db = sqlite3.connect(self.database, timeout=5)
        try:
            while time.monotonic() < deadline:
                try:
                    row = db.execute(
                        "SELECT state FROM inbox WHERE rowid > ? AND instr(event, ?) > 0",
                        (after_rowid, needle),
                    ).fetchone()
                except sqlite3.OperationalError:  # the table is not created yet, or a write holds a lock
                    row = None
                if row is not None:
                    self.kill()
                    return str(row[0])
                time.sleep(0.001)
        finally:
            db.close()
        raise TimeoutError(f"no inbox row holding {needle!r} within {timeout:g} s")


@asynccontextmanager
async def encrypted_meetings_bot(
    synapse: Synapse, account: MakeAccount, chat: MakeChat, tmp_path: Path, **settings: Any
) -> AsyncIterator[tuple[BotProcess, ChatClient, str]]:
    """The bot as a process with the meetings plugin (`settings` add to its config, e.g. a
    `database`), and alice (encrypting) in an encrypted room with it, once it has joined; the
    process is stopped on the way out (if still running)."""
    bot = BotProcess(
        synapse.url,
        await asyncio.to_thread(account, "bot"),
        tmp_path / "bot",
        plugins=("meetings",),
        **settings,
    )
    alice = await chat("alice", encrypted=True)
    await bot.start()
    try:
        room = await alice.create_room(invite=[bot.user_id], encrypted=True)
        await alice.wait_for_membership(room, bot.user_id, "join", timeout=60)
        yield bot, alice, room
    finally:
        await bot.stop()
