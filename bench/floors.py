"""The floors every figure is judged against: the homeserver's relay and a bare matrix-nio echo bot."""

from __future__ import annotations

from dataclasses import dataclass

from bench import processes
from bench.env import BenchEnv
from bench.launch import idle_rss_mb
from bench.processes import BotProcess
from bench.sizes import Sizes
from bench.stats import Spread
from bench.timing import Burst, burst, relay_ms, reply_ms


@dataclass(frozen=True)
class Floors:
    relay: Spread
    echo: Spread
    echo_burst_one_room: Burst
    echo_burst_many: Burst
    echo_idle_rss_mb: float
    echo_ready_s: float
    """Spawn to "echo ready" (imports, first sync): the library's own start-up floor."""
    relay_mention: Spread
    """Relay of a message that mentions its receiver (as reminders do): Synapse computes a notification."""


@dataclass(frozen=True)
class Echo:
    """The running echo bot and its rooms: one for single messages, the rest for bursts."""

    process: BotProcess
    room: str
    burst_rooms: list[str]


async def start_echo(env: BenchEnv, sizes: Sizes) -> Echo:
    """Start the echo bot; the caller stops `process` (it stays up so later parts can pair with it)."""
    rooms = await env.rooms_with(env.alice, [env.echo], max(2, sizes.burst_rooms + 1))
    process = processes.echobot(env.dir("echo"), env.url, env.echo)
    await process.start()
    await reply_ms(env.alice, rooms[0], ["warm up"] * 3)
    return Echo(process, rooms[0], rooms[1:])


async def measure_floors(env: BenchEnv, sizes: Sizes, echo: Echo) -> Floors:
    [room] = await env.rooms_with(env.alice, [], members=[env.bob])
    relay = Spread.of(await relay_ms(env.alice, env.bob, room, sizes.relay))
    mention = Spread.of(await relay_ms(env.bob, env.alice, room, sizes.relay // 2, mention=True))
    replies = Spread.of(
        await reply_ms(env.alice, echo.room, (f"echo {n}" for n in range(sizes.echo_replies)))
    )
    rss = await idle_rss_mb(echo.process)
    one_room = await burst(env.alice, [(echo.room, f"burst {n}") for n in range(sizes.burst_one_room)])
    rooms = echo.burst_rooms
    many = await burst(env.alice, [(rooms[n % len(rooms)], f"spread {n}") for n in range(sizes.burst_many)])
    ready = echo.process.ready_at - echo.process.spawned_at
    return Floors(relay, replies, one_room, many, rss, ready, mention)
