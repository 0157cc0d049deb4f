"""`matrixbot run | check-config | demo`: the command line, with one-line errors and clean exits."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from matrixbot.config import Config, load_config
from matrixbot.errors import ConfigError, FatalError, StartupError
from matrixbot.logsetup import SECRETS, setup_logging

log = logging.getLogger("matrixbot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="matrixbot", description="A Matrix bot for co-operatives.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the bot")
    run.add_argument("--config", "-c", default="config.yaml", help="the config file (default: config.yaml)")
    check = commands.add_parser("check-config", help="validate a config file and exit")
    check.add_argument("--config", "-c", default="config.yaml")
    demo = commands.add_parser("demo", help="a throwaway homeserver, the bot and a terminal chat")
    demo.add_argument("--script", type=Path, help="send the messages in this file and print the transcript")
    demo.add_argument("--encrypted", action="store_true", help="make the demo room end-to-end encrypted")
    args = parser.parse_args(argv)
    try:
        if args.command == "check-config":
            config = load_config(args.config)
            print(f"{args.config}: OK ({config.user_id} on {config.homeserver})")
            return 0
        if args.command == "run":
            config = load_config(args.config)
            setup_logging(config.log_level)
            for secret in (config.password, config.access_token):
                SECRETS.add(secret)
            return asyncio.run(run_bot(config))
        from matrixbot.demo import run_demo

        return asyncio.run(run_demo(script=args.script, encrypted=args.encrypted))
    except ConfigError as exc:
        print(f"matrixbot: config error: {exc}", file=sys.stderr)
        return 2
    except StartupError as exc:
        print(f"matrixbot: cannot start: {exc}", file=sys.stderr)
        return 1
    except FatalError as exc:
        print(f"matrixbot: stopped: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


async def run_bot(config: Config) -> int:
    from matrixbot.bot import Bot

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
