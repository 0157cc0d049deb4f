"""The embedded engine: one SQLite file in the data directory, WAL, synchronous=FULL.

A write transaction takes the write lock up front (`BEGIN IMMEDIATE`) so two writers never
interleave half-done work; another process holding it is waited for (busy_timeout) within one
attempt. A locked file, a full disk and an I/O error are the faults that may pass.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from matrixbot.errors import StartupError
from matrixbot.storage.connection import Row
from matrixbot.storage.portable import Statement, plain_name

_PASSING = {
    sqlite3.SQLITE_BUSY: "database is locked",
    sqlite3.SQLITE_LOCKED: "database is locked",
    sqlite3.SQLITE_FULL: "database or disk is full",
    sqlite3.SQLITE_IOERR: "disk I/O error",
    sqlite3.SQLITE_READONLY: "database is read-only",
}
CAUSES = frozenset(_PASSING.values())
"""Every cause of a passing fault this engine names."""


class SQLiteConnection:
    engine = "SQLite"
    errors: tuple[type[BaseException], ...] = (sqlite3.Error,)

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self.where = str(path)

    @classmethod
    async def open(cls, path: Path) -> SQLiteConnection:
        """Open (or create) the file; a folder or file that cannot be written stops the start."""
        _check_writable(path)
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StartupError(f"data_dir {path.parent}: cannot open {path.name} ({exc})") from None
        conn.row_factory = sqlite3.Row
        return cls(conn, path)

    async def configure(self, busy_timeout: float) -> None:
        """Set the connection's pragmas (a new file's switch to WAL writes: a full disk fails it)."""
        for pragma in (
            "journal_mode=WAL",
            "synchronous=FULL",
            "foreign_keys=ON",
            f"busy_timeout={busy_timeout * 1000:.0f}",
        ):
            await self._conn.execute(f"PRAGMA {pragma}")

    def unusable(self, exc: BaseException) -> StartupError:
        return StartupError(f"data_dir {self.path.parent}: cannot use {self.path.name} ({exc})")

    async def begin(self) -> None:
        await self._conn.execute("BEGIN IMMEDIATE")

    async def commit(self) -> None:
        await self._conn.execute("COMMIT")

    async def rollback(self) -> None:
        if self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                await self._conn.execute("ROLLBACK")

    async def committed_after_all(self) -> bool:
        """SQLite's COMMIT is atomic: one that failed did not commit."""
        return False

    async def execute(self, statement: Statement, params: Sequence[Any]) -> int:
        cursor = await self._conn.execute(statement.text, params)
        if statement.verb == "INSERT":
            result = cursor.lastrowid if cursor.rowcount > 0 else 0
        else:
            result = cursor.rowcount
        await cursor.close()
        return result or 0

    async def executemany(self, statement: Statement, rows: Sequence[Sequence[Any]]) -> None:
        await self._conn.executemany(statement.text, rows)

    async def fetch_all(self, statement: Statement, params: Sequence[Any]) -> list[Row]:
        async with self._conn.execute(statement.text, params) as cursor:
            return list(await cursor.fetchall())

    async def fetch_one(self, statement: Statement, params: Sequence[Any]) -> Row | None:
        async with self._conn.execute(statement.text, params) as cursor:
            row: Row | None = await cursor.fetchone()
            return row

    async def tables(self) -> list[str]:
        async with self._conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ) as cursor:
            return [str(row[0]) for row in await cursor.fetchall()]

    async def columns(self, table: str) -> list[str]:
        return [str(row["name"]) for row in await self._table_info(table)]

    async def primary_key(self, table: str) -> list[str]:
        rows = await self._table_info(table)
        return [str(row["name"]) for row in sorted(rows, key=lambda row: row["pk"]) if row["pk"]]

    async def number_rows(self, table: str, column: str) -> None:
        await self._conn.execute(f"UPDATE {plain_name(table)} SET {plain_name(column)} = rowid")

    async def _table_info(self, table: str) -> list[sqlite3.Row]:
        async with self._conn.execute(f"PRAGMA table_info({plain_name(table)})") as cursor:
            return list(await cursor.fetchall())

    def passing(self, exc: BaseException) -> str | None:
        if not isinstance(exc, sqlite3.Error):
            return None
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None:
            return _PASSING.get(code & 0xFF)
        message = str(exc).lower()
        return next((cause for cause in _PASSING.values() if cause.lower() in message), None)

    def schema_changed(self) -> None:
        return None

    async def close(self) -> None:
        await self._conn.close()


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
