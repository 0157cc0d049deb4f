"""Start-up, memory and replies as the bot's rooms grow, beside maubot in the same rooms (issue 24).

Sizes (`Sizes.rooms`, `Sizes.crowd`): 1, 300 and 1,000 joined rooms of 5 members, and one room of
500 members. Each bot (ours as shipped, encryption on; maubot as in the rest of the bench) has a
room of its own where alice asks it, so neither answers the other's command; the other rooms of a
size are shared: public rooms made by carol with dave and erin in them, not alice, whose own syncs
(she times every answer) must not grow with the rooms. Rooms are added as the sizes grow
(`bench/crowd.py`). The crowded room is one per bot (alice, the bot and 498 others), so again each
bot hears only its own commands.

At each size both bots start on a fresh store (the first start: every room's state is fetched),
then restart on that warm store `rooms_restarts` times, ours and maubot's by turns; what is judged
is the restart (its median), the idle RSS after the last one, and replies paired as everywhere in
the bench: each `!help` to ours is followed by maubot's `!ping` and the echo bot's echo.
"""

from __future__ import annotations

import asyncio
import secrets
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench import commands, maubot_peer, processes
from bench.clients import TimedClient
from bench.crowd import Seeder, register_many
from bench.env import BenchEnv
from bench.internals import Account
from bench.launch import IDLE_WAIT_S, installed_plugins
from bench.processes import BotProcess
from bench.sizes import Sizes
from bench.stats import Spread
from bench.timing import Paired, Peer, reply_ms

MEMBERS = 5
"""Members of each shared room: carol, dave, erin and both bots."""


@dataclass(frozen=True)
class Sitting:
    """One bot at one size."""

    first_start_s: float
    """Spawn → first answer on a fresh store."""
    restarts_s: tuple[float, ...]
    """Spawn → first answer, each restart on the warm store."""
    idle_rss_mb: float
    replies: Spread

    @property
    def restart_s(self) -> float:
        return statistics.median(self.restarts_s)


@dataclass(frozen=True)
class RoomsSize:
    label: str
    rooms: int
    members: int
    """Members of the shared rooms (or of the one crowded room)."""
    seed_s: float
    """Seconds spent making what this size adds (rooms and joins, or the crowd's accounts and joins)."""
    bot: Sitting
    maubot: Sitting | None
    echo_replies: Spread | None

    @property
    def crowded(self) -> bool:
        return self.rooms == 1 and self.members > MEMBERS


async def measure_rooms(env: BenchEnv, sizes: Sizes, echo: Peer | None = None) -> list[RoomsSize]:
    """Every size of `sizes.rooms` (ascending), then the crowded room of `sizes.crowd` members."""
    tag = secrets.token_hex(3)
    carol, dave, erin, bot, maubot = (
        env.synapse.register(f"{name}-{tag}") for name in ("carol", "dave", "erin", "bot-rooms", "mb-rooms")
    )
    with_maubot = maubot_peer.python() is not None
    [bot_room] = await env.rooms_with(env.alice, [bot])
    [maubot_room] = await env.rooms_with(env.alice, [maubot])
    seeder = Seeder(env.url)
    found: list[RoomsSize] = []
    try:
        made = 1
        for count in sizes.rooms:
            began = time.perf_counter()
            await seeder.rooms(carol, [dave, erin, bot, maubot], count - made, f"shared {tag}")
            made = count
            seeded = time.perf_counter() - began
            label = f"{count:,} joined room{'s' if count > 1 else ''}"
            bots = _Bots(env, f"rooms-{count}", bot, bot_room, maubot if with_maubot else None, maubot_room)
            found.append(RoomsSize(label, count, MEMBERS, seeded, *await bots.measure(sizes, echo)))
        began = time.perf_counter()
        crowd_bot, crowd_maubot = (
            env.synapse.register(f"{name}-{tag}") for name in ("bot-crowd", "mb-crowd")
        )
        people = await register_many(env.synapse, f"member-{tag}", sizes.crowd - 2)
        owner = env.alice.account
        bot_crowd = await seeder.create_room(owner, f"crowd {tag}")
        maubot_crowd = await seeder.create_room(owner, f"crowd {tag}")
        await seeder.join_all([crowd_bot, *people], [bot_crowd])
        await seeder.join_all([crowd_maubot, *people], [maubot_crowd])
        seeded = time.perf_counter() - began
        label = f"one room of {sizes.crowd} members"
        crowd = _Bots(
            env, "rooms-crowd", crowd_bot, bot_crowd, crowd_maubot if with_maubot else None, maubot_crowd
        )
        found.append(RoomsSize(label, 1, sizes.crowd, seeded, *await crowd.measure(sizes, echo)))
    finally:
        await seeder.close()
    return found


