"""Starting our bot on a (possibly seeded) store and timing it until its first answer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bench import processes
from bench.env import BenchEnv
from bench.internals import discover
from bench.processes import BotProcess

#: Settle time before reading "idle" memory: start-up garbage collected, no traffic.
IDLE_WAIT_S = 2.0


def installed_plugins() -> list[str]:
    names = [cls.name for cls in discover()]
    missing = {"datepoll", "meetings"} - set(names)
    if missing:
        raise SystemExit(
            f"bench: plugins {sorted(missing)} are not installed as entry points; run `pip install -e .`"
        )
    return names


@dataclass
class Launched:
    process: BotProcess
    db_path: Path
    ready_s: float
    """Spawn to the "matrixbot started" log line."""
    first_answer_s: float
    """Spawn to the first answer seen by the person, who asks as soon as the bot says it started."""


async def launch(
    env: BenchEnv,
    name: str,
    room_id: str,
    *,
    prepare: Callable[[Path], Awaitable[None]] | None = None,
    e2ee: bool = True,
    notice_after: float | None = None,
) -> Launched:
    """Start the bot on its data directory `name` (filled by `prepare(db_path)` first) and ask `!help`.

    With `e2ee=False` the bot runs with `e2ee.enabled: false` (as maubot runs in the bench);
    `notice_after` shortens its wait before telling a room about unreadable messages (quick runs).

    The bot account must already be in `room_id`. The caller stops `process`.
    """
    workdir = env.dir(name)
    db_path = workdir / "data" / "matrixbot.sqlite3"
    if prepare is not None:
        await prepare(db_path)
    process = processes.matrixbot(
        workdir, env.url, env.bot, installed_plugins(), e2ee=e2ee, notice_after=notice_after
    )
    await process.start()
    try:
        event_id = await env.alice.say(room_id, "!help")
        _, arrived = await env.alice.first_reply(event_id)
    except BaseException:
        await process.stop()
        raise
    return Launched(process, db_path, process.ready_at - process.spawned_at, arrived - process.spawned_at)


async def idle_rss_mb(process: BotProcess) -> float:
    await asyncio.sleep(IDLE_WAIT_S)
    return process.rss_mb()
