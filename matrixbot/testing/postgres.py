"""A throwaway PostgreSQL server on loopback, from the machine's own server binaries, for the tests.

`initdb` makes a cluster in a temporary folder and `pg_ctl` starts it on a free port of 127.0.0.1
(no Unix socket), with a random superuser password; nothing is downloaded. PostgreSQL refuses to
run as root, so as root (CI) both run as an unprivileged user: `postgres` (Debian's package makes
it) or else `nobody`, and the folder is theirs. Durability is traded for speed (`fsync=off`) unless
`durable=True`: the tests' server is only ever stopped on purpose, never with its machine.

    with Postgres() as server:
        url = server.create_database()     # postgresql://postgres:…@127.0.0.1:PORT/test_…

The binaries are found in $MATRIXBOT_PG_BIN, on PATH (`pg_ctl`), or in Debian's
/usr/lib/postgresql/<version>/bin (the newest). `python -m matrixbot.testing.postgres` starts one
for a person and prints its address.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = ["Postgres", "PostgresMissing", "find_binaries"]

SUPERUSER = "postgres"
_UNPRIVILEGED = ("postgres", "nobody")
_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "unix_socket_directories": "",
    "max_connections": "200",
    "shared_buffers": "32MB",
    "log_min_messages": "warning",
}
_FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


class PostgresMissing(RuntimeError):
    """No PostgreSQL server binaries on this machine (Debian: apt-get install postgresql-15)."""


def find_binaries() -> Path:
    """The folder holding `initdb`, `pg_ctl` and `postgres`; PostgresMissing if there is none."""
    candidates = []
    if os.environ.get("MATRIXBOT_PG_BIN"):
        candidates.append(Path(os.environ["MATRIXBOT_PG_BIN"]))
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        versions = [p for p in debian.iterdir() if p.name.isdigit()]
        candidates += [p / "bin" for p in sorted(versions, key=lambda p: int(p.name), reverse=True)]
    for folder in candidates:
        if all((folder / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    raise PostgresMissing(
        "no PostgreSQL server binaries (initdb, pg_ctl) found: install Debian's postgresql-15 "
        "or set MATRIXBOT_PG_BIN to their folder"
    )


class Postgres:
    """A throwaway server: its own cluster in a temporary folder, loopback only, one superuser."""

    def __init__(
        self, *, port: int | None = None, durable: bool = False, settings: dict[str, str] | None = None
    ) -> None:
        """`settings`: server settings of the test's own, over the defaults (e.g. another
        `listen_addresses`)."""
        self.bin = find_binaries()
        self.durable = durable
        self.settings = dict(settings or {})
        self.password = secrets.token_hex(16)
        self._port_picked = port is None
        self.port = port if port is not None else _free_loopback_port()
        self._account = _unprivileged_account()
        self.workdir = Path(tempfile.mkdtemp(prefix="matrixbot-pg-"))
        self.datadir = self.workdir / "data"
        self.log_path = self.workdir / "server.log"
        self._initialised = False
        self._running = False
        self.startup_seconds: float | None = None

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Make the cluster (first time only) and start the server; return once it takes connections.

        Raises RuntimeError with the end of the server's log if it does not start. A port picked
        here that another process took meanwhile is replaced by a new one.
        """
        began = time.monotonic()
        if not self._initialised:
            self._initdb()
        for attempt in range(3):
            done = self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.log_path), "-o", self._options())
            if done.returncode == 0:
                break
            if not (self._port_picked and "could not bind" in self._log_tail()) or attempt == 2:
                raise RuntimeError(f"PostgreSQL did not start:\n{done.stdout}\n{self._log_tail()}")
            self.port = _free_loopback_port()
        self._running = True
        atexit.register(self.stop)
        self.startup_seconds = time.monotonic() - began

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`mode`: smart, fast or immediate, as pg_ctl); safe to call when stopped."""
        if self._running:
            self._running = False
            atexit.unregister(self.stop)
            self._pg_ctl("stop", "-w", "-m", mode)

    def remove(self) -> None:
        """Stop the server and delete its folder."""
        self.stop("immediate")
        shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def running(self) -> bool:
        return self._running

    def __enter__(self) -> Postgres:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.remove()

    # -- databases ----------------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A new, empty database (a random name unless given); returns its address."""
        name = name or f"test_{secrets.token_hex(6)}"
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"not a plain database name: {name!r}")
        self.sql(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def allow(self, address: str) -> None:
        """Let clients at `address` (an IP address, other than loopback) log in; restarts the server."""
        with (self.datadir / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all {address}/32 scram-sha-256\n")
        self.stop()
        self.start()

    def terminate(self, database: str) -> int:
        """Cut every connection to `database` (`pg_terminate_backend`); returns how many were cut."""
        out = self.sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            f"WHERE datname = '{database}' AND pid <> pg_backend_pid()"
        )
        return int(out.strip() or 0)

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement as the superuser through `psql`; return its unaligned output."""
        done = subprocess.run(
            [
                str(self.bin / "psql"),
                "-X",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                SUPERUSER,
                "-d",
                database,
                "-c",
                statement,
            ],
            env={**os.environ, "PGPASSWORD": self.password, "PGCONNECT_TIMEOUT": "10"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"psql failed on {statement!r}: {done.stderr.strip()}")
        return done.stdout

    # -- internals ----------------------------------------------------------------------------

    def _initdb(self) -> None:
        self._give_folder()
        pwfile = self.workdir / "pwfile"
        pwfile.write_text(self.password + "\n")
        self._give(pwfile)
        done = self._run(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.datadir),
                "-U",
                SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        pwfile.unlink()
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{done.stdout}")
        self._initialised = True

    def _options(self) -> str:
        settings = {**_SETTINGS, **({} if self.durable else _FAST), **self.settings, "port": str(self.port)}
        return " ".join(
            f"-c {key}={value!r}" if value == "" else f"-c {key}={value}" for key, value in settings.items()
        )

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self._run([str(self.bin / "pg_ctl"), "-D", str(self.datadir), *args])

    def _run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        """Run a server tool, as the unprivileged account when this process is root."""
        extra: dict[str, Any] = {}
        if self._account is not None:
            extra = {"user": self._account.pw_uid, "group": self._account.pw_gid, "extra_groups": []}
        return subprocess.run(
            argv,
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
            check=False,
            **extra,
        )

    def _give_folder(self) -> None:
        """The work folder belongs to the account the server runs as (mkdtemp made it 0700 for us)."""
        self._give(self.workdir)

    def _give(self, path: Path) -> None:
        if self._account is not None:
            os.chown(path, self._account.pw_uid, self._account.pw_gid)

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def _unprivileged_account() -> pwd.struct_passwd | None:
    """The account to run the server as when this process is root; None when it is not root."""
    if os.geteuid() != 0:
        return None
    for name in _UNPRIVILEGED:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PostgresMissing(
        "running as root, and there is no 'postgres' or 'nobody' account to run PostgreSQL as"
    )


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def running(*, durable: bool = False) -> Iterator[Postgres]:
    """A started server, removed (stopped, its folder deleted) on leaving."""
    server = Postgres(durable=durable)
    try:
        server.start()
        yield server
    finally:
        server.remove()


def main() -> int:
    """`python -m matrixbot.testing.postgres`: run one until Ctrl-C."""
    with running() as server:
        print(f"PostgreSQL ready in {server.startup_seconds:.1f} s: {server.url()}", flush=True)
        print(f"folder: {server.workdir}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
