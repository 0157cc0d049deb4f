"""What `matrixbot.db` needs of an engine: one connection, its transactions, its faults, its schema.

`SQLiteConnection` (storage/sqlite.py) and `PostgresConnection` (storage/postgres.py) are the two;
`Database` (db.py) holds one and adds what both share: one transaction at a time, waiting out
passing faults, migrations.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from matrixbot.storage.portable import Statement


class Row(Protocol):
    """A result row, read by column name (`row["id"]`) or position (`row[0]`) on either engine;
    `dict(row)` and unpacking work too."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...

    def keys(self) -> Any: ...


class Connection(Protocol):
    engine: str
    """"SQLite" or "PostgreSQL"."""
    where: str
    """The database as messages name it: the file, or the server and database (no password)."""
    errors: tuple[type[BaseException], ...]
    """The driver's own error classes."""

    async def begin(self) -> None:
        """Start a write transaction, waiting for the write lock (SQLite) or the server (PostgreSQL)
        as long as one attempt may; raises what `passing` recognises when it could not."""

    async def commit(self) -> None: ...

    async def rollback(self) -> None:
        """Roll back the open transaction, if any; never raises (a lost connection rolled it back)."""

    async def committed_after_all(self) -> bool:
        """After COMMIT raised a passing fault: whether it committed all the same (PostgreSQL can
        lose the connection after the server committed). Raises a passing fault while it cannot
        tell yet (the server is still away)."""

    async def execute(self, statement: Statement, params: Sequence[Any]) -> int:
        """Run one statement: an INSERT returns the new row's `id` (0 if none was inserted; for a
        table without an `id`, a number > 0 if a row was), anything else the number of rows."""

    async def executemany(self, statement: Statement, rows: Sequence[Sequence[Any]]) -> None: ...

    async def fetch_all(self, statement: Statement, params: Sequence[Any]) -> list[Row]: ...

    async def fetch_one(self, statement: Statement, params: Sequence[Any]) -> Row | None: ...

    async def tables(self) -> list[str]:
        """Every table of the bot (the core's and the plugins'), by name."""

    async def columns(self, table: str) -> list[str]: ...

    async def primary_key(self, table: str) -> list[str]:
        """The columns of `table`'s primary key, in order."""

    async def number_rows(self, table: str, column: str) -> None:
        """Fill `column` with 1, 2, … in the order the rows were stored (see `Tx.number_rows`)."""

    def passing(self, exc: BaseException) -> str | None:
        """The cause, if `exc` is a fault that may pass (a held lock, a full disk, a server away);
        None for anything else (a bug, a constraint)."""

    def schema_changed(self) -> None:
        """A migration changed tables: forget what was cached about them."""

    async def close(self) -> None: ...
