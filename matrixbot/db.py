"""The bot's database, for the core and every plugin: an SQLite file (the default) or PostgreSQL.

Both engines run the same SQL: every statement is checked against the portable subset and
translated for PostgreSQL in one place (`matrixbot.storage.portable`), so a plugin writes its SQL
once. One connection, one transaction at a time: writes go through `transaction()`, which takes the
write lock up front (SQLite's `BEGIN IMMEDIATE`) so two writers never interleave half-done work.
Reads outside a transaction see the last committed state. Schema changes are forward-only
migrations per component (the core and each plugin), each applied in its own transaction and
recorded in `schema_versions`.

Storage faults (another process holding the lock, a full disk, an I/O error; a database server
that refuses connections, drops one or restarts) are ridden out, never fatal at once and never
silent:
- `BEGIN` waits for the lock (busy_timeout) or reconnects, then retries with backoff, in place:
  nothing ran yet.
- A statement or `COMMIT` that fails rolls the whole transaction back and raises
  `StorageUnavailable`; nothing of it is kept. (A COMMIT whose PostgreSQL connection was lost is
  asked about once the server is back: if it committed after all, it counts as committed.)
  `write()` (and `execute()`, one statement) run their re-runnable body again after a pause until
  it commits, so they return only once it is stored. Callers of `transaction()` whose work is not
  re-runnable as such (a command handler, a job) let the error reach the dispatcher or scheduler,
  which run the whole handler again later.
- While a fault lasts, `fault` names its cause (for /health) and one error is logged; a line is
  logged when a write succeeds again. `on_fault` hears of every fault met, reads' too, with its
  cause, so a post it delayed can say why ("the bot's database was locked"). A fault older than
  `fault_limit` seconds makes every waiter raise `FatalError` and calls `on_fatal`, so the bot
  exits non-zero and a supervisor restarts it.

A write made while a handler's posts are on their way waits for them first (`writes_wait_for`,
set by matrixbot.matrix.posting): what a handler stores after a post it stores once the post
went, as when every post was awaited in place.

Where several instances share a PostgreSQL database only the leader writes, while its lease holds
(`guard`): a write neither begins nor commits without it (it waits, as for a held lock).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from matrixbot.config import Config
from matrixbot.datadir import DB_NAME, create_private
from matrixbot.errors import FatalError, StartupError, StorageUnavailable
from matrixbot.storage.connection import Connection, Row
from matrixbot.storage.portable import Statement, parse, split_script
from matrixbot.storage.postgres import PostgresConnection
from matrixbot.storage.sqlite import SQLiteConnection

__all__ = ["FAULT_LIMIT", "Database", "Migration", "Row", "Tx", "apply_migration", "writes_wait_for"]

log = logging.getLogger(__name__)
T = TypeVar("T")

FAULT_LIMIT = 600.0
"""Seconds a storage fault may last before the process gives up (config `storage_fault_limit`)."""
Migration = str | Callable[["Tx"], Awaitable[None]]
"""A migration is a SQL script or an async function given the open transaction."""
_before_write: ContextVar[Callable[[], Awaitable[None]] | None] = ContextVar(
    "matrixbot_before_write", default=None
)


@contextmanager
def writes_wait_for(before: Callable[[], Awaitable[None]]) -> Iterator[None]:
    """Within, every write transaction first awaits `before()` (and raises what it raises)."""
    token = _before_write.set(before)
    try:
        yield
    finally:
        _before_write.reset(token)


SCHEMA_VERSIONS = (
    "CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
)


class Tx:
    """An open write transaction: statements on it commit together or not at all."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._conn = database.connection
        self._after_commit: list[Callable[[], None]] = []

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the new row's id for an INSERT into a table with an
        `id INTEGER PRIMARY KEY` (0 if none was inserted; for other tables a number > 0 if a row
        was), else the number of rows changed."""
        return await self._conn.execute(self._db.statement(sql), _params(params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(self._db.statement(sql), [_params(row) for row in rows])

    async def executescript(self, sql: str) -> None:
        for statement in split_script(sql):
            await self.execute(statement)

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self._conn.fetch_all(self._db.statement(sql), _params(params))

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return await self._conn.fetch_one(self._db.statement(sql), _params(params))

    async def fetch_value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the transaction has committed (e.g. re-arm a timer)."""
        self._after_commit.append(callback)

    async def primary_key(self, table: str) -> list[str]:
        """The columns of `table`'s primary key, in order."""
        return await self._conn.primary_key(table)

    async def number_rows(self, table: str, column: str) -> None:
        """Fill `column` (just added by a migration) with 1, 2, … in the order the rows were stored:
        for code that relied on SQLite's hidden rowid order and now orders by a column of its own.
        PostgreSQL keeps no such order: there the rows are numbered in the order they lie in the
        table (that of their insertion, for rows not updated since)."""
        await self._conn.number_rows(table, column)


