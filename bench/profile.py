"""`python -m bench.profile WHAT`: run the bot under a profiler while it does WHAT, and keep the report.

WHAT is `start` (start-up on a store of --store reminders, then one `!help`) or a command name
from bench.commands (`poll`, `help`, `vote`, `meetings`) sent --count times. The bot runs under
pyinstrument (`--tool pyinstrument`, a text report) or py-spy (`--tool py-spy`, a flame graph SVG,
native frames included); both need the `bench` extra. Reports go to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from bench import commands
from bench.env import BenchEnv
from bench.launch import installed_plugins
from bench.processes import READY_BOT, REPO, BotProcess, matrixbot
from bench.seed import store_of_size
from bench.timing import reply_ms

RESULTS = REPO / "bench" / "results"
TEXTS = {
    "poll": commands.poll(),
    "help": commands.HELP,
    "vote": commands.VOTE,
    "meetings": commands.MEETINGS,
    "unparseable": commands.UNPARSEABLE,
}


def profiled(bot: BotProcess, tool: str, report: Path) -> BotProcess:
    """The same bot process, started under the profiler (which writes `report` when the bot exits)."""
    python_args = bot.argv[1:]
    if tool == "py-spy":
        argv = ["py-spy", "record", "--rate", "500", "-o", str(report), "--", sys.executable, *python_args]
    else:
        argv = [
            sys.executable,
            "-m",
            "pyinstrument",
            "--show-all",
            "-r",
            "text",
            "-o",
            str(report),
            *python_args,
        ]
    return BotProcess(argv, bot.log_path, READY_BOT)


async def main(what: str, tool: str, count: int, store: int) -> Path:
    env = BenchEnv()
    report = RESULTS / f"profile-{what}-{int(time.time())}.{'svg' if tool == 'py-spy' else 'txt'}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    try:
        await env.start()
        [room] = await env.rooms_with(env.alice, [env.bot])
        workdir = env.dir("profiled")
        db_path = workdir / "data" / "matrixbot.sqlite3"
        if store:
            await store_of_size(db_path, store, creator=env.alice.user_id)
        bot = profiled(matrixbot(workdir, env.url, env.bot, installed_plugins()), tool, report)
        async with bot:
            await bot.start()
            if what == "start":
                await reply_ms(env.alice, room, [commands.HELP])
            else:
                taken = await reply_ms(env.alice, room, [TEXTS[what]] * count)
                print(f"{what}: {count} replies, mean {sum(taken) / len(taken):.0f} ms")
    finally:
        await env.close()
    return report


def run() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["start", *TEXTS])
    parser.add_argument("--tool", choices=["pyinstrument", "py-spy"], default="pyinstrument")
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--store", type=int, default=0, help="reminders seeded before start (as bench.scale)")
    args = parser.parse_args()
    report = asyncio.run(main(args.what, args.tool, args.count, args.store))
    print(f"report: {report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
