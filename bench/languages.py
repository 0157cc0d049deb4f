"""What the languages cost in memory: a bot's idle RSS with rooms in all four languages in use,
against English only, and at start-up with rooms whose language is set but not yet used.

Each figure is a fresh process (`python -m bench.languages --child …`): the real core on the fake
transport (no homeserver: only the bot's own memory counts), every installed plugin, a few rooms
per language, each answering help, a poll read in its language, a vote and the settings; then the
garbage collected and VmRSS read, idle. A language's catalogs, CLDR data and dateparser's
language data load on its first use (matrixbot.i18n), so at start-up nothing should grow.

`python -m bench.languages` prints the figures without the rest of the bench.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.internals import FakeBot, FakeClock

LANGUAGES = ("en", "de", "es", "fr")
ROOMS = 3
"""Rooms per language."""
SAID = {  # a poll's options, and the word for "maybe", as each room's members write them
    "en": ("tomorrow 3pm", "Friday 3-4pm", "maybe"),
    "de": ("morgen 15 Uhr", "Freitag 15-16 Uhr", "vielleicht"),
    "es": ("mañana a las 15:00", "viernes de 15 a 16 h", "quizás"),
    "fr": ("demain 15h", "vendredi 15h-16h", "peut-être"),
}
ALICE, BOB = "@alice:x", "@bob:x"


@dataclass(frozen=True)
class LanguageMemory:
    """Median RSS (MB) of the runs: in use, English only and all four; at start-up, likewise."""

    english: float
    every: float
    start_english: float
    start_every: float

    @property
    def in_use_mb(self) -> float:
        return self.every - self.english

    @property
    def start_mb(self) -> float:
        return self.start_every - self.start_english


def rss_mb() -> float:
    gc.collect()
    with open("/proc/self/status") as status:
        line = next(row for row in status if row.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


async def _child(data: Path, languages: list[str], use: bool) -> float:
    """RSS after a bot in `data` set (or found) rooms in `languages` and, with `use`, spoke in them."""
    bot = await FakeBot.create(data, plugins=None, clock=FakeClock("2027-02-20 12:00", "Europe/London"))
    try:
        if use:
            for language in languages * ROOMS:
                room = bot.room(ALICE, BOB, admins=[ALICE])
                if language != "en":
                    await bot.say(room, ALICE, f"!set language {language}")
                first, second, maybe = SAID[language]
                await bot.say(room, ALICE, "!help")
                await bot.say(room, ALICE, f"!poll Call\n{first}\n{second}")
                await bot.say(room, BOB, f"!vote 1 {maybe} 2")
                await bot.say(room, BOB, "!settings")
        return rss_mb()
    finally:
        await bot.stop()


def _run(data: Path, languages: tuple[str, ...], use: bool) -> float:
    found = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.languages",
            "--child",
            str(data),
            ",".join(languages),
            *(["--use"] if use else []),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return float(found.stdout.strip().splitlines()[-1])


def language_memory(runs: int) -> LanguageMemory:
    """Each figure measured `runs` times, each in a fresh process on a fresh data directory."""
    samples: dict[str, list[float]] = {"english": [], "every": [], "start_english": [], "start_every": []}
    for _ in range(runs):
        for key, languages in (("english", ("en",) * 4), ("every", LANGUAGES)):
            with tempfile.TemporaryDirectory() as work:
                data = Path(work)
                samples[key].append(_run(data, languages, use=True))
                samples[f"start_{key}"].append(_run(data, languages, use=False))  # the same rooms, set
    return LanguageMemory(**{key: statistics.median(values) for key, values in samples.items()})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.languages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", nargs=2, metavar=("DATA", "LANGS"), help=argparse.SUPPRESS)
    parser.add_argument("--use", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if args.child:
        data, languages = args.child
        print(asyncio.run(_child(Path(data), languages.split(","), args.use)))
        return
    memory = language_memory(args.runs)
    print(f"idle RSS, English only:            {memory.english:7.1f} MB")
    print(f"idle RSS, de, en, es, fr in use:    {memory.every:7.1f} MB  (+{memory.in_use_mb:.1f} MB)")
    print(f"start-up RSS, rooms set, English:  {memory.start_english:7.1f} MB")
    print(f"start-up RSS, rooms set, all four: {memory.start_every:7.1f} MB  ({memory.start_mb:+.1f} MB)")


if __name__ == "__main__":
    main()
