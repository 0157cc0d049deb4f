"""Bots under test as separate processes: start, wait for their ready line, read RSS, stop.

Each is its own Python process (`python -m matrixbot run`, `python -m bench.echobot`), so the
memory read from /proc/PID/status is that bot's alone. Output goes to a log file in the work dir.
"""

from __future__ import annotations

import asyncio
import compileall
import contextlib
import os
import signal
import sys
import time
from pathlib import Path
from types import TracebackType

import yaml

from bench.internals import Account

REPO = Path(__file__).resolve().parents[1]
READY_BOT = "matrixbot started"
READY_ECHO = "echo ready"


def compile_bytecode() -> None:
    """Write the bytecode of the bot's source in `REPO`, as pip does when it installs a package.
    Without it, where PYTHONDONTWRITEBYTECODE is set (as on this machine), an editable tree is
    compiled from source at every start: about 70 ms of start-up that maubot, an installed
    package, does not pay. A tree already compiled costs ~13 ms of checks, before the spawn."""
    for folder in ("matrixbot", "plugins"):
        compileall.compile_dir(REPO / folder, quiet=1)


class BotProcess:
    """A child process that prints `ready_line` once it serves; `spawned_at`/`ready_at` are time.time()."""

    def __init__(self, argv: list[str], log_path: Path, ready_line: str, *, wrapper: bool = False) -> None:
        """`wrapper`: the process runs the bot as its child (a profiler); stop() then signals the
        child and lets the wrapper end by itself (it writes its report when its child exits)."""
        self.argv = argv
        self.wrapper = wrapper
        self.log_path = log_path
        self.ready_line = ready_line
        self.spawned_at = 0.0
        self.ready_at = 0.0
        self._ready = asyncio.Event()
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self, timeout: float = 120.0) -> None:
        """Spawn and return when the ready line was printed (raise with the log tail otherwise)."""
        self.spawned_at = time.time()
        self._process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            cwd=REPO,
        )
        self._reader = asyncio.create_task(self._read_output())
        waiter = asyncio.create_task(self._ready.wait())
        await asyncio.wait({waiter, self._reader}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if not self._ready.is_set():
            waiter.cancel()
            await self.stop()
            raise RuntimeError(f"{self.argv[2]} did not get ready:\n{self.tail()}")

    async def _read_output(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        with self.log_path.open("ab") as log:
            async for line in self._process.stdout:
                if not self._ready.is_set() and self.ready_line.encode() in line:
                    self.ready_at = time.time()
                    self._ready.set()
                log.write(line)
                log.flush()

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def rss_mb(self) -> float:
        """Resident memory (VmRSS) in MB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def cpu_s(self) -> float:
        return cpu_seconds(self.pid)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no output)"

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL after 15 s."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.returncode is None:
            pids = _children(process.pid) if self.wrapper else [process.pid]
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 60 if self.wrapper else 15)
            except TimeoutError:
                process.kill()
                await process.wait()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 5)

    async def __aenter__(self) -> BotProcess:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (/proc/PID/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def matrixbot(
    workdir: Path,
    homeserver: str,
    account: Account,
    plugins: list[str],
    *,
    e2ee: bool = True,
    notice_after: float | None = None,
) -> BotProcess:
    """Our bot, as an operator runs it: `python -m matrixbot run --config FILE`, default settings
    (end-to-end encryption on, as in config.sample.yaml; `e2ee=False` for comparisons).

    It logs in with the password, so every fresh data directory is a fresh device. `notice_after`
    (quick runs only) starts it through `bench.notice_soon`, which shortens that one delay.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    config = {
        "homeserver": homeserver,
        "user_id": account.user_id,
        "password": account.password,
        "data_dir": str(workdir / "data"),
        "default_plugins": plugins,
        "timezone": "UTC",
        "log_level": "INFO",
        "e2ee": {"enabled": e2ee},
    }
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    argv = [sys.executable, "-m", "matrixbot", "run", "--config", str(path)]
    if notice_after is not None:
        argv[2:3] = ["bench.notice_soon", f"{notice_after:g}"]
    compile_bytecode()
    return BotProcess(argv, workdir / "bot.log", READY_BOT)


def echobot(workdir: Path, homeserver: str, account: Account) -> BotProcess:
    """The library floor: the ten-line matrix-nio echo bot in `bench/echobot.py`."""
    workdir.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "bench.echobot", homeserver, account.user_id, account.access_token]
    return BotProcess(argv, workdir / "echo.log", READY_ECHO)


def _children(pid: int) -> list[int]:
    """The direct children of `pid` (Linux)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found or [pid]
