"""What the database engine costs a command: the real core and plugins over the fake transport
(`FakeBot`, no homeserver), with its state in the SQLite file (WAL, synchronous=FULL), and in
PostgreSQL on loopback (a throwaway server from the machine's own binaries): durable (fsync on,
its defaults), and with fsync off as in the tests (the round trips and the SQL without a disk).

Each command is handled as a sync hands it over: its event stored in the inbox with the sync
token (one transaction), then dispatched, its answer posted, its event marked done. A write is
`!remind in 2 hours …` (a reminder, its job, the answer); a read is `!reminders` (the room's list).

`python -m bench.engines [COUNT]` prints p50 and p95 per command for each engine (~20 s).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from matrixbot.plugins.meetings import Meetings

from bench.internals import FakeBot, FakeClock
from matrixbot.matrix.events import RoomEvent
from matrixbot.testing.postgres import running

ALICE = "@alice:x"


async def timings(folder: Path, count: int, **settings: Any) -> dict[str, list[float]]:
    bot = await FakeBot.create(folder, plugins=[Meetings], clock=FakeClock("2027-03-01 10:00"), **settings)
    room = bot.room(ALICE)
    took: dict[str, list[float]] = {"write": [], "read": []}
    try:
        for n in range(count):
            for kind, text in (("write", f"!remind in 2 hours tea {n}"), ("read", "!reminders")):
                event = bot.backlog_event(
                    room,
                    ALICE,
                    "m.room.message",
                    {"msgtype": "m.text", "body": text},
                    sent_at=bot.clock.now(),
                )
                started = time.perf_counter()
                stored: RoomEvent = await event
                await bot.parts.dispatcher.handle(stored)
                await bot.parts.inbox.mark_done(stored)
                await bot.parts.inbox.flush()
                took[kind].append(time.perf_counter() - started)
    finally:
        await bot.stop()
    return took


def line(engine: str, took: dict[str, list[float]]) -> str:
    parts = []
    for kind, values in took.items():
        values = values[len(values) // 10 :]  # the first tenth warms caches
        p50 = statistics.median(values) * 1000
        p95 = statistics.quantiles(values, n=20)[18] * 1000
        parts.append(f"{kind} p50 {p50:.2f} ms, p95 {p95:.2f} ms")
    return f"{engine:<13} {'; '.join(parts)}"


async def main(count: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-engines-"))
    print(line("SQLite", await timings(folder / "sqlite", count)))
    for durable, name in ((True, "PostgreSQL"), (False, "PG, no fsync")):
        with running(durable=durable) as server:
            url = server.create_database()
            print(line(name, await timings(folder / name.replace(" ", ""), count, database=url)))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