@dataclass
class _Bots:
    """Our bot and maubot (None: its venv is not there) on their own stores for one size."""

    env: BenchEnv
    name: str
    bot: Account
    bot_room: str
    maubot: Account | None
    maubot_room: str

    def _ours(self) -> BotProcess:
        workdir = self.env.dir(f"{self.name}-bot")
        return processes.matrixbot(workdir, self.env.url, self.bot, installed_plugins())

    def _theirs(self) -> BotProcess:
        assert self.maubot is not None
        return maubot_peer.maubot(self.env.dir(f"{self.name}-maubot"), self.env.url, self.maubot)

    async def measure(self, sizes: Sizes, echo: Peer | None) -> tuple[Sitting, Sitting | None, Spread | None]:
        alice = self.env.alice
        ours = _Timed(alice, self.bot_room, commands.HELP, self._ours)
        theirs = None
        if self.maubot is not None:
            theirs = _Timed(alice, self.maubot_room, f"{maubot_peer.COMMAND} first", self._theirs)
        timed = [t for t in (ours, theirs) if t is not None]
        for bot in timed:
            await bot.start(first=True)
            await bot.stop()
        for turn in range(sizes.rooms_restarts):
            for bot in timed:
                await bot.start()
                if turn < sizes.rooms_restarts - 1:
                    await bot.stop()
        try:
            await asyncio.sleep(IDLE_WAIT_S)
            rss = [bot.rss_mb() for bot in timed]
            peers = [] if theirs is None else [theirs.peer("maubot", maubot_peer.COMMAND)]
            peers += [echo] if echo is not None else []
            for peer in [ours.peer("ours", None), *peers]:
                await reply_ms(alice, peer.room, [peer.text(commands.HELP)] * 2)  # warm
            paired = Paired()
            await paired.take(alice, self.bot_room, peers, [commands.HELP] * sizes.rooms_replies)
        finally:
            for bot in timed:
                await bot.stop()
        mine = ours.sitting(rss[0], Spread.of(paired.bot))
        other = None if theirs is None else theirs.sitting(rss[1], Spread.of(paired.peers["maubot"]))
        return mine, other, Spread.of(paired.echo) if echo is not None else None


@dataclass
class _Timed:
    """A bot started and asked at its ready line, time and again."""

    asker: TimedClient
    room: str
    text: str
    spawn: Callable[[], BotProcess]
    first_s: float = 0.0
    restarts_s: list[float] | None = None
    process: BotProcess | None = None

    async def start(self, *, first: bool = False) -> None:
        process = self.process = self.spawn()
        await process.start()
        try:
            event_id = await self.asker.say(self.room, self.text)
            _, arrived = await self.asker.first_reply(event_id, timeout=120)
        except BaseException:
            await process.stop()
            raise
        took = arrived - process.spawned_at
        if first:
            self.first_s = took
        else:
            self.restarts_s = [*(self.restarts_s or []), took]

    async def stop(self) -> None:
        if self.process is not None:
            await self.process.stop()

    def rss_mb(self) -> float:
        assert self.process is not None
        return self.process.rss_mb()

    def peer(self, name: str, command: str | None) -> Peer:
        assert self.process is not None
        return Peer(name, self.process, self.room, [], command)

    def sitting(self, rss_mb: float, replies: Spread) -> Sitting:
        return Sitting(self.first_s, tuple(self.restarts_s or ()), rss_mb, replies)
