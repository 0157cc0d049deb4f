"""One bench run: a throwaway homeserver, the floors and peers, then each part in turn; all cleaned up."""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import machine, report
from bench.calendar import feed_fetch_ms, feed_write_ms
from bench.env import BenchEnv
from bench.floods import measure_floods
from bench.floors import measure_floors, start_peers
from bench.judge import Calendar, Measured, figures
from bench.languages import language_memory
from bench.members import measure_member_bursts
from bench.parsing import poll_parse_ms
from bench.plot import plot_scaling
from bench.reminders import mass_reminders
from bench.replies import measure_empty_store
from bench.rooms import measure_rooms
from bench.scale import measure_scale
from bench.sizes import Sizes
from bench.stats import Figure, Spread

log = logging.getLogger("bench")
PARTS = ("replies", "mass", "scale", "floods", "rooms", "bursts", "parse", "calendar", "languages")


@dataclass(frozen=True)
class Outputs:
    results: Path
    """The JSON file of the run."""
    readme: Path | None = None
    """A README whose figures section is replaced (None: leave READMEs alone)."""
    plot: Path | None = None
    plot_link: str | None = None
    """How the README refers to the plot."""


async def _sample_load(loads: list[float], every_s: float = 10.0) -> None:
    """The machine's 1-minute load average every `every_s` seconds while the bots are measured."""
    while True:
        await asyncio.sleep(every_s)
        loads.append(machine.load_average())


async def run(
    sizes: Sizes, parts: Collection[str], outputs: Outputs, command: str, *, env: BenchEnv | None = None
) -> list[Figure]:
    """Measure, judge and write the outputs; `env` defaults to a homeserver of the run's own."""
    began = time.monotonic()
    env = env or BenchEnv()
    loads: list[float] = [machine.load_average()]
    sampler = asyncio.create_task(_sample_load(loads))
    try:
        await env.start()
        log.info("homeserver up at %s; starting the peers and measuring the floors", env.url)
        peers = await start_peers(env, sizes)
        try:
            measured = Measured(await measure_floors(env, sizes, peers))
            if "replies" in parts:
                log.info("our bot on an empty store: start-up, replies, bursts, reminders")
                measured.empty = await measure_empty_store(env, sizes, peers)
            if "mass" in parts:
                log.info("%d reminders due within %g s", sizes.mass_reminders, sizes.mass_window_s)
                measured.mass = await mass_reminders(env, sizes, peers.echo)
            if "scale" in parts:
                log.info("start-up and memory at store sizes %s", ", ".join(map(str, sizes.scale)))
                measured.scale = await measure_scale(env, sizes, peers.echo)
            if "floods" in parts:
                log.info(
                    "floods: %s; then %s made-up encrypted events",
                    ", ".join(f"{polls} polls over {rooms} rooms" for polls, rooms in sizes.flood_polls),
                    " and ".join(map(str, sizes.flood_unreadable)),
                )
                measured.floods = await measure_floods(env, sizes)
            if "rooms" in parts:
                log.info(
                    "start-up, memory and replies in %s joined rooms and one room of %d members",
                    ", ".join(map(str, sizes.rooms)),
                    sizes.crowd,
                )
                measured.rooms = await measure_rooms(env, sizes, peers.echo)
            if "bursts" in parts:
                # after every part that starts our bot: the members' rooms do not weigh on those starts
                log.info("bursts sent by %d members", sizes.burst_members)
                measured.members = await measure_member_bursts(env, sizes, peers)
        finally:
            await peers.stop()
    finally:
        sampler.cancel()
        await env.close()
    if "parse" in parts:
        measured.poll_parse_ms = Spread.of(poll_parse_ms(sizes.parse_runs))
    if "calendar" in parts:
        log.info("a room calendar of 1,000 items: written, and served")
        changed, unchanged = await feed_fetch_ms(sizes.calendar_runs)
        measured.calendar = Calendar(
            Spread.of(feed_write_ms(sizes.calendar_runs)), Spread.of(changed), Spread.of(unchanged)
        )
    if "languages" in parts:
        log.info("memory with rooms in four languages, against English only")
        measured.languages = language_memory(sizes.language_runs)
    found = figures(measured)
    run_info = {
        "command": command,
        "finished": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "duration_s": time.monotonic() - began,
        "machine": machine.describe(),
        "sizes": sizes.__dict__,
        "load average": {"min": min(loads), "median": statistics.median(loads), "max": max(loads)},
    }
    report.write_json(outputs.results, found, measured, run_info)
    plot = plot_scaling(measured.scale, outputs.plot) if measured.scale and outputs.plot else None
    if outputs.readme is not None:
        section = report.figures_section(found, measured, run_info, outputs.plot_link if plot else None)
        report.update_readme(outputs.readme, section)
    return found
