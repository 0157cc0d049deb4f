import pytest

from matrixbot.db import Database, _split_script
from matrixbot.errors import StartupError

MIGRATIONS = [
    "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
    "ALTER TABLE things ADD COLUMN note TEXT; INSERT INTO things (name, note) VALUES ('a;b', 'x');",
]


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "db.sqlite3")
    yield database
    await database.close()


def test_script_splitting_respects_quotes():
    assert _split_script("CREATE TABLE a (x); INSERT INTO a VALUES ('p;q');\n") == [
        "CREATE TABLE a (x);",
        "INSERT INTO a VALUES ('p;q');",
    ]


async def test_migrations_run_once_in_order(db):
    assert await db.migrate("demo", MIGRATIONS) == 2
    assert await db.migrate("demo", MIGRATIONS) == 0
    assert await db.fetch_value("SELECT name FROM things") == "a;b"
    assert await db.fetch_value("PRAGMA journal_mode") == "wal"


async def test_failed_migration_leaves_nothing_half_applied(db):
    broken = [*MIGRATIONS[:1], "CREATE TABLE other (x); INSERT INTO nowhere VALUES (1);"]
    with pytest.raises(Exception, match="nowhere"):
        await db.migrate("demo", broken)
    assert await db.fetch_value("SELECT version FROM schema_versions WHERE component = 'demo'") == 1
    assert await db.fetch_value("SELECT COUNT(*) FROM sqlite_master WHERE name = 'other'") == 0


async def test_newer_schema_refuses_to_start(db):
    await db.migrate("demo", MIGRATIONS)
    with pytest.raises(StartupError, match="written by a newer matrixbot"):
        await db.migrate("demo", MIGRATIONS[:1])


async def test_transaction_rolls_back_on_error_and_runs_after_commit(db):
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
