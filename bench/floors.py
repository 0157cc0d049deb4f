"""The floors and peers every figure is judged against: the homeserver's relay, a bare matrix-nio
echo bot (the library floor) and maubot (the bot people choose), each its own process."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from bench import maubot_peer, processes
from bench.env import BenchEnv
from bench.launch import idle_rss_mb
from bench.processes import BotProcess
from bench.sizes import Sizes
from bench.stats import Spread
from bench.timing import Burst, Peer, burst, relay_ms, reply_ms

log = logging.getLogger("bench")


@dataclass(frozen=True)
class PeerFloor:
    """One peer measured as our bot is: replies one at a time, two bursts, memory, start-up."""

    replies: Spread
    burst_one_room: Burst
    burst_many: Burst
    idle_rss_mb: float
    ready_s: float
    """Spawn to its ready line (after its first sync)."""
    first_answer_s: float
    """Spawn to the first answer seen by the person, who asks as soon as the ready line appears."""
    restart_first_answer_s: float | None = None
    """The same, started again on its own store (maubot keeps its sync token; echo keeps nothing)."""


@dataclass(frozen=True)
class Floors:
    relay: Spread
    relay_mention: Spread
    """Relay of a message that mentions its receiver (as reminders do): Synapse computes a notification."""
    echo: PeerFloor
    maubot: PeerFloor | None = None
    """None when maubot's venv is not there (the smoke test): its column stays empty."""


@dataclass
class Peers:
    """The running peers; they stay up so that every later part can pair its samples with them."""

    echo: Peer
    maubot: Peer | None
    echo_first_answer_s: float
    maubot_ready_s: float | None = None
    """Spawn to maubot's ready line on its empty store (the running one is its restart)."""
    maubot_first_answer_s: float | None = None
    maubot_restart_first_answer_s: float | None = None

    @property
    def running(self) -> list[Peer]:
        return [self.echo] if self.maubot is None else [self.echo, self.maubot]

    async def stop(self) -> None:
        for peer in self.running:
            await peer.process.stop()


async def start_peers(env: BenchEnv, sizes: Sizes) -> Peers:
    """Start the echo bot and, if its venv is there, maubot (started twice: empty store, restart)."""
    echo, echo_first = await _start(
        env, "echo", None, sizes, lambda: processes.echobot(env.dir("echo"), env.url, env.echo)
    )
    peers = Peers(echo, None, echo_first)
    if maubot_peer.python() is None:
        log.info("no maubot venv (%s): its column stays empty", maubot_peer.VENV)
        return peers
    try:

        def spawn() -> BotProcess:
            return maubot_peer.maubot(env.dir("maubot"), env.url, env.maubot)

        first, peers.maubot_first_answer_s = await _start(env, "maubot", maubot_peer.COMMAND, sizes, spawn)
        await first.process.stop()
        peers.maubot_ready_s = first.process.ready_at - first.process.spawned_at
        peers.maubot, peers.maubot_restart_first_answer_s = await _start(
            env, "maubot", maubot_peer.COMMAND, sizes, spawn, rooms=[first.room, *first.burst_rooms]
        )
    except BaseException:
        await peers.stop()
        raise
    return peers


async def _start(
    env: BenchEnv,
    name: str,
    command: str | None,
    sizes: Sizes,
    spawn: Callable[[], BotProcess],
    rooms: list[str] | None = None,
) -> tuple[Peer, float]:
    """Spawn a peer, ask as soon as it says it is ready, warm it up; return it and spawn → first answer.

    Without `rooms`, the peer's account (`env.echo` / `env.maubot`) is put into rooms of its own.
    """
    if rooms is None:
        account = env.echo if name == "echo" else env.maubot
        rooms = await env.rooms_with(env.alice, [account], max(2, sizes.burst_rooms + 1))
    process = spawn()
    await process.start()
    peer = Peer(name, process, rooms[0], rooms[1:], command)
    try:
        event_id = await env.alice.say(peer.room, peer.text("first"))
        _, arrived = await env.alice.first_reply(event_id)
        await reply_ms(env.alice, peer.room, [peer.text("warm up")] * 3)
    except BaseException:
        await process.stop()
        raise
    return peer, arrived - process.spawned_at


async def measure_floors(env: BenchEnv, sizes: Sizes, peers: Peers) -> Floors:
    [room] = await env.rooms_with(env.alice, [], members=[env.bob])
    relay = Spread.of(await relay_ms(env.alice, env.bob, room, sizes.relay))
    mention = Spread.of(await relay_ms(env.bob, env.alice, room, sizes.relay // 2, mention=True))
    echo = await _peer_floor(env, sizes, peers.echo, peers.echo_first_answer_s)
    maubot = None
    if peers.maubot is not None:
        assert peers.maubot_first_answer_s is not None and peers.maubot_ready_s is not None
        maubot = await _peer_floor(
            env, sizes, peers.maubot, peers.maubot_first_answer_s, peers.maubot_restart_first_answer_s
        )
        maubot = replace(maubot, ready_s=peers.maubot_ready_s)
    return Floors(relay, mention, echo, maubot)


async def _peer_floor(
    env: BenchEnv, sizes: Sizes, peer: Peer, first_answer_s: float, restart_s: float | None = None
) -> PeerFloor:
    replies = Spread.of(
        await reply_ms(env.alice, peer.room, (peer.text(f"reply {n}") for n in range(sizes.echo_replies)))
    )
    rss = await idle_rss_mb(peer.process)
    one_room = await burst(
        env.alice, [(peer.room, peer.text(f"burst {n}")) for n in range(sizes.burst_one_room)]
    )
    rooms = peer.burst_rooms
    many = await burst(
        env.alice, [(rooms[n % len(rooms)], peer.text(f"spread {n}")) for n in range(sizes.burst_many)]
    )
    ready = peer.process.ready_at - peer.process.spawned_at
    return PeerFloor(replies, one_room, many, rss, ready, first_answer_s, restart_s)
