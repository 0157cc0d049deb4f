"""Our bot on an empty store: start-up, memory, the first unparseable time, reply latency, bursts.

Reply latency is paired: each command to our bot is followed by the same text to the echo bot,
so both are measured under the same homeserver load (see `timing.Paired`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench import commands
from bench.env import BenchEnv
from bench.floors import Echo
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

    @classmethod
    def of(cls, paired: Paired) -> PairedSpread:
        return cls(Spread.of(paired.bot), Spread.of(paired.echo))


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


async def measure_empty_store(env: BenchEnv, sizes: Sizes, echo: Echo) -> EmptyStore:
    rooms = await env.rooms_with(env.alice, [env.bot], sizes.burst_rooms + 3)
    main, polls_room, reminders_room, burst_rooms = rooms[0], rooms[1], rooms[2], rooms[3:]
    started = await launch(env, "bot-empty", main)
    try:
        result = await _measure(env, sizes, echo, started, main, polls_room, reminders_room, burst_rooms)
    finally:
        await started.process.stop()
    again = await launch(env, "bot-empty", main)
    await again.process.stop()
    result.restart_first_answer_s = again.first_answer_s
    return result


async def _measure(
    env: BenchEnv,
    sizes: Sizes,
    echo: Echo,
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
    cpu_before = started.process.cpu_s(), echo.process.cpu_s()
    for name, text in MEASURED.items():
        room_id = polls_room if name.startswith("!poll") else main
        await reply_ms(alice, room_id, [text] * 2)  # warm: first use of a code path
        paired = Paired()
        await paired.take(alice, room_id, echo.room, [text] * sizes.replies_per_command)
        result.per_command[name] = PairedSpread.of(paired)
        everything.bot += paired.bot
        everything.echo += paired.echo
    result.all_commands = PairedSpread.of(everything)
    timed = len(MEASURED) * (sizes.replies_per_command + 2)
    result.bot_cpu_ms_per_command = 1000 * (started.process.cpu_s() - cpu_before[0]) / timed
    result.echo_cpu_ms_per_message = 1000 * (echo.process.cpu_s() - cpu_before[1]) / len(everything.echo)
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
