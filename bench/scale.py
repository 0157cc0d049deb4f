"""Start-up, memory and reply latency as the store grows: reminders, rooms' settings, open polls.

A store of size N holds N future reminders (spread over the next year), N/20 rooms' settings and
N/100 open 8-option polls: at 100,000 that is the issue's 5,000 rooms and 1,000 polls. Size 0 is
the empty store, measured the same way, so the ratios compare like with like. The sizes are
measured minutes apart, so each reply is paired with one to the echo bot: the homeserver's drift
between sizes is then told apart from the cost of a bigger store.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from bench import commands
from bench.env import BenchEnv
from bench.launch import idle_rss_mb, launch
from bench.seed import store_of_size
from bench.sizes import Sizes
from bench.stats import Spread
from bench.timing import Paired, Peer, reply_ms

#: The commands timed at every size: one that reads nothing, two that read the store.
TIMED = (commands.HELP, commands.MEETINGS, commands.POLLS)


@dataclass(frozen=True)
class StoreSize:
    reminders: int
    settings_rooms: int
    open_polls: int
    seed_s: float
    db_mb: float
    ready_s: float
    first_answer_s: float
    idle_rss_mb: float
    replies: Spread
    echo_replies: Spread | None = None
    """The echo bot's replies, each taken right after one of ours (None: no echo bot running)."""


async def measure_scale(env: BenchEnv, sizes: Sizes, echo: Peer | None = None) -> list[StoreSize]:
    [room_id] = await env.rooms_with(env.alice, [env.bot])
    return [await _one_size(env, room_id, n, sizes, echo) for n in (0, *sizes.scale)]


async def _one_size(env: BenchEnv, room_id: str, n: int, sizes: Sizes, echo: Peer | None) -> StoreSize:
    seed_took = 0.0

    async def prepare(db_path: Path) -> None:
        nonlocal seed_took
        began = time.perf_counter()
        await store_of_size(db_path, n, creator=env.alice.user_id)
        seed_took = time.perf_counter() - began

    started = await launch(env, f"bot-scale-{n}", room_id, prepare=prepare)
    try:
        rss = await idle_rss_mb(started.process)
        texts = [TIMED[i % len(TIMED)] for i in range(sizes.scale_replies)]
        await reply_ms(env.alice, room_id, TIMED)  # warm
        paired = Paired()
        await paired.take(env.alice, room_id, [echo] if echo else [], texts)
    finally:
        await started.process.stop()
    db_mb = sum(p.stat().st_size for p in started.db_path.parent.glob("matrixbot.sqlite3*")) / 2**20
    return StoreSize(
        n,
        n // 20,
        n // 100,
        seed_took,
        db_mb,
        started.ready_s,
        started.first_answer_s,
        rss,
        Spread.of(paired.bot),
        Spread.of(paired.echo) if paired.echo else None,
    )
