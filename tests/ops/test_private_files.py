"""The data directory is private and used by one bot at a time (in-process checks; the
two-process checks are in tests/ops/test_processes.py)."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from matrixbot import Body, Context, Plugin, command
from matrixbot.config import Config
from matrixbot.datadir import InstanceLock, make_private, warn_if_readable
from matrixbot.errors import AlreadyRunning, StartupError
from matrixbot.testing.fakebot import FakeBot


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_new_data_dir_and_the_database_files_are_owner_only(tmp_path):
    data = tmp_path / "data"
    bot = await FakeBot.create(data)
    try:
        await bot.database.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')")
        files = {p.name: mode(p) for p in data.iterdir()}
        assert mode(data) == 0o700, "data_dir must be 0700"
        for name in ("matrixbot.sqlite3", "matrixbot.sqlite3-wal", "matrixbot.sqlite3-shm"):
            assert files.get(name) == 0o600, f"{name} must exist with mode 0600, got {files}"
    finally:
        await bot.stop()


async def test_a_loose_existing_data_dir_is_tightened_and_logged(tmp_path, caplog):
    data = tmp_path / "data"
    (data / "crypto").mkdir(parents=True)
    data.chmod(0o755)
    (data / "crypto").chmod(0o755)
    (data / "matrixbot.sqlite3").touch(mode=0o644)
    (data / "matrixbot.sqlite3").chmod(0o644)
    caplog.set_level(logging.WARNING, logger="matrixbot.engine.bot")
    bot = await FakeBot.create(data)
    await bot.stop()
    assert mode(data) == 0o700 and mode(data / "crypto") == 0o700
    assert mode(data / "matrixbot.sqlite3") == 0o600
    assert any("private" in r.getMessage() and str(data) in r.getMessage() for r in caplog.records)


def test_make_private_tightens_the_bots_files_only(tmp_path):
    outside = tmp_path / "outside"
    outside.touch(mode=0o644)
    outside.chmod(0o644)
    data = tmp_path / "data"
    (data / "crypto").mkdir(parents=True)
    (data / "session.json").symlink_to(outside)
    (data / "crypto" / "@bot:x_DEV.db").touch()
    (data / "crypto" / "@bot:x_DEV.db").chmod(0o664)
    (data / "run.sh").touch()
    (data / "run.sh").chmod(0o755)
    (data / "matrixbot.sqlite3-wal").touch()
    (data / "matrixbot.sqlite3-wal").chmod(0o640)
    data.chmod(0o750)
    tightened = make_private(data)
    assert sorted(p.name for p in tightened) == ["@bot:x_DEV.db", "crypto", "data", "matrixbot.sqlite3-wal"]
    assert mode(data / "crypto" / "@bot:x_DEV.db") == 0o600 and mode(data / "matrixbot.sqlite3-wal") == 0o600
    assert mode(outside) == 0o644, "a symlink's target is left alone"
    assert mode(data / "run.sh") == 0o755, "an admin's own file in data_dir is left alone"


def test_the_lock_names_its_holder_and_is_free_after_release(tmp_path):
    first = InstanceLock(tmp_path)
    first.acquire()
    with pytest.raises(AlreadyRunning) as info:
        InstanceLock(tmp_path).acquire()
    assert str(info.value) == f"another matrixbot (pid {__import__('os').getpid()}) is using {tmp_path}"
    first.release()
    again = InstanceLock(tmp_path)
    again.acquire()
    again.release()


def test_a_config_with_a_password_readable_by_others_is_warned_about(tmp_path, caplog):
    config = tmp_path / "config.yaml"
    config.write_text("homeserver: http://x\npassword: hunter22\n")
    config.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="matrixbot.datadir"):
        warn_if_readable(config)
    assert len(caplog.records) == 1 and "chmod 600" in caplog.records[0].getMessage()
    assert "hunter22" not in caplog.text
    caplog.clear()
    config.chmod(0o600)
    with caplog.at_level(logging.WARNING, logger="matrixbot.datadir"):
        warn_if_readable(config)
    assert not caplog.records, "an owner-only config is fine"
    config.write_text("homeserver: http://x\n# password from MATRIXBOT_PASSWORD\n")
    config.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="matrixbot.datadir"):
        warn_if_readable(config)
    assert not caplog.records, "a config without secrets may be readable"


def test_a_data_dir_that_cannot_be_made_is_a_one_line_start_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StartupError) as info:
        InstanceLock(blocker / "data").acquire()
    assert str(info.value) == f"data_dir {blocker / 'data'}: Not a directory"


async def test_a_start_that_fails_closes_what_it_opened(tmp_path):
    """A plugin that cannot load stops the start; the data directory's lock and the database are
    let go (a supervisor's next start, or the next test, finds them free; no connection is left to
    be finalised under another event loop)."""

    class Broken(Plugin):
        name = "broken"

        @command("broken")
        async def broken(self, ctx: Context, body: Body = Body()) -> None: ...  # noqa: B008

    failed = FakeBot(
        Config(homeserver="http://fake.invalid", user_id="@bot:fake", password="x", data_dir=tmp_path),
        plugins=[Broken],
    )
    with pytest.raises(StartupError, match="keyword-only"):
        await failed.start()
    again = await FakeBot.create(tmp_path, plugins=[])  # the lock is free
    await again.stop()
