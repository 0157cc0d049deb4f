"""Our bot on an empty store: start-up, memory, the first unparseable time, reply latency, bursts.

Reply latency is paired: each command to our bot is followed by the same text to the echo bot and
by `!ping` to maubot, so all are measured under the same homeserver load (see `timing.Paired`).
Start-up and memory are measured with encryption on (as operators run it) and off (as maubot runs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench import commands
from bench.env import BenchEnv
from bench.floors import Peers
from bench.launch import Launched, idle_rss_mb, launch
from bench.reminders import Punctuality, ten_reminders
from bench.sizes import Sizes
from bench.stats import Spread
from bench.timing import Burst, Paired, burst, reply_ms

MEASURED = {
    "!help": commands.HELP,
    "!vote": commands.VOTE,
    "!meetings": commands.MEETINGS,
    "!poll (8 options)": commands.poll(),
}


@dataclass(frozen=True)
class PairedSpread:
    bot: Spread
    echo: Spread
    maubot: Spread | None = None

    @classmethod
    def of(cls, paired: Paired) -> PairedSpread:
        maubot = paired.peers.get("maubot")
        return cls(Spread.of(paired.bot), Spread.of(paired.echo), Spread.of(maubot) if maubot else None)


@dataclass(frozen=True)
class StartUp:
    """Spawn to first answer (the person asks at the "started" line), on a fresh store and a restart."""

    ready_s: float
    first_answer_s: float
    restart_first_answer_s: float
    idle_rss_mb: float


@dataclass
class EmptyStore:
    ready_s: float
    first_answer_s: float
    first_unparseable_ms: float
    idle_rss_mb: float
    rss_after_use_mb: float = 0.0
    per_command: dict[str, PairedSpread] = field(default_factory=dict)
    all_commands: PairedSpread | None = None
    burst_one_room: Burst | None = None
    burst_many: Burst | None = None
    reminders: Punctuality | None = None
    bot_cpu_ms_per_command: float = 0.0
    """CPU the bot process used per timed command (its own reply's sync included)."""
    echo_cpu_ms_per_message: float = 0.0
    restart_first_answer_s: float = 0.0
    """The same store started again: session and device kept, as an operator's restart."""
    unencrypted: StartUp | None = None
    """The same bot with `e2ee.enabled: false`: what encryption itself costs at start and in memory."""


async def measure_empty_store(env: BenchEnv, sizes: Sizes, peers: Peers) -> EmptyStore:
    rooms = await env.rooms_with(env.alice, [env.bot], sizes.burst_rooms + 3)
    main, polls_room, reminders_room, burst_rooms = rooms[0], rooms[1], rooms[2], rooms[3:]
    started = await launch(env, "bot-empty", main)
    try:
        result = await _measure(env, sizes, peers, started, main, polls_room, reminders_room, burst_rooms)
    finally:
        await started.process.stop()
    again = await launch(env, "bot-empty", main)
    await again.process.stop()
    result.restart_first_answer_s = again.first_answer_s
    result.unencrypted = await _start_up(env, "bot-unencrypted", main, e2ee=False)
    return result


async def _start_up(env: BenchEnv, name: str, room_id: str, *, e2ee: bool) -> StartUp:
    """A fresh store: first answer and idle memory; then the same store restarted."""
    first = await launch(env, name, room_id, e2ee=e2ee)
    try:
        rss = await idle_rss_mb(first.process)
    finally:
        await first.process.stop()
    again = await launch(env, name, room_id, e2ee=e2ee)
    await again.process.stop()
    return StartUp(first.ready_s, first.first_answer_s, again.first_answer_s, rss)


async def _measure(
    env: BenchEnv,
    sizes: Sizes,
    peers: Peers,
    started: Launched,
    main: str,
    polls_room: str,
    reminders_room: str,
    burst_rooms: list[str],
) -> EmptyStore:
    alice = env.alice
    [unparseable] = await reply_ms(alice, main, [commands.UNPARSEABLE])
    result = EmptyStore(
        started.ready_s, started.first_answer_s, unparseable, await idle_rss_mb(started.process)
    )
    # one open poll in each room where people vote, so `!vote` needs no id
    for room_id in (main, *burst_rooms):
        await reply_ms(alice, room_id, [commands.poll("Vote here")])
    everything = Paired()
    cpu_before = started.process.cpu_s(), peers.echo.process.cpu_s()
    for name, text in MEASURED.items():
        room_id = polls_room if name.startswith("!poll") else main
        await reply_ms(alice, room_id, [text] * 2)  # warm: first use of a code path
        paired = Paired()
        await paired.take(alice, room_id, peers.running, [text] * sizes.replies_per_command)
        result.per_command[name] = PairedSpread.of(paired)
        everything.extend(paired)
    result.all_commands = PairedSpread.of(everything)
    timed = len(MEASURED) * (sizes.replies_per_command + 2)
    result.bot_cpu_ms_per_command = 1000 * (started.process.cpu_s() - cpu_before[0]) / timed
    result.echo_cpu_ms_per_message = (
        1000 * (peers.echo.process.cpu_s() - cpu_before[1]) / len(everything.echo)
    )
    mix = commands.BURST_MIX
    result.burst_one_room = await burst(
        alice, [(main, mix[n % len(mix)]) for n in range(sizes.burst_one_room)]
    )
    result.burst_many = await burst(
        alice,
        [
            (burst_rooms[n % len(burst_rooms)], mix[n // len(burst_rooms) % len(mix)])
            for n in range(sizes.burst_many)
        ],
    )
    result.reminders = await ten_reminders(env, started, reminders_room, sizes)
    result.rss_after_use_mb = started.process.rss_mb()
    return result