class Database:
    """The bot's database. One connection; writers queue on a lock, one transaction at a time."""

    def __init__(
        self,
        connection: Connection,
        *,
        fault_limit: float = FAULT_LIMIT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        portable: bool = True,
    ) -> None:
        self.connection = connection
        self._lock = asyncio.Lock()
        self.path: Path | None = connection.path if isinstance(connection, SQLiteConnection) else None
        """The SQLite file (None on PostgreSQL)."""
        self.where = connection.where
        """The database as messages name it: the file, or the server and database (no password)."""
        self.engine = connection.engine
        self.errors = connection.errors
        """The driver's own error classes (what a read of a closed or failing database raises)."""
        self.fault_limit = fault_limit
        self.fault: str | None = None
        """The storage fault going on now (e.g. 'database is locked'), None when writes succeed."""
        self.on_fatal: Callable[[FatalError], None] | None = None
        self.on_fault: Callable[[str], None] | None = None
        """Told the cause of each storage fault met (e.g. 'database is locked'), as it is met."""
        self.guard: Callable[[], str | None] | None = None
        """Asked before a write transaction begins and before it commits: None lets it, anything else
        is the cause of waiting (a leader that cannot confirm its lease may not write)."""
        self._fault_since = 0.0
        self._failed: FatalError | None = None
        self._sleep = sleep
        self._portable = portable

    @classmethod
    async def open(
        cls,
        path: Path,
        *,
        fault_limit: float = FAULT_LIMIT,
        busy_timeout: float = 5.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        portable: bool = True,
    ) -> Database:
        """Open (or create) the SQLite database at `path`; a folder or file that cannot be written
        stops the start with one line naming it, and a passing fault (a full disk, a held lock) is
        waited out as at run time, within `fault_limit`.

        `busy_timeout` (seconds) is how long one attempt waits for another process's lock; `sleep`
        is the pause between attempts (tests pass their own). `portable=False` lets SQLite's own
        SQL through (`PRAGMA`, …): for tests of SQLite's own faults, never for a plugin's SQL.
        """
        conn = await SQLiteConnection.open(path)
        db = cls(conn, fault_limit=fault_limit, sleep=sleep, portable=portable)
        try:
            await db._until_ready(lambda: conn.configure(busy_timeout), conn.unusable)
        except BaseException:
            await conn.close()
            raise
        return db

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        fault_limit: float = FAULT_LIMIT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> Database:
        """Connect to the PostgreSQL database at `url` (postgresql://USER:PASSWORD@HOST:PORT/NAME). A
        server that is away or starting is waited for as at run time, within `fault_limit`; one
        that refuses for good (a wrong password, no such database) stops the start with one line."""
        conn = PostgresConnection(url)
        db = cls(conn, fault_limit=fault_limit, sleep=sleep)
        await db._until_ready(conn.connect, conn.refused)
        return db

    @classmethod
    async def for_config(cls, config: Config) -> Database:
        """The database `config` names: its PostgreSQL `database`, or else the SQLite file in its
        data_dir (made private before SQLite opens it)."""
        limit = config.storage_fault_limit.total_seconds()
        if config.database is not None:
            return await cls.connect(config.database, fault_limit=limit)
        create_private(config.data_dir / DB_NAME)
        return await cls.open(config.data_dir / DB_NAME, fault_limit=limit)

    async def _until_ready(
        self, attempt: Callable[[], Awaitable[None]], refused: Callable[[Any], StartupError]
    ) -> None:
        tries = 0
        while True:
            try:
                await attempt()
            except Exception as exc:
                cause = self.connection.passing(exc)
                if cause is None:
                    raise refused(exc) from None
                self._faulted(cause)
                tries += 1
                await self.pause(tries)
            else:
                self._healthy()
                return

    def statement(self, sql: str) -> Statement:
        """`sql` checked against the portable subset (NotPortable if outside it), for either engine."""
        if self._portable:
            return parse(sql)
        return Statement(sql, sql, sql.split(None, 1)[0].upper() if sql.strip() else "")

    async def close(self) -> None:
        async with self._lock:
            await self.connection.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """A write transaction; raises StorageUnavailable (all of it rolled back) on a passing fault."""
        before = _before_write.get()
        if before is not None:
            await before()
        async with self._lock:
            tx = Tx(self)
            await self._begin()
            try:
                yield tx
                self._check_guard()
            except BaseException as exc:
                await self.connection.rollback()
                self._unless_passing(exc)
            try:
                await self.connection.commit()
            except Exception as exc:
                if self.connection.passing(exc) is None or not await self._committed_after_all(exc):
                    await self.connection.rollback()
                    self._unless_passing(exc)
            self._healthy()
        for callback in tx._after_commit:
            callback()

    def _check_guard(self) -> None:
        """Raise StorageUnavailable (noted as a fault) when the guard forbids writing now."""
        cause = None if self.guard is None else self.guard()
        if cause is not None:
            self._faulted(cause)
            raise StorageUnavailable(f"{self.where}: {cause}")

    def give_up(self, exc: FatalError) -> None:
        """Make every write waiting now or later raise `exc` (the lead is lost: nothing more is written)."""
        if self._failed is None:
            self._failed = exc

    def _unless_passing(self, exc: BaseException) -> NoReturn:
        """Re-raise `exc`, as StorageUnavailable if it is a passing fault (noted as one)."""
        if isinstance(exc, StorageUnavailable):
            raise exc
        cause = self.connection.passing(exc)
        if cause is None:
            raise exc
        self._faulted(cause)
        raise StorageUnavailable(f"{self.where}: {cause}") from exc

    async def _committed_after_all(self, exc: BaseException) -> bool:
        """After a COMMIT met a passing fault: whether it committed all the same, asked until the
        database can tell (or the fault outlasts its limit)."""
        cause = self.connection.passing(exc)
        assert cause is not None
        self._faulted(cause)
        attempt = 0
        while True:
            try:
                return await self.connection.committed_after_all()
            except Exception as again:
                cause = self.connection.passing(again)
                if cause is None:
                    raise
                self._faulted(cause)
                attempt += 1
                await self.pause(attempt)

    async def _begin(self) -> None:
        """Begin, waiting (busy_timeout, then backoff) while another process holds the lock or the
        server is away."""
        attempt = 0
        while True:
            try:
                await self.connection.begin()  # first: a server away is the cause to report, if it is
                self._check_guard()
                return
            except StorageUnavailable:
                await self.connection.rollback()
                attempt += 1
                await self.pause(attempt)
            except Exception as exc:
                cause = self.connection.passing(exc)
                if cause is None:
                    raise
                await self.connection.rollback()
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
                self.where,
                cause,
                self.fault_limit,
            )
        self.fault = cause
        if self._failed is None and now - self._fault_since > self.fault_limit:
            self._failed = FatalError(
                f"the database {self.where} could not be written for {now - self._fault_since:.0f}s: {cause}"
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

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write statement in its own transaction, retried through storage faults until stored."""
        return await self.write(lambda tx: tx.execute(sql, params))

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        statement = self.statement(sql)
        async with self._lock, self._reading():
            return await self.connection.fetch_all(statement, _params(params))

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        statement = self.statement(sql)
        async with self._lock, self._reading():
            return await self.connection.fetch_one(statement, _params(params))

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[None]:
        """A read that fails for a passing reason raises StorageUnavailable, like a write."""
        try:
            yield
        except Exception as exc:
            cause = self.connection.passing(exc)
            if cause is None:
                raise
            if self.on_fault is not None:
                self.on_fault(cause)
            raise StorageUnavailable(f"{self.where}: {cause}") from exc

    async def fetch_value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def tables_with(self, column: str) -> list[str]:
        """The tables (the core's and every plugin's) that have a column named `column`."""
        async with self._lock, self._reading():
            return [t for t in await self.connection.tables() if column in await self.connection.columns(t)]

    def refuse_newer(self, component: str, version: int, known: int) -> None:
        """Refuse to start on a schema newer than this code knows: running old code on a newer
        database could silently lose data the newer version depends on."""
        if version > known:
            raise StartupError(
                f"the database {self.where} has schema version {version} for '{component}', but this "
                f"matrixbot knows only {known}: it was written by a newer matrixbot. Upgrade matrixbot, "
                "or restore a backup made by this version."
            )

    async def migrate(self, component: str, migrations: Sequence[Migration]) -> int:
        """Bring `component`'s tables to the newest version; return how many migrations ran.

        Refuses to start on a schema newer than this code knows (`refuse_newer`).
        """

        async def version(tx: Tx) -> int:
            await tx.execute(SCHEMA_VERSIONS)
            found = await tx.fetch_value(
                "SELECT version FROM schema_versions WHERE component = ?", (component,)
            )
            return int(found or 0)

        current = await self.write(version)  # at start too, a full disk is waited out
        self.refuse_newer(component, current, len(migrations))
        for number in range(current + 1, len(migrations) + 1):
            await self.write(functools.partial(apply_migration, migrations[number - 1], component, number))
        self.connection.schema_changed()
        return len(migrations) - current


async def apply_migration(migration: Migration, component: str, version: int, tx: Tx) -> None:
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


def _params(params: Sequence[Any]) -> Sequence[Any]:
    """The values for a statement's `?`s, in order (named ones, a mapping, are not portable), text
    without the NUL character on both engines: PostgreSQL's text cannot hold it, and the bot never
    shows it (matrixbot.matrix.markup takes control characters out)."""
    if isinstance(params, Mapping):
        raise TypeError("pass the values in order, for ? placeholders (named parameters are not portable)")
    if any(isinstance(value, str) and "\x00" in value for value in params):
        return [value.replace("\x00", "") if isinstance(value, str) else value for value in params]
    return params
