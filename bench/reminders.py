"""Reminder punctuality: when the person's client shows a reminder, against the time it was due.

Ten reminders are set through `!remind` like a person would; the thousand due within one minute
across fifty rooms are seeded into the store before the bot starts (see `seed.py`), and commands
are timed while they go out.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from bench import commands
from bench.clients import TimedClient
from bench.env import BenchEnv
from bench.floors import Echo
from bench.launch import Launched, launch
from bench.processes import cpu_seconds
from bench.seed import Reminder, create_schema, seed
from bench.sizes import Sizes
from bench.stats import Spread
from bench.timing import Paired, reply_ms
from matrixbot.testing.chat import Seen

#: After the last due time, how long a reminder may take before it counts as lost.
GRACE_S = 10.0


@dataclass(frozen=True)
class Punctuality:
    expected: int
    seen_once: int
    lost: int
    doubled: int
    client_late_ms: Spread
    """Due time to the person's sync delivering the reminder."""
    server_late_ms: Spread
    """Due time to the homeserver's timestamp on the reminder event."""


@dataclass(frozen=True)
class MassReminders:
    punctuality: Punctuality
    commands_meanwhile: Spread
    echo_meanwhile: Spread
    """The echo bot, paired with each of those commands: the floor under the same load."""
    window_s: float
    rooms: int
    bot_cpu_s: float
    """CPU the bot used from the first due time to the last (out of 2 × window on this machine)."""
    homeserver_cpu_s: float


async def ten_reminders(env: BenchEnv, started: Launched, room_id: str, sizes: Sizes) -> Punctuality:
    """Set `sizes.reminders` reminders with `!remind in N seconds`, spaced apart, and time their arrival."""
    tags = [f"tenrem-{n}" for n in range(sizes.reminders)]
    for n, tag in enumerate(tags):
        delay = sizes.reminder_lead_s + round(n * sizes.reminder_spacing_s)
        await reply_ms(env.alice, room_id, [f"!remind in {delay} seconds {tag}"])
    due = _due_times(started.db_path, "tenrem-%")
    return await _collect(env.alice, env.bot.user_id, due, "tenrem")


async def mass_reminders(env: BenchEnv, sizes: Sizes, echo: Echo) -> MassReminders:
    """`sizes.mass_reminders` reminders due within one window across `sizes.mass_rooms` rooms."""
    rooms = await env.rooms_with(env.alice, [env.bot], sizes.mass_rooms + 1)
    command_room, reminder_rooms = rooms[0], rooms[1:]
    rng = random.Random(10)
    reminders: list[Reminder] = []

    async def prepare(db_path: Path) -> None:
        await create_schema(db_path)
        first_due = time.time() + sizes.mass_lead_s
        reminders.extend(
            Reminder(
                reminder_rooms[n % len(reminder_rooms)],
                f"mass-{n}",
                round(first_due + rng.uniform(0, sizes.mass_window_s), 3),
            )
            for n in range(sizes.mass_reminders)
        )
        seed(db_path, creator=env.alice.user_id, reminders=reminders, now=time.time())

    started = await launch(env, "bot-mass", command_room, prepare=prepare)
    try:
        last_due = max(r.due_at for r in reminders)
        first_due = min(r.due_at for r in reminders)
        await asyncio.sleep(max(0.0, first_due - time.time()))
        cpu_before = started.process.cpu_s(), cpu_seconds(env.synapse_pid)
        meanwhile = await _commands_until(env.alice, command_room, echo.room, last_due)
        bot_cpu = started.process.cpu_s() - cpu_before[0]
        homeserver_cpu = cpu_seconds(env.synapse_pid) - cpu_before[1]
        due = {r.text: r.due_at for r in reminders}
        punctuality = await _collect(env.alice, env.bot.user_id, due, "mass")
    finally:
        await started.process.stop()
    return MassReminders(
        punctuality,
        Spread.of(meanwhile.bot),
        Spread.of(meanwhile.echo),
        sizes.mass_window_s,
        sizes.mass_rooms,
        bot_cpu,
        homeserver_cpu,
    )


async def _commands_until(client: TimedClient, room_id: str, echo_room: str, end: float) -> Paired:
    """Time commands (each paired with an echo) one after the other while reminders fall due."""
    paired = Paired()
    n = 0
    while time.time() < end:
        await paired.take(client, room_id, echo_room, [commands.BURST_MIX[n % len(commands.BURST_MIX)]])
        n += 1
        await asyncio.sleep(0.2)
    return paired


def _due_times(db_path: Path, pattern: str) -> dict[str, float]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT text, due_at FROM meetings_reminders WHERE text LIKE ?", (pattern,))
        return {text: due_at for text, due_at in rows}


async def _collect(client: TimedClient, bot_id: str, due: dict[str, float], prefix: str) -> Punctuality:
    """Wait until every reminder arrived (or the grace ran out), then judge them."""
    pattern = re.compile(rf"⏰ ({prefix}-\d+)\b")
    deadline = max(due.values()) + GRACE_S

    def tag_of(event: Seen) -> str | None:
        match = pattern.match(event.body)
        if event.sender != bot_id or event.reply_to is not None or match is None:
            return None
        return match.group(1) if match.group(1) in due else None

    arrived: set[str] = set()

    def all_arrived(event: Seen) -> bool:
        tag = tag_of(event)
        if tag is not None:
            arrived.add(tag)
        return len(arrived) == len(due)

    with contextlib.suppress(AssertionError):
        await client.wait_for(all_arrived, timeout=max(0.1, deadline - time.time()), after=0)
    await asyncio.sleep(1.0)  # a double would follow closely
    await client.until_synced()
    seen: dict[str, list[tuple[float, int]]] = {}
    for event in client.events():
        tag = tag_of(event)
        if tag is not None:
            seen.setdefault(tag, []).append((client.arrived[event.event_id], event.ts))
    firsts = {tag: min(times) for tag, times in seen.items()}
    return Punctuality(
        expected=len(due),
        seen_once=sum(1 for times in seen.values() if len(times) == 1),
        lost=len(due) - len(seen),
        doubled=sum(1 for times in seen.values() if len(times) > 1),
        client_late_ms=Spread.of([(arrived - due[tag]) * 1000 for tag, (arrived, _) in firsts.items()]),
        server_late_ms=Spread.of([(ts / 1000 - due[tag]) * 1000 for tag, (_, ts) in firsts.items()]),
    )
