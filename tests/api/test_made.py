"""make_once / made_by: a command handled twice (a replay after a crash) makes its thing once."""

import pytest

from matrixbot import Made, made_by, make_once

THINGS = "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL, source_event TEXT UNIQUE);"


@pytest.fixture
async def db(storage):
    database = await storage.open()
    await database.migrate("demo", [THINGS])
    yield database
    await database.close()


async def test_the_second_handling_finds_what_the_first_made_and_makes_nothing(db):
    calls: list[str] = []

    async def make(tx, name):
        calls.append(name)
        return await tx.execute("INSERT INTO things (name) VALUES (?)", (name,))

    async with db.transaction() as tx:
        first = await make_once(tx, "things", "$cmd1", lambda: make(tx, "first"))
    async with db.transaction() as tx:
        again = await make_once(tx, "things", "$cmd1", lambda: make(tx, "again"))
        other = await make_once(tx, "things", "$cmd2", lambda: make(tx, "other"))

    assert first == Made(first.id, new=True)
    assert again == Made(first.id, new=False)
    assert other.new and other.id != first.id
    assert calls == ["first", "other"]
    assert await db.fetch_value("SELECT COUNT(*) FROM things") == 2
    async with db.transaction() as tx:
        assert await made_by(tx, "things", "$cmd1") == first.id
        assert await made_by(tx, "things", "$cmd3") is None


async def test_a_rolled_back_handling_leaves_no_record(db):
    """The row and the record of its event commit together: a crash before commit makes nothing."""

    async def make(tx):
        return await tx.execute("INSERT INTO things (name) VALUES ('x')")

    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await make_once(tx, "things", "$cmd", lambda: make(tx))
            raise RuntimeError("the process died here")
    async with db.transaction() as tx:
        assert await made_by(tx, "things", "$cmd") is None
        assert (await make_once(tx, "things", "$cmd", lambda: make(tx))).new


async def test_only_plain_table_names_go_into_the_sql(db):
    async with db.transaction() as tx:
        with pytest.raises(ValueError, match="not a table name"):
            await made_by(tx, "things; DROP TABLE things", "$cmd")
