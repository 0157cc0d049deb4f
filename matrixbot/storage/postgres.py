"""The server engine: a PostgreSQL database (`database: postgresql://…`), through asyncpg.

One connection, as with SQLite: `Database` runs one transaction at a time on it, so the bot's
writes are serialised as they are on the file, and read-committed isolation sees them as SQLite's
single writer does. A connection that is refused, cut or lost to a restarting server is opened
again at the next transaction (or read); the faults that may pass are those of the connection, a
server starting, stopping or short of disk, memory or connections, and conflicts and lock waits.

A COMMIT whose connection is lost may have committed on the server or not. The transaction's id
is read before COMMIT; after such a loss, `committed_after_all` reconnects and asks the server
(`txid_status`) what became of it, first ending the old session if it is still there, so a write
is neither lost nor done twice.

Where several instances of the bot share the database, the leader's lock is not on this connection
but on one of its own (storage/leadership.py), which the server gives up when that session dies.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from matrixbot.errors import StartupError
from matrixbot.storage.connection import Row
from matrixbot.storage.portable import Statement, plain_name

if TYPE_CHECKING:
    import asyncpg

KEEPALIVE = {
    "tcp_keepalives_idle": "3",
    "tcp_keepalives_interval": "1",
    "tcp_keepalives_count": "4",
    "tcp_user_timeout": "7000",
}
"""The server's TCP settings for the bot's sessions (PostgreSQL 12 or later): it probes a silent peer
after 3 s, once a second, and drops it after 4 unanswered probes; an answer it sent that is not
acknowledged within 7 s drops it too. So a session whose machine or network vanished ends within
seconds, with the leader's lock (storage/leadership.py) and the row locks of a transaction it had
open, which would otherwise hold up the instance that takes over, for hours."""
CONNECT_TIMEOUT = 10.0
COMMAND_TIMEOUT = 30.0
"""Seconds one statement may take before it counts as a server that does not answer."""

UNREACHABLE = "database server unreachable"
LOST = "database connection lost"
RESTARTING = "database server restarting"
DISK_FULL = "database server disk full"
SHORT = "database server short of memory or connections"
IO_ERROR = "database server I/O error"
LOCKED = "database is locked"
READ_ONLY = "database is read-only"
SLOW = "database server not answering"
CAUSES = (UNREACHABLE, LOST, RESTARTING, DISK_FULL, SHORT, IO_ERROR, LOCKED, READ_ONLY, SLOW)
"""Every cause of a passing fault this engine names."""
_BY_STATE = {
    "57P01": RESTARTING,
    "57P02": RESTARTING,
    "57P03": RESTARTING,
    "53100": DISK_FULL,
    "40001": LOCKED,
    "40P01": LOCKED,
    "55P03": LOCKED,
    "25006": READ_ONLY,
    "57014": SLOW,
}
_BY_CLASS = {"08": LOST, "53": SHORT, "58": IO_ERROR}
_IN_DOUBT = (LOST, RESTARTING, SLOW, UNREACHABLE)
"""Faults during COMMIT after which the server may have committed or not."""
_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(text: str) -> bool:
    return text.startswith(_SCHEMES)


def describe(url: str) -> str:
    """`url` as messages may show it: without the password."""
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{parts.netloc.rpartition('@')[2]}{parts.path}"


def password_of(url: str) -> str | None:
    return urlsplit(url).password


def check_url(url: str) -> str | None:
    """What is wrong with a `database:` address, or None: a postgresql:// URL naming a host and
    a database."""
    if not is_postgres_url(url):
        return "expected a PostgreSQL address, postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a port that is no number raises here)
    except ValueError as exc:
        return f"not a valid address ({exc})"
    if not parts.hostname:
        return "no host (postgresql://USER:PASSWORD@HOST:PORT/DATABASE)"
    if not re.fullmatch(r"/[^/?#]+", parts.path or ""):
        return "no database name after the host (…@HOST:PORT/DATABASE)"
    return None


def cause_of(exc: BaseException, conn: asyncpg.Connection | None) -> str | None:
    """The cause, if `exc` (met on `conn`, None while there is none) is a fault that may pass."""
    pg = _driver()
    if isinstance(exc, OSError | TimeoutError):
        return SLOW if isinstance(exc, TimeoutError) and conn is not None else UNREACHABLE
    if isinstance(exc, pg.PostgresError):
        state = str(getattr(exc, "sqlstate", "") or "")
        return _BY_STATE.get(state) or _BY_CLASS.get(state[:2])
    if isinstance(exc, pg.InterfaceError) and (conn is None or conn.is_closed()):
        return LOST
    return None


def _driver() -> Any:
    try:
        import asyncpg
    except ImportError:
        raise StartupError(
            "database: a PostgreSQL database needs the asyncpg driver: pip install 'matrixbot[postgres]'"
        ) from None
    return asyncpg


class PostgresConnection:
    engine = "PostgreSQL"

    def __init__(self, url: str) -> None:
        self._pg = _driver()
        self.url = url
        self.where = describe(url)
        self.errors: tuple[type[BaseException], ...] = (self._pg.PostgresError, self._pg.InterfaceError)
        self._conn: asyncpg.Connection | None = None
        self._pid = 0
        self._in_transaction = False
        self._doubt: tuple[int | None, int] | None = None
        """A COMMIT cut off: the transaction's id (None: it wrote nothing) and its session's pid."""
        self._ids: dict[str, str | None] = {}
        """Each table's identity column (its `id INTEGER PRIMARY KEY`), once looked up."""

    async def connect(self) -> None:
        """Open the connection unless it is open; raises the driver's error when it cannot."""
        if self._conn is not None and not self._conn.is_closed():
            return
        self._conn = await self._pg.connect(
            self.url,
            timeout=CONNECT_TIMEOUT,
            command_timeout=COMMAND_TIMEOUT,
            server_settings={"application_name": "matrixbot", **KEEPALIVE},
        )
        self._pid = self._conn.get_server_pid()

    def refused(self, exc: BaseException) -> StartupError:
        """A start the server refused for good (wrong password, no such database): one line."""
        return StartupError(f"the database {self.where}: {type(exc).__name__}: {exc}")

    async def _live(self) -> asyncpg.Connection:
        """The connection; outside a transaction one is opened again if it was lost."""
        if not self._in_transaction:
            await self.connect()
        if self._conn is None:
            raise self._pg.ConnectionDoesNotExistError("the connection to the database was lost")
        return self._conn

    async def begin(self) -> None:
        await self.connect()
        conn = await self._live()
        await conn.execute("BEGIN")
        self._in_transaction = True

    async def commit(self) -> None:
        conn = await self._live()
        self._doubt = None
        xid = await conn.fetchval("SELECT txid_current_if_assigned()")
        try:
            await conn.execute("COMMIT")
        except BaseException as exc:
            if self.passing(exc) in _IN_DOUBT:
                self._doubt = (None if xid is None else int(xid), self._pid)
            raise
        finally:
            self._in_transaction = False

    async def rollback(self) -> None:
        conn, was_open = self._conn, self._in_transaction
        self._in_transaction = False
        if conn is None or conn.is_closed() or not was_open:
            return
        try:
            await conn.execute("ROLLBACK")
        except Exception:
            self._drop()

    async def committed_after_all(self) -> bool:
        if self._doubt is None:
            self._drop()
            return False
        xid, pid = self._doubt
        if xid is None:  # it wrote nothing: committed or not, the same
            self._doubt = None
            return True
        self._drop()
        await self.connect()
        conn = await self._live()
        status = await conn.fetchval("SELECT txid_status($1)", xid)
        if status == "in progress":  # the old session is still there (a cut the server missed)
            await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
            for _ in range(100):
                status = await conn.fetchval("SELECT txid_status($1)", xid)
                if status != "in progress":
                    break
                await asyncio.sleep(0.05)
            else:
                raise self._pg.ConnectionDoesNotExistError("the old session does not end")
        self._doubt = None
        return bool(status == "committed")

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.terminate()
        self._conn = None
        self._in_transaction = False

    async def execute(self, statement: Statement, params: Sequence[Any]) -> int:
        conn = await self._live()
        if statement.verb == "INSERT" and statement.table and not statement.returning:
            column = await self._identity(conn, statement.table)
            if column is not None:
                sql = f"{statement.postgres.rstrip().rstrip(';')}\nRETURNING {column}"
                rows = await conn.fetch(sql, *params)
                return int(rows[-1][0]) if rows else 0
        status = await conn.execute(statement.postgres, *params)
        if statement.changes_schema:
            self.schema_changed()
            await conn.reload_schema_state()
        last = str(status).rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def executemany(self, statement: Statement, rows: Sequence[Sequence[Any]]) -> None:
        conn = await self._live()
        await conn.executemany(statement.postgres, rows)

    async def fetch_all(self, statement: Statement, params: Sequence[Any]) -> list[Row]:
        conn = await self._live()
        return list(await conn.fetch(statement.postgres, *params))

    async def fetch_one(self, statement: Statement, params: Sequence[Any]) -> Row | None:
        conn = await self._live()
        row: Row | None = await conn.fetchrow(statement.postgres, *params)
        return row

    async def _identity(self, conn: asyncpg.Connection, table: str) -> str | None:
        if table not in self._ids:
            self._ids[table] = await conn.fetchval(
                "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) "
                "AND attidentity <> '' AND NOT attisdropped",
                table,
            )
        return self._ids[table]

    async def tables(self) -> list[str]:
        conn = await self._live()
        rows = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        )
        return [str(row[0]) for row in rows]

    async def columns(self, table: str) -> list[str]:
        conn = await self._live()
        rows = await conn.fetch(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            table,
        )
        return [str(row[0]) for row in rows]

    async def primary_key(self, table: str) -> list[str]:
        conn = await self._live()
        rows = await conn.fetch(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
            "ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
            "WHERE i.indrelid = to_regclass($1) AND i.indisprimary "
            "ORDER BY array_position(i.indkey::int2[], a.attnum)",
            table,
        )
        return [str(row[0]) for row in rows]

    async def number_rows(self, table: str, column: str) -> None:
        """PostgreSQL keeps no order of insertion: the rows are numbered in the order they lie in the
        table (that of their insertion, for rows not updated since)."""
        conn = await self._live()
        table, column = plain_name(table), plain_name(column)
        await conn.execute(
            f"UPDATE {table} AS t SET {column} = n.n FROM "
            f"(SELECT ctid AS c, row_number() OVER (ORDER BY ctid) AS n FROM {table}) AS n WHERE t.ctid = n.c"
        )

    async def column_types(self, table: str) -> dict[str, str]:
        """Each column of `table` and its PostgreSQL type (bigint, double precision, text, bytea)."""
        conn = await self._live()
        rows = await conn.fetch(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            table,
        )
        return {str(row[0]): str(row[1]) for row in rows}

    async def copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Bulk-load `rows` into `table` (COPY), then move its id sequence past the ids loaded."""
        conn = await self._live()
        await conn.copy_records_to_table(plain_name(table), records=rows, columns=list(columns))
        column = await self._identity(conn, table)
        if column is not None:
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{plain_name(table)}', '{plain_name(column)}'), "
                f"COALESCE(MAX({column}), 0) + 1, false) FROM {table}"
            )

    async def references(self) -> dict[str, set[str]]:
        """For each table with foreign keys, the tables they refer to."""
        conn = await self._live()
        rows = await conn.fetch(
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint WHERE contype = 'f'"
        )
        found: dict[str, set[str]] = {}
        for child, parent in rows:
            found.setdefault(str(child), set()).add(str(parent))
        return found

    async def server_version(self) -> str:
        conn = await self._live()
        return str(await conn.fetchval("SHOW server_version"))

    def passing(self, exc: BaseException) -> str | None:
        return cause_of(exc, self._conn)

    def schema_changed(self) -> None:
        self._ids.clear()

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), 5)
            except Exception:
                conn.terminate()
