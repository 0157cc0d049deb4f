"""`python -m bench.profile WHAT`: run the bot under a profiler while it does WHAT, and keep the report.

WHAT is `start` (start-up on a store of --store reminders, in --rooms joined rooms, then one
`!help`; with --restart the bot is started once unprofiled and the profile is of its restart on
that warm store), `burst` (--count
commands of the burst mix at once across 10 rooms, each with an open poll, as `make bench` sends
them) or a command name from bench.commands (`poll`, `help`, `vote`, `meetings`) sent --count
times. The bot runs under pyinstrument (`--tool pyinstrument`, a text report) or py-spy (`--tool
py-spy`, a flame graph SVG, native frames included; `py-spy-raw`, its collapsed stacks as text);
both need the `bench` extra. Reports go to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from bench import commands
from bench.crowd import Seeder
from bench.env import BenchEnv
from bench.launch import installed_plugins
from bench.processes import READY_BOT, REPO, BotProcess, matrixbot
from bench.seed import store_of_size
from bench.timing import burst, reply_ms

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
    if tool.startswith("py-spy"):
        spy = str(Path(sys.executable).with_name("py-spy"))
        form = ["--format", "raw"] if tool == "py-spy-raw" else []
        argv = [spy, "record", "--rate", "500", *form, "-o", str(report), "--", sys.executable, *python_args]
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
    return BotProcess(argv, bot.log_path, READY_BOT, wrapper=True)


async def main(what: str, tool: str, count: int, store: int, rooms_in: int, restart: bool) -> Path:
    env = BenchEnv()
    report = RESULTS / f"profile-{what}-{int(time.time())}.{'svg' if tool == 'py-spy' else 'txt'}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    try:
        await env.start()
        rooms = await env.rooms_with(env.alice, [env.bot], 10 if what == "burst" else 1)
        room = rooms[0]
        if rooms_in > 1:
            seeder = Seeder(env.url)
            try:
                await seeder.rooms(env.bob.account, [env.bot], rooms_in - 1, "profiled")
            finally:
                await seeder.close()
        workdir = env.dir("profiled")
        db_path = workdir / "data" / "matrixbot.sqlite3"
        if store:
            await store_of_size(db_path, store, creator=env.alice.user_id)
        plain = matrixbot(workdir, env.url, env.bot, installed_plugins())
        if restart:
            async with plain:
                await plain.start()
                await reply_ms(env.alice, room, [commands.HELP])
        bot = profiled(plain, tool, report)
        async with bot:
            await bot.start()
            if what == "start":
                await reply_ms(env.alice, room, [commands.HELP])
            elif what == "burst":
                for room_id in rooms:  # an open poll in each room, so that `!vote` needs no id
                    await reply_ms(env.alice, room_id, [commands.poll("Vote here")])
                mix = commands.BURST_MIX
                plan = [(rooms[n % len(rooms)], mix[n // len(rooms) % len(mix)]) for n in range(count)]
                done = await burst(env.alice, plan)
                print(f"burst: {count} commands, last answer {done.tail_ms:.0f} ms after the last send")
            else:
                taken = await reply_ms(env.alice, room, [TEXTS[what]] * count)
                print(f"{what}: {count} replies, mean {sum(taken) / len(taken):.0f} ms")
    finally:
        await env.close()
    return report


def run() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["start", "burst", *TEXTS])
    parser.add_argument("--tool", choices=["pyinstrument", "py-spy", "py-spy-raw"], default="pyinstrument")
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--store", type=int, default=0, help="reminders seeded before start (as bench.scale)")
    parser.add_argument("--rooms", type=int, default=1, help="rooms the bot is in (start only)")
    parser.add_argument(
        "--restart", action="store_true", help="profile a restart on a warm store (start only)"
    )
    args = parser.parse_args()
    report = asyncio.run(main(args.what, args.tool, args.count, args.store, args.rooms, args.restart))
    print(f"report: {report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
