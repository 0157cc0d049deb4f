"""One SQLite file for the core and every plugin: WAL, synchronous=FULL, explicit transactions.

Writes go through `transaction()`, which takes the write lock up front (`BEGIN IMMEDIATE`) so two
writers never interleave half-done work. Reads outside a transaction see the last committed state.
Schema changes are forward-only migrations per component (the core and each plugin), each applied
in its own transaction and recorded in `schema_versions`.

Storage faults (another process holding the lock, a full disk, an I/O error) are ridden out, never
fatal at once and never silent:
- `BEGIN` waits for the lock (busy_timeout), then retries with backoff, in place: nothing ran yet.
- A statement or `COMMIT` that fails rolls the whole transaction back and raises
  `StorageUnavailable`; nothing of it is kept. `write()` (and `execute()`, one statement) run their
  re-runnable body again after a pause until it commits, so they return only once it is stored.
  Callers of `transaction()` whose work is not re-runnable as such (a command handler, a job) let
  the error reach the dispatcher or scheduler, which run the whole handler again later.
- While a fault lasts, `fault` names its cause (for /health) and one error is logged; a line is
  logged when a write succeeds again. `on_fault` hears of every fault met, reads' too, with its
  cause, so a post it delayed can say why ("the bot's database was locked"). A fault older than `fault_limit` seconds makes every waiter
  raise `FatalError` and calls `on_fatal`, so the bot exits non-zero and a supervisor restarts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import sqlite3
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from matrixbot.errors import FatalError, StartupError, StorageUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

Row = sqlite3.Row
FAULT_LIMIT = 600.0
"""Seconds a storage fault may last before the process gives up (config `storage_fault_limit`)."""
_PASSING = {
    sqlite3.SQLITE_BUSY: "database is locked",
    sqlite3.SQLITE_LOCKED: "database is locked",
    sqlite3.SQLITE_FULL: "database or disk is full",
    sqlite3.SQLITE_IOERR: "disk I/O error",
    sqlite3.SQLITE_READONLY: "database is read-only",
}
Migration = str | Callable[["Tx"], Awaitable[None]]
"""A migration is a SQL script or an async function given the open transaction."""


class Tx:
    """An open write transaction: statements on it commit together or not at all."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._after_commit: list[Callable[[], None]] = []

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one statement; returns the new row id for inserts (0 if none was inserted), else the row count."""
        cursor = await self._conn.execute(sql, params)
        inserting = sql.lstrip()[:6].upper() == "INSERT"
        result = (cursor.lastrowid if cursor.rowcount > 0 else 0) if inserting else cursor.rowcount
        await cursor.close()
        return result or 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(sql, rows)

    async def executescript(self, sql: str) -> None:
        for statement in _split_script(sql):
            await self._conn.execute(statement)

    async def fetch_all(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        async with self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetch_one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        async with self._conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetch_value(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the transaction has committed (e.g. re-arm a timer)."""
        self._after_commit.append(callback)

    async def primary_key(self, table: str) -> list[str]:
        """The columns of `table`'s primary key, in order."""
        rows = await self.fetch_all(f"PRAGMA table_info({_identifier(table)})")
        return [row["name"] for row in sorted(rows, key=lambda row: row["pk"]) if row["pk"]]


