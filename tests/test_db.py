"""The database layer on both engines (`storage`: SQLite, and PostgreSQL in the slow run): the
same SQL, the same answers, the same guarantees."""

import sqlite3

import pytest

from matrixbot.db import Database, Tx
from matrixbot.errors import StartupError
from matrixbot.storage.portable import NotPortable
from matrixbot.testing import Storage

MIGRATIONS = [
    "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
    "ALTER TABLE things ADD COLUMN note TEXT; INSERT INTO things (name, note) VALUES ('a;b', 'x');",
]


@pytest.fixture
async def db(storage: Storage):
    database = await storage.open()
    yield database
    await database.close()


async def test_migrations_run_once_in_order(db: Database):
    assert await db.migrate("demo", MIGRATIONS) == 2
    assert await db.migrate("demo", MIGRATIONS) == 0
    assert await db.fetch_value("SELECT name FROM things") == "a;b"
    assert await db.fetch_value("SELECT version FROM schema_versions WHERE component = 'demo'") == 2


async def test_the_sqlite_file_is_in_wal_mode(tmp_path):
    db = await Database.open(tmp_path / "db.sqlite3")
    await db.migrate("demo", MIGRATIONS)
    await db.close()
    with sqlite3.connect(tmp_path / "db.sqlite3") as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_failed_migration_leaves_nothing_half_applied(db: Database):
    broken = [*MIGRATIONS[:1], "CREATE TABLE other (x INTEGER); INSERT INTO nowhere VALUES (1);"]
    with pytest.raises(Exception, match="nowhere"):
        await db.migrate("demo", broken)
    assert await db.fetch_value("SELECT version FROM schema_versions WHERE component = 'demo'") == 1
    assert await db.tables_with("x") == [], "the table the failed migration made was rolled back"


async def test_newer_schema_refuses_to_start(db: Database):
    await db.migrate("demo", MIGRATIONS)
    with pytest.raises(StartupError, match="written by a newer matrixbot"):
        await db.migrate("demo", MIGRATIONS[:1])


async def test_transaction_rolls_back_on_error_and_runs_after_commit(db: Database):
    await db.migrate("demo", MIGRATIONS[:1])
    committed = []
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO things (name) VALUES ('lost')")
            tx.after_commit(lambda: committed.append("no"))
            raise RuntimeError
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO things (name) VALUES ('kept')")
        tx.after_commit(lambda: committed.append("yes"))
    assert [r["name"] for r in await db.fetch_all("SELECT name FROM things")] == ["kept"]
    assert committed == ["yes"]


async def test_execute_returns_new_ids_and_counts_alike(db: Database):
    await db.migrate("demo", MIGRATIONS[:1])
    await db.execute(
        "CREATE TABLE tags (thing INTEGER NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (thing, tag))"
    )
    first = await db.execute("INSERT INTO things (name) VALUES (?)", ("a",))
    second = await db.execute("INSERT INTO things (name) VALUES (?)", ("b",))
    assert (first, second) == (1, 2), "an INSERT returns the new row's id"
    assert (
        await db.execute("INSERT INTO tags (thing, tag) VALUES (?, ?) ON CONFLICT DO NOTHING", (1, "x")) > 0
    )
    assert (
        await db.execute("INSERT INTO tags (thing, tag) VALUES (?, ?) ON CONFLICT DO NOTHING", (1, "x")) == 0
    )
    assert await db.execute("UPDATE things SET name = 'c'") == 2, "an UPDATE returns the rows it changed"
    row = await db.fetch_one("SELECT id, name FROM things WHERE id = ?", (2,))
    assert row is not None and (row[0], row["name"], dict(row)) == (2, "c", {"id": 2, "name": "c"})


async def test_values_come_back_as_they_went_in(db: Database):
    """REAL keeps a timestamp to the microsecond (PostgreSQL's own REAL would lose minutes),
    INTEGER holds 64 bits, and text sorts by code point on both engines."""
    await db.execute("CREATE TABLE v (at REAL NOT NULL, n INTEGER NOT NULL, word TEXT NOT NULL)")
    at, big = 1_781_234_567.123456, 2**62 + 1
    for word in ("b", "B", "a", "é", "A"):
        await db.execute("INSERT INTO v (at, n, word) VALUES (?, ?, ?)", (at, big, word))
    assert await db.fetch_value("SELECT at FROM v LIMIT 1") == at
    assert await db.fetch_value("SELECT n FROM v LIMIT 1") == big
    assert [r["word"] for r in await db.fetch_all("SELECT word FROM v ORDER BY word")] == [
        "A",
        "B",
        "a",
        "b",
        "é",
    ]
    assert await db.fetch_value("SELECT COUNT(*) FROM v WHERE word = ?", ("a",)) == 1, "= is exact"


async def test_the_schema_is_read_alike(db: Database):
    await db.execute("CREATE TABLE a (room_id TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (room_id, key))")
    await db.execute("CREATE TABLE b (id INTEGER PRIMARY KEY, room_id TEXT)")
    await db.execute("CREATE TABLE c (id INTEGER PRIMARY KEY)")
    assert await db.tables_with("room_id") == ["a", "b"]
    async with db.transaction() as tx:
        assert await tx.primary_key("a") == ["room_id", "key"]
        assert await tx.primary_key("b") == ["id"]


async def test_number_rows_keeps_the_order_rows_were_stored_in(db: Database):
    await db.execute("CREATE TABLE q (name TEXT PRIMARY KEY)")
    for name in ("c", "a", "b"):
        await db.execute("INSERT INTO q (name) VALUES (?)", (name,))

    async def number(tx: Tx) -> None:
        await tx.execute("ALTER TABLE q ADD COLUMN position INTEGER NOT NULL DEFAULT 0")
        await tx.number_rows("q", "position")

    await db.migrate("q", [number])
    assert [r[0] for r in await db.fetch_all("SELECT name FROM q ORDER BY position")] == ["c", "a", "b"]


async def test_sql_outside_the_portable_subset_is_refused_on_either_engine(db: Database):
    await db.migrate("demo", MIGRATIONS[:1])
    with pytest.raises(NotPortable, match="ON CONFLICT"):
        await db.execute("INSERT OR IGNORE INTO things (name) VALUES ('x')")
    with pytest.raises(NotPortable, match="rowid"):
        await db.fetch_all("SELECT name FROM things ORDER BY rowid")
    assert await db.fetch_value("SELECT COUNT(*) FROM things") == 0, "nothing of it ran"
    with pytest.raises(TypeError, match="in order"):
        await db.fetch_all("SELECT name FROM things WHERE id = ?", {"id": 1})  # type: ignore[arg-type]
