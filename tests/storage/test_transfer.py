"""`matrixbot db copy --to postgresql://…`: a bot used on SQLite goes on from PostgreSQL with all
it had, run as a person would (the command line, a stopped bot); refusals leave the target empty."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from matrixbot.plugins.checkins import Checkins
from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings
from matrixbot.plugins.signups import Signups

from matrixbot.datadir import InstanceLock
from matrixbot.testing import FakeBot, FakeClock, Postgres

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[2]
PLUGINS = [Checkins, DatePoll, Meetings, Signups]
ALICE, BOB = "@alice:x", "@bob:x"


async def db_copy(config: Path, target: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "matrixbot", "db", "copy", "--config", str(config), "--to", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def write_config(tmp_path: Path, data_dir: Path) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"homeserver: http://fake.invalid\nuser_id: '@bot:fake'\npassword: unused\ndata_dir: {data_dir}\n"
    )
    return config


async def test_a_bot_copied_to_postgresql_goes_on_with_everything_it_had(tmp_path, postgres: Postgres):
    clock = FakeClock("2027-03-01 10:00", "Europe/London")
    data = tmp_path / "data"
    bot = await FakeBot.create(data, plugins=PLUGINS, clock=clock)
    room = bot.room(ALICE, BOB, admins=[ALICE])
    await bot.say(room, ALICE, "!poll Retreat\nSaturday 10am\nSunday 10am")
    await bot.say(room, BOB, "!vote 1 2")
    await bot.say(room, ALICE, "!remind tomorrow 9am order the cake")
    await bot.say(room, ALICE, "!meeting Board\nwhen: Friday 3pm\nremind: 1 hour")
    await bot.say(room, ALICE, "!signup Open day\nwhen: Saturday 2pm\nplaces: 3")
    await bot.say(room, ALICE, "!checkin Still coming on Saturday?\nwho: everyone\nclose: 2 days")
    counts = {t: await bot.database.fetch_value(f"SELECT COUNT(*) FROM {t}") for t in await _tables(bot)}
    await bot.stop()
    target = postgres.create_database()

    done = await db_copy(write_config(tmp_path, data), target)

    assert done.returncode == 0, done.stderr
    assert "every table's row count was checked" in done.stdout
    assert postgres.password not in done.stdout + done.stderr, "the password is never printed"
    for table, rows in counts.items():
        assert any(
            line.split() == [table, str(rows), "row" + ("" if rows == 1 else "s")]
            for line in done.stdout.splitlines()
        ), f"{table}: {rows} rows said in {done.stdout}"
    moved = await FakeBot.create(data, plugins=PLUGINS, clock=clock, database=target)
    try:
        assert moved.database.path is None, "the bot runs on PostgreSQL now"
        assert "Retreat" in (await moved.say(room, BOB, "!polls")).body
        second = await moved.say(room, ALICE, "!remind tomorrow 10am bring chairs")
        assert "bring chairs" in second.body, "a new row gets an id past the copied ones"
        clock.advance(timedelta(days=1))
        posted = [p.body for p in await moved.run_due()]
        assert any("order the cake" in body for body in posted), posted
        assert sum("order the cake" in body for body in posted) == 1
    finally:
        await moved.stop()


async def test_a_non_empty_target_or_a_running_bot_is_refused_and_nothing_is_copied(
    tmp_path, postgres: Postgres
):
    data = tmp_path / "data"
    bot = await FakeBot.create(data, plugins=PLUGINS)
    await bot.stop()
    config = write_config(tmp_path, data)
    target = postgres.create_database()
    name = target.rsplit("/", 1)[1]
    postgres.sql("CREATE TABLE notes (x TEXT)", database=name)

    refused = await db_copy(config, target)

    assert refused.returncode == 1 and "not empty" in refused.stderr and "notes" in refused.stderr, (
        refused.stderr
    )
    assert (
        postgres.sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", database=name).strip()
        == "1"
    )
    postgres.sql("DROP TABLE notes", database=name)
    lock = InstanceLock(data)
    lock.acquire()  # as the running bot holds it
    try:
        busy = await db_copy(config, target)
    finally:
        lock.release()
    assert busy.returncode == 1 and "another matrixbot" in busy.stderr, busy.stderr
    assert (
        postgres.sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", database=name).strip()
        == "0"
    )


async def _tables(bot: FakeBot) -> list[str]:
    return [t for t in await bot.database.connection.tables() if not t.startswith("sqlite_")]
