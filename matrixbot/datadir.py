"""The data directory: private to the bot's user, and used by one matrixbot at a time.

It holds the access token, the crypto store and meeting access codes, so the folder is 0700 and
every file in it 0600; an existing folder with looser modes is tightened at start. SQLite gives
its WAL and shm files the mode of the database file, so the database is created 0600 up front.

One instance per folder: two processes syncing and posting as one device would double answers
and confuse encryption. An exclusive `flock` on `matrixbot.lock` is held while the bot runs; the
kernel drops it when the process dies (even by `kill -9`), so a crash never blocks a restart.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import stat
from pathlib import Path

import yaml

from matrixbot.errors import AlreadyRunning, StartupError

log = logging.getLogger(__name__)

LOCK_NAME = "matrixbot.lock"
DB_NAME = "matrixbot.sqlite3"
OWN_FILES = {LOCK_NAME, "session.json", "session.tmp", "standby.json", "standby.tmp", "crypto"}
DIR_MODE = 0o700
FILE_MODE = 0o600


def make_private(data_dir: Path) -> list[Path]:
    """Create `data_dir` 0700 if needed; take group and other access from it and from the bot's
    own files in it (database, session, lock, crypto store); return what was loosened.

    Other files an admin keeps there are left alone (the folder's 0700 already shuts others out;
    chmod-ing, say, a virtualenv inside would be the bot overreaching), and so are symlinks.
    """
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        crypto = data_dir / "crypto"
        own = [
            data_dir,
            *(p for p in data_dir.iterdir() if p.name in OWN_FILES or p.name.startswith(DB_NAME)),
        ]
        if crypto.is_dir() and not crypto.is_symlink():
            own += sorted(crypto.rglob("*"))
        tightened = []
        for path in own:
            info = path.lstat()
            if not stat.S_ISLNK(info.st_mode) and stat.S_IMODE(info.st_mode) & 0o077:
                path.chmod(stat.S_IMODE(info.st_mode) & ~0o077)
                tightened.append(path)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename and str(exc.filename) != str(data_dir) else ""
        raise StartupError(f"data_dir {data_dir}: {exc.strerror}{where}") from None
    return tightened


def create_private(path: Path) -> None:
    """Create an empty file 0600 if it does not exist (before a library creates it 0644)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


class InstanceLock:
    """The exclusive lock that makes a matrixbot the only one using a data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        except OSError as exc:
            raise StartupError(f"data_dir {self.data_dir}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise AlreadyRunning(f"another matrixbot (pid {holder}) is using {self.data_dir}") from None
        with contextlib.suppress(OSError):  # the pid only informs; on a full disk the lock is enough
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def warn_if_readable(config_path: Path) -> None:
    """Warn when the config file holds a password or token and other users can read it."""
    try:
        mode = stat.S_IMODE(config_path.stat().st_mode)
        raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return
    holds_secret = isinstance(raw, dict) and bool(raw.get("password") or raw.get("access_token"))
    if holds_secret and mode & 0o044:
        log.warning(
            "%s holds a password or token and is readable by other users (mode %o): chmod 600 %s",
            config_path,
            mode,
            config_path,
        )