class Database:
    """The bot's database. One connection; writers queue on a lock, one transaction at a time."""

    def __init__(
        self,
        conn: aiosqlite.Connection,
        path: Path,
        *,
        fault_limit: float = FAULT_LIMIT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path
        self.fault_limit = fault_limit
        self.fault: str | None = None
        """The storage fault going on now (e.g. 'database is locked'), None when writes succeed."""
        self.on_fatal: Callable[[FatalError], None] | None = None
        self.on_fault: Callable[[str], None] | None = None
        """Told the cause of each storage fault met (e.g. 'database is locked'), as it is met."""
        self._fault_since = 0.0
        self._failed: FatalError | None = None
        self._sleep = sleep

    @classmethod
    async def open(
        cls,
        path: Path,
        *,
        fault_limit: float = FAULT_LIMIT,
        busy_timeout: float = 5.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> Database:
        """Open (or create) the database; a folder or file that cannot be written stops the start
        with one line naming it, and a passing fault (a full disk, a held lock) is waited out as at
        run time, within `fault_limit`.

        `busy_timeout` (seconds) is how long one attempt waits for another process's lock; `sleep`
        is the pause between attempts (tests pass their own).
        """
        _check_writable(path)
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StartupError(f"data_dir {path.parent}: cannot open {path.name} ({exc})") from None
        conn.row_factory = sqlite3.Row
        db = cls(conn, path, fault_limit=fault_limit, sleep=sleep)
        try:
            await db._configure(busy_timeout)
        except BaseException:
            await conn.close()
            raise
        return db

    async def _configure(self, busy_timeout: float) -> None:
        """Set the connection's pragmas; a new file's switch to WAL writes, so a full disk waits."""
        pragmas = (
            "journal_mode=WAL",
            "synchronous=FULL",
            "foreign_keys=ON",
            f"busy_timeout={busy_timeout * 1000:.0f}",
        )
        attempt = 0
        while True:
            try:
                for pragma in pragmas:
                    await self._conn.execute(f"PRAGMA {pragma}")
            except sqlite3.Error as exc:
                cause = _passing(exc)
                if cause is None:
                    raise StartupError(
                        f"data_dir {self.path.parent}: cannot use {self.path.name} ({exc})"
                    ) from None
                self._faulted(cause)
                attempt += 1
                await self.pause(attempt)
            else:
                self._healthy()
                return

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """A write transaction; raises StorageUnavailable (all of it rolled back) on a passing fault."""
        async with self._lock:
            tx = Tx(self._conn)
            await self._begin()
            try:
                yield tx
                await self._conn.execute("COMMIT")
            except BaseException as exc:
                if self._conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        await self._conn.execute("ROLLBACK")
                cause = _passing(exc)
                if cause is None:
                    raise
                self._faulted(cause)
                raise StorageUnavailable(f"{self.path}: {cause}") from exc
            self._healthy()
        for callback in tx._after_commit:
            callback()

    async def _begin(self) -> None:
        """BEGIN IMMEDIATE, waiting (busy_timeout, then backoff) while another process holds the lock."""
        attempt = 0
        while True:
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.Error as exc:
                cause = _passing(exc)
                if cause is None:
                    raise
                self._faulted(cause)
                attempt += 1
                await self.pause(attempt)

    async def write(self, body: Callable[[Tx], Awaitable[T]]) -> T:
        """Run `body` in a transaction until it commits, running it again after a storage fault.

        `body` must be re-runnable: a failed run left nothing behind (it was rolled back), but its
        effects outside the database (variables it filled) must be reset at its start.
        """
        attempt = 0
        while True:
            try:
                async with self.transaction() as tx:
                    result = await body(tx)
                return result
            except StorageUnavailable:
                attempt += 1
                await self.pause(attempt)

    async def pause(self, attempt: int) -> None:
        """Wait before trying a write again (backoff, at most 5 s); raise FatalError past the limit."""
        if self._failed is not None:
            raise self._failed
        await self._sleep(min(5.0, 0.25 * 2 ** min(attempt - 1, 5)))
        if self._failed is not None:
            raise self._failed

    def _faulted(self, cause: str) -> None:
        if self.on_fault is not None:
            self.on_fault(cause)
        now = time.monotonic()
        if self.fault is None:
            self._fault_since = now
            log.error(
                "cannot write the database %s: %s; waiting and retrying (the bot exits if this lasts %.0fs)",
                self.path,
                cause,
                self.fault_limit,
            )
        self.fault = cause
        if self._failed is None and now - self._fault_since > self.fault_limit:
            self._failed = FatalError(
                f"the database {self.path} could not be written for {now - self._fault_since:.0f}s: {cause}"
            )
            if self.on_fatal is not None:
                self.on_fatal(self._failed)

    def _healthy(self) -> None:
        if self.fault is not None:
            log.warning(
                "the database can be written again (after %.0fs of: %s)",
                time.monotonic() - self._fault_since,
                self.fault,
            )
            self.fault = None

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """One write statement in its own transaction, retried through storage faults until stored."""
        return await self.write(lambda tx: tx.execute(sql, params))

    async def fetch_all(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        async with self._lock, self._reading(), self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetch_one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        async with self._lock, self._reading(), self._conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[None]:
        """A read that fails for a passing reason raises StorageUnavailable, like a write."""
        try:
            yield
        except sqlite3.Error as exc:
            cause = _passing(exc)
            if cause is None:
                raise
            if self.on_fault is not None:
                self.on_fault(cause)
            raise StorageUnavailable(f"{self.path}: {cause}") from exc

    async def fetch_value(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def tables_with(self, column: str) -> list[str]:
        """The tables (the core's and every plugin's) that have a column named `column`."""
        tables = await self.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        found = []
        for table in tables:
            columns = await self.fetch_all(f"PRAGMA table_info({_identifier(table['name'])})")
            if any(c["name"] == column for c in columns):
                found.append(str(table["name"]))
        return found

    async def migrate(self, component: str, migrations: Sequence[Migration]) -> int:
        """Bring `component`'s tables to the newest version; return how many migrations ran.

        Refuses to start on a schema newer than this code knows: running old code on a newer
        database could silently lose data the newer version depends on.
        """

        async def version(tx: Tx) -> int:
            await tx.execute(
                "CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
            )
            found = await tx.fetch_value(
                "SELECT version FROM schema_versions WHERE component = ?", (component,)
            )
            return int(found or 0)

        current = await self.write(version)  # at start too, a full disk is waited out
        if current > len(migrations):
            raise StartupError(
                f"the database {self.path} has schema version {current} for '{component}', but this matrixbot "
                f"knows only {len(migrations)}: it was written by a newer matrixbot. Upgrade matrixbot, "
                "or restore a backup made by this version."
            )
        for number in range(current + 1, len(migrations) + 1):
            await self.write(functools.partial(_apply, migrations[number - 1], component, number))
        return len(migrations) - current


async def _apply(migration: Migration, component: str, version: int, tx: Tx) -> None:
    """Run one migration and record `component` at `version`, in the transaction `tx`."""
    if isinstance(migration, str):
        await tx.executescript(migration)
    else:
        await migration(tx)
    await tx.execute(
        "INSERT INTO schema_versions (component, version) VALUES (?, ?) "
        "ON CONFLICT (component) DO UPDATE SET version = excluded.version",
        (component, version),
    )


def _passing(exc: BaseException) -> str | None:
    """The cause, if `exc` is a storage fault that may pass (locked, full, I/O); else None."""
    if not isinstance(exc, sqlite3.Error):
        return None
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return _PASSING.get(code & 0xFF)
    message = str(exc).lower()
    return next((cause for cause in _PASSING.values() if cause.lower() in message), None)


def _check_writable(path: Path) -> None:
    """Stop the start with one line when the data folder cannot be created or written, or the
    database's files cannot be written (read-only, immutable): SQLite would open them read-only
    without a word, and every write would then wait out the whole `storage_fault_limit`."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise StartupError(f"data_dir {folder}: cannot write there ({exc.strerror or exc})") from None
    for file in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        try:
            os.close(os.open(file, os.O_RDWR))
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise StartupError(
                f"the database file {file} cannot be written ({exc.strerror or exc}); "
                "check its mode, owner and attributes (lsattr)"
            ) from None


def _split_script(sql: str) -> list[str]:
    """Split a migration script into statements (sqlite3.complete_statement knows about quotes)."""
    statements, current = [], ""
    for piece in sql.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n\t;"):
                statements.append(current.strip())
            current = ""
    if current.strip(" \n\t;"):
        statements.append(current.strip())
    return statements


def _identifier(name: str) -> str:
    """A table name as SQL, refused unless it is a plain identifier (they come from the schema)."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a table name: {name!r}")
    return name
