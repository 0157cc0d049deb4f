"""`matrixbot run | check-config | init-config | db copy | demo | --version`: the command line, with
one-line errors and clean exits."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import os
import signal
import sys
from importlib import metadata, resources
from pathlib import Path

from matrixbot.checks import (
    check_database,
    check_login,
    check_plugin_names,
    http_warnings,
    own_server_warnings,
)
from matrixbot.config import Config, load_config
from matrixbot.engine.registry import discover
from matrixbot.errors import AlreadyRunning, ConfigError, FatalError, MissingExtra, StartupError
from matrixbot.logsetup import SECRETS, say_held_back, setup_logging

log = logging.getLogger("matrixbot")
DEMO_MODULES = ("synapse", "signedjson")
"""What `matrixbot demo` needs beyond the bot: the `demo` extra (matrix-synapse and its deps)."""


def main(argv: list[str] | None = None) -> int:
    default_config = os.environ.get("MATRIXBOT_CONFIG", "config.yaml")
    parser = argparse.ArgumentParser(prog="matrixbot", description="A Matrix bot for co-operatives.")
    parser.add_argument("--version", action="version", version=f"matrixbot {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the bot")
    run.add_argument(
        "--config", "-c", default=default_config, help=f"the config file (default: {default_config})"
    )
    check = commands.add_parser("check-config", help="validate a config file and exit")
    check.add_argument("--config", "-c", default=default_config)
    check.add_argument(
        "--login",
        action="store_true",
        help="also log in, to prove the credentials and URL (and connect to a PostgreSQL database)",
    )
    init = commands.add_parser("init-config", help="write the commented sample config to edit")
    init.add_argument("path", nargs="?", default="config.yaml", help="where (default: config.yaml)")
    db = commands.add_parser("db", help="the bot's database")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    copy = db_commands.add_parser(
        "copy", help="copy the bot's state from its SQLite file into an empty PostgreSQL database"
    )
    copy.add_argument("--config", "-c", default=default_config)
    copy.add_argument(
        "--to",
        default=os.environ.get("MATRIXBOT_DATABASE"),
        help="postgresql://USER:PASSWORD@HOST:PORT/NAME (default: $MATRIXBOT_DATABASE)",
    )
    demo = commands.add_parser("demo", help="a throwaway homeserver, the bot and a terminal chat")
    demo.add_argument("--script", type=Path, help="send the messages in this file and print the transcript")
    demo.add_argument("--encrypted", action="store_true", help="make the demo room end-to-end encrypted")
    args = parser.parse_args(argv)
    try:
        if args.command == "check-config":
            return check_config(args.config, login=args.login)
        if args.command == "init-config":
            return init_config(Path(args.path))
        if args.command == "db":
            return db_copy(args.config, args.to)
        if args.command == "run":
            config = load_config(args.config)
            setup_logging(config.log_level, config.log_format)
            for secret in (config.password, config.access_token, config.database_password):
                SECRETS.add(secret)
            try:
                return asyncio.run(run_bot(config))
            finally:
                say_held_back()  # before the line saying why it stopped, if it did
        missing = [m for m in DEMO_MODULES if importlib.util.find_spec(m) is None]
        if missing:
            raise MissingExtra(missing[0])
        from matrixbot.demo import run_demo

        return asyncio.run(run_demo(script=args.script, encrypted=args.encrypted))
    except ConfigError as exc:
        print(f"matrixbot: config error: {exc}", file=sys.stderr)
        return 2
    except (AlreadyRunning, MissingExtra) as exc:
        print(f"matrixbot: {exc}", file=sys.stderr)
        return 1
    except StartupError as exc:
        print(f"matrixbot: cannot start: {exc}", file=sys.stderr)
        return 1
    except FatalError as exc:
        print(f"matrixbot: stopped: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def check_config(path: str, *, login: bool) -> int:
    config = load_config(path)
    check_plugin_names(config, [cls.name for cls in discover()])
    for warning in [*own_server_warnings(config), *http_warnings(config)]:
        print(f"matrixbot: warning: {warning}", file=sys.stderr)
    print(f"{path}: OK ({config.user_id} on {config.homeserver})")
    if login and config.database is not None:
        try:
            print(f"database: OK, {asyncio.run(check_database(config.database))}")
        except StartupError as exc:
            print(f"matrixbot: database check failed: {exc}", file=sys.stderr)
            return 1
    if login:
        logging.disable(logging.CRITICAL)  # nio's own complaints: the one line below says it all
        try:
            print(f"login: OK, {asyncio.run(check_login(config))}")
        except StartupError as exc:
            print(f"matrixbot: login check failed: {exc}", file=sys.stderr)
            return 1
        finally:
            logging.disable(logging.NOTSET)
    return 0


def db_copy(path: str, target: str | None) -> int:
    """`matrixbot db copy --to URL`: the stopped bot's SQLite file into an empty PostgreSQL database."""
    from matrixbot.api.plugin import Plugin
    from matrixbot.datadir import DB_NAME, InstanceLock
    from matrixbot.engine.schema import CORE_MIGRATIONS
    from matrixbot.plugins.core.plugin import CorePlugin
    from matrixbot.plugins.devices.plugin import DevicesPlugin
    from matrixbot.storage.postgres import check_url, describe, password_of
    from matrixbot.storage.transfer import CopyRefused, copy_to_postgres

    config = load_config(path)
    if not target:
        raise ConfigError(
            "db copy: give the database to copy into: --to postgresql://USER:PASSWORD@HOST/NAME"
        )
    wrong = check_url(target)
    if wrong:
        raise ConfigError(f"db copy --to {describe(target)}: {wrong}")
    SECRETS.add(password_of(target))
    source = config.data_dir / DB_NAME
    if not source.exists():
        raise StartupError(f"there is no database file at {source} (is data_dir in {path} right?)")
    plugins: list[type[Plugin]] = [CorePlugin, DevicesPlugin, *discover()]
    components = {"matrixbot": CORE_MIGRATIONS, **{cls.name: cls.migrations for cls in plugins}}
    lock = InstanceLock(config.data_dir)
    lock.acquire()  # the bot must be stopped: nothing may change in the file while it is copied
    try:
        copied = asyncio.run(copy_to_postgres(source, target, components))
    except (CopyRefused, StartupError, FatalError) as exc:
        print(f"matrixbot: db copy: nothing was copied: {exc}", file=sys.stderr)
        return 1
    finally:
        lock.release()
    width = max(len(c.table) for c in copied)
    print(f"copied {source} to {describe(target)}, in one transaction:")
    for each in copied:
        print(f"  {each.table:<{width}}  {each.rows} row{'' if each.rows == 1 else 's'}")
    print(
        f"every table's row count was checked on PostgreSQL ({len(copied)} tables, "
        f"{sum(c.rows for c in copied)} rows). Now set `database:` in {path} (or MATRIXBOT_DATABASE) "
        "to that address and start the bot; the SQLite file is left as it was."
    )
    return 0


def init_config(path: Path) -> int:
    """Write the sample config (mode 0600: it will hold a password); never over an existing file."""
    sample = resources.files("matrixbot").joinpath("config.sample.yaml").read_text(encoding="utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigError(f"{path} exists already; give another path or remove it") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write it ({exc.strerror})") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(sample)
    print(f"wrote {path}: edit it, then run: matrixbot check-config --config {path} --login")
    return 0


def _version() -> str:
    try:
        return metadata.version("matrixbot")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


async def run_bot(config: Config) -> int:
    from matrixbot.engine.bot import Bot

    bot = Bot(config)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, bot.request_stop)
    try:
        await bot.start()
        await bot.run_until_stopped()
    finally:
        await bot.stop()
    if bot.fatal:
        raise bot.fatal
    return 0
