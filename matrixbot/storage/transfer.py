"""`matrixbot db copy --to postgresql://…`: an existing bot's state, from its SQLite file to PostgreSQL.

All of it happens in one PostgreSQL transaction, so the target ends up with everything or nothing:
1. the target must be empty (no table at all): nothing there is overwritten or mixed in;
2. each component (the core, each plugin) gets its tables by its own migrations, up to the version
   the SQLite file has (a newer version there than this matrixbot knows is refused, as at a start),
   so the tables are exactly those the bot would have made on PostgreSQL; the next start migrates
   further if there is more;
3. every table's rows are copied (COPY; what the migrations put in is replaced by the file's
   rows), ids kept and the id sequences moved past them;
4. every table's row count on PostgreSQL is checked against the file's.

The bot must be stopped (the data directory's lock is taken); the file is only read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matrixbot.db import SCHEMA_VERSIONS, Database, Migration, Tx, apply_migration
from matrixbot.errors import MatrixbotError
from matrixbot.storage.postgres import PostgresConnection
from matrixbot.storage.sqlite import SQLiteConnection


class CopyRefused(MatrixbotError):
    """The copy cannot be made as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int


async def copy_to_postgres(
    source: Path, target: str, migrations: Mapping[str, Sequence[Migration]]
) -> list[Copied]:
    """Copy the SQLite database at `source` into the empty PostgreSQL database at `target`;
    `migrations` are those of every component this matrixbot has, by name. Returns each table's
    row count, checked on both sides."""
    reading = await Database.open(source, portable=False)
    try:
        versions = {str(r[0]): int(r[1]) for r in await reading.fetch_all("SELECT * FROM schema_versions")}
        plan = _plan(versions, migrations)
        connection = reading.connection
        assert isinstance(connection, SQLiteConnection)
        tables = [t for t in await connection.tables() if not t.startswith("sqlite_")]
        writing = await Database.connect(target, fault_limit=5.0)
        try:
            target_connection = writing.connection
            assert isinstance(target_connection, PostgresConnection)
            return await writing.write(lambda tx: _copy(tx, target_connection, reading, tables, plan))
        except Exception as exc:
            if isinstance(exc, writing.errors):
                raise CopyRefused(f"PostgreSQL refused it: {type(exc).__name__}: {exc}") from None
            raise
        finally:
            await writing.close()
    finally:
        await reading.close()


def _plan(
    versions: Mapping[str, int], migrations: Mapping[str, Sequence[Migration]]
) -> list[tuple[str, list[Migration]]]:
    """The migrations to run on the target: each component's, up to the file's version."""
    unknown = sorted(set(versions) - set(migrations))
    if unknown:
        raise CopyRefused(
            f"the file has the tables of {', '.join(unknown)}, which this matrixbot does not have: "
            "install the plugin(s) first, so their tables can be made on PostgreSQL"
        )
    plan = []
    for component, version in sorted(versions.items()):
        known = migrations[component]
        if version > len(known):
            raise CopyRefused(
                f"the file has schema version {version} for '{component}', but this matrixbot knows only "
                f"{len(known)}: it was written by a newer matrixbot; copy it with that one"
            )
        plan.append((component, list(known[:version])))
    return plan


async def _copy(
    tx: Tx,
    target: PostgresConnection,
    reading: Database,
    tables: list[str],
    plan: list[tuple[str, list[Migration]]],
) -> list[Copied]:
    present = await target.tables()
    if present:
        shown = ", ".join(present[:5]) + (" …" if len(present) > 5 else "")
        raise CopyRefused(
            f"the database {target.where} is not empty ({len(present)} tables: {shown}); "
            "copy into a new, empty database"
        )
    await tx.execute(SCHEMA_VERSIONS)
    for component, migrations in plan:
        for number, migration in enumerate(migrations, 1):
            await apply_migration(migration, component, number, tx)
    made = set(await target.tables())
    missing = sorted(set(tables) - made)
    if missing:
        raise CopyRefused(
            f"the migrations make no table {', '.join(missing)} on PostgreSQL: it cannot be copied"
        )
    order = _parents_first(tables, await target.references())
    for table in reversed(order):  # what the migrations put in (a default setting): the file's rows win
        await tx.execute(f"DELETE FROM {table}")
    copied = []
    for table in order:
        types = await target.column_types(table)
        rows = await reading.fetch_all(f"SELECT * FROM {table}")
        columns = list(rows[0].keys()) if rows else list(types)
        strange = sorted(set(columns) - set(types))
        if strange:
            raise CopyRefused(
                f"{table}: the file has columns PostgreSQL's table has not: {', '.join(strange)}"
            )
        converters = [_converter(table, column, types[column]) for column in columns]
        records = [
            tuple(convert(value) for convert, value in zip(converters, row, strict=True)) for row in rows
        ]
        await target.copy_rows(table, columns, records)
        count = int(await tx.fetch_value(f"SELECT COUNT(*) FROM {table}"))
        if count != len(rows):
            raise CopyRefused(
                f"{table}: {len(rows)} rows in the file, {count} on PostgreSQL: nothing was kept"
            )
        copied.append(Copied(table, count))
    return copied


def _parents_first(tables: list[str], references: Mapping[str, set[str]]) -> list[str]:
    """`tables` in an order where every table comes after those its foreign keys refer to."""
    ordered: list[str] = []

    def visit(table: str, path: tuple[str, ...]) -> None:
        if table in ordered or table in path:
            return
        for parent in sorted(references.get(table, ())):
            if parent in tables:
                visit(parent, (*path, table))
        ordered.append(table)

    for table in sorted(tables):
        visit(table, ())
    return ordered


def _converter(table: str, column: str, kind: str) -> Callable[[Any], Any]:
    """What a value of the file (SQLite keeps any type in any column) becomes in a PostgreSQL column
    of `kind`, refused where that would change it."""

    def refuse(value: Any) -> Any:
        raise CopyRefused(f"{table}.{column}: the value {value!r} does not fit PostgreSQL's {kind}")

    def integer(value: Any) -> Any:
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        with contextlib.suppress(ValueError, TypeError):
            if isinstance(value, str) and str(int(value)) == value:
                return int(value)
        return refuse(value)

    def real(value: Any) -> Any:
        return (
            float(value)
            if isinstance(value, int | float) and not isinstance(value, bool)
            else (value if value is None else refuse(value))
        )

    def text(value: Any) -> Any:
        if value is None or isinstance(value, str):
            return None if value is None else value.replace("\x00", "")
        if isinstance(value, int | float):
            return str(value)
        return refuse(value)

    found: dict[str, Callable[[Any], Any]] = {"bigint": integer, "double precision": real, "text": text}
    return found.get(kind, _as_is)


def _as_is(value: Any) -> Any:
    return value
