"""`python -m bench.ab OTHER_TREE [--rounds N]`: this tree's bot against another tree's, by turns.

For a change to the engine: both bots run on one homeserver, one after the other, round after round
(order alternating), each asked the same: `!help` replies one at a time, a burst of 20 in one room
and 200 across 10 rooms by one member, then the same two by 10 members (`bench/members.py`). Per
round it prints the burst tails; for one member's bursts, the bot's CPU over each and how many
`/sync` requests it made during the 200-burst (counted with `strace`, when installed); how many of
a member's answers came out of their commands' order (one member's bursts, then the many's); and
how many commands were not answered exactly once. The other tree is a plain checkout (e.g. `git worktree add /tmp/base main`); its code is run with this
venv, started in that tree. Not part of `make bench`: figures of a shared machine move
with its load, so compare the two bots of one round, and look at several rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import statistics
import subprocess
from pathlib import Path

from bench import commands, processes
from bench.env import BenchEnv
from bench.launch import launch
from bench.members import spread
from bench.sizes import Sizes
from bench.timing import burst, reply_ms

HELP_SAMPLES = 30
MEMBERS = Sizes().burst_members
HERE = Path(__file__).resolve().parent.parent


async def _one(env: BenchEnv, name: str, tree: Path, rooms: list[str], crowd: list[str]) -> dict[str, float]:
    # the bot runs with its working directory (`processes.REPO`) first on sys.path, ahead of the
    # editable install: there it finds the tree's code
    processes.REPO = tree
    main, burst_rooms = rooms[0], rooms[1:]
    shutil.rmtree(env.dir(name), ignore_errors=True)
    started = await launch(env, name, main)
    process = started.process
    found: dict[str, float] = {"first answer s": started.first_answer_s}
    try:
        for room_id in rooms + crowd:  # one open poll in each room, so that `!vote` needs no id
            await reply_ms(env.alice, room_id, [commands.poll("Vote here")])
        await reply_ms(env.alice, main, [commands.HELP] * 2)
        found["!help p50 ms"] = statistics.median(
            await reply_ms(env.alice, main, [commands.HELP] * HELP_SAMPLES)
        )
        mix = commands.BURST_MIX
        cpu = process.cpu_s()
        one = await burst(env.alice, [(main, mix[n % len(mix)]) for n in range(20)])
        found["burst 20 tail ms"] = one.tail_ms
        found["burst 20 cpu s"] = process.cpu_s() - cpu
        trace = _strace(process.pid)
        cpu = process.cpu_s()
        many = await burst(
            env.alice,
            [(burst_rooms[n % len(burst_rooms)], mix[n // len(burst_rooms) % len(mix)]) for n in range(200)],
        )
        found["burst 200 tail ms"] = many.tail_ms
        found["burst 200 cpu s"] = process.cpu_s() - cpu
        if trace is not None:
            trace.terminate()
            _, out = trace.communicate(timeout=10)
            found["burst 200 syncs"] = out.count(b"GET /_matrix/client/v3/sync") + out.count(
                b"GET /_matrix/client/r0/sync"
            )
        found["out of order"] = one.out_of_order + many.out_of_order
        members = env.members(MEMBERS)
        crowded = []
        for count, crowd_rooms in ((20, crowd[:1]), (200, crowd[1:])):
            plan, senders = spread(crowd_rooms, members, count, lambda n: mix[n % len(mix)])
            crowded.append(await burst(env.alice, plan, by=senders))
            found[f"members {count} tail ms"] = crowded[-1].tail_ms
        found["members out of order"] = sum(b.out_of_order for b in crowded)
        found["not exactly once"] = sum(b.lost + b.doubled for b in (one, many, *crowded))
    finally:
        await process.stop()
    return found


def _strace(pid: int) -> subprocess.Popen[bytes] | None:
    if shutil.which("strace") is None or os.environ.get("AB_NO_STRACE"):
        return None
    argv = ["strace", "-qq", "-e", "trace=sendto,write,sendmsg", "-s", "64", "-p", str(pid)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def _main(other: Path, rounds: int) -> None:
    env = BenchEnv()
    try:
        await env.start()
        rooms = await env.rooms_with(env.alice, [env.bot], 11)
        members = [member.account for member in env.members(MEMBERS)]
        crowd = await env.rooms_with(env.alice, [env.bot, *members], 11)
        for n in range(rounds):
            order = [("this", HERE), ("other", other)]
            for label, tree in order if n % 2 == 0 else reversed(order):
                found = await _one(env, f"bot-{label}", tree, rooms, crowd)
                print(
                    f"round {n + 1} {label:5} " + "  ".join(f"{k} {v:.3g}" for k, v in found.items()),
                    flush=True,
                )
    finally:
        await env.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other source tree (a checkout of this repository)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(_main(args.other.resolve(), args.rounds))


if __name__ == "__main__":
    main()
