"""One SQLite file for the core and every plugin: WAL, synchronous=FULL, explicit transactions.

Writes go through `transaction()`, which takes the write lock up front (`BEGIN IMMEDIATE`) so two
writers never interleave half-done work. Reads outside a transaction see the last committed state.
Schema changes are forward-only migrations per component (the core and each plugin), each applied
in its own transaction and recorded in `schema_versions`.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from matrixbot.errors import StartupError

Row = sqlite3.Row
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


class Database:
    """The bot's database. One connection; writers queue on a lock, one transaction at a time."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path
        self.fault: str | None = None
        """Why the database is failing right now (None when healthy); /health reports it."""

    @classmethod
    async def open(cls, path: Path) -> Database:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=5000"):
            await conn.execute(f"PRAGMA {pragma}")
        return cls(conn, path)

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with self._lock:
            tx = Tx(self._conn)
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield tx
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")
        for callback in tx._after_commit:
            callback()

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """One write statement in its own transaction."""
        async with self.transaction() as tx:
            return await tx.execute(sql, params)

    async def fetch_all(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        async with self._lock, self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetch_one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        async with self._lock, self._conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetch_value(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def migrate(self, component: str, migrations: Sequence[Migration]) -> int:
        """Bring `component`'s tables to the newest version; return how many migrations ran.

        Refuses to start on a schema newer than this code knows: running old code on a newer
        database could silently lose data the newer version depends on.
        """
        async with self.transaction() as tx:
            await tx.execute(
                "CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
            )
            current = await tx.fetch_value(
                "SELECT version FROM schema_versions WHERE component = ?", (component,)
            )
        current = current or 0
        if current > len(migrations):
            raise StartupError(
                f"the database {self.path} has schema version {current} for '{component}', but this matrixbot "
                f"knows only {len(migrations)}: it was written by a newer matrixbot. Upgrade matrixbot, "
                "or restore a backup made by this version."
            )
        for version in range(current + 1, len(migrations) + 1):
            migration = migrations[version - 1]
            async with self.transaction() as tx:
                if isinstance(migration, str):
                    await tx.executescript(migration)
                else:
                    await migration(tx)
                await tx.execute(
                    "INSERT INTO schema_versions (component, version) VALUES (?, ?) "
                    "ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                    (component, version),
                )
        return len(migrations) - current


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
