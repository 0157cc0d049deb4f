"""The peer people actually choose: maubot 0.6.0 standalone with a one-command plugin, no encryption.

maubot has dependencies of its own (mautrix, asyncpg, ruamel.yaml …), so it lives in a venv of
its own, `bench/.venv-maubot` (a cache: made once by `make bench` / `python -m bench`, kept after).
Without that venv every maubot figure is left out; the smoke test never creates it.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from bench.internals import Account
from bench.processes import BotProcess

HERE = Path(__file__).resolve().parent
VERSION = "0.6.0"
"""maubot 0.6.0 is the newest release and installs on Python 3.11 from the registry."""
VENV = HERE / ".venv-maubot"
STAMP = VENV / f".installed-maubot-{VERSION}"
PLUGIN = HERE / "maubot_plugin"
READY = "pingbot ready"
COMMAND = "!ping"

log = logging.getLogger("bench")


def python() -> Path | None:
    """The maubot venv's interpreter, or None when that venv was never made."""
    interpreter = VENV / "bin" / "python"
    return interpreter if STAMP.exists() and interpreter.exists() else None


def ensure_venv() -> Path:
    """Make the maubot venv if it is missing (pip, from the package registry); return its python."""
    found = python()
    if found is not None:
        return found
    log.info("making maubot's venv at %s (maubot==%s, once)", VENV, VERSION)
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, f"maubot=={VERSION}"], check=True)
    STAMP.touch()
    return VENV / "bin" / "python"


def maubot(workdir: Path, homeserver: str, account: Account) -> BotProcess:
    """maubot standalone (`python -m maubot.standalone`) as its docs run it: its sqlite database in
    `workdir` (sync token; kept across a restart), no encryption, no web server.

    Two settings differ from its example config, both so that it starts as our bot does: display
    name and avatar are left alone (no extra requests at start), and `ignore_first_sync: false`,
    so that after a restart it handles what arrived while it was down (the initial sync of an
    empty store is still skipped). With the default, the first sync after a restart long-polls
    for 30 s and a command that ends it is dropped.
    """
    interpreter = python()
    if interpreter is None:
        raise RuntimeError("maubot's venv is missing: run `python -m bench` once to make it")
    workdir.mkdir(parents=True, exist_ok=True)
    config = {
        "user": {
            "credentials": {
                "id": account.user_id,
                "homeserver": homeserver,
                "access_token": account.access_token,
                "device_id": None,
            },
            "sync": True,
            "autojoin": False,
            "displayname": "disable",
            "avatar_url": "disable",
            "ignore_initial_sync": True,
            "ignore_first_sync": False,
        },
        "database": f"sqlite:{workdir / 'maubot.db'}",
        "plugin_config": {},
        "logging": {
            "version": 1,
            "formatters": {"plain": {"format": "[%(asctime)s] [%(levelname)s@%(name)s] %(message)s"}},
            "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
            "root": {"level": "INFO", "handlers": ["console"]},
        },
    }
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    argv = [
        str(interpreter),
        "-m",
        "maubot.standalone",
        "--config",
        str(path),
        "--meta",
        str(PLUGIN / "maubot.yaml"),
    ]
    return BotProcess(argv, workdir / "maubot.log", READY)
