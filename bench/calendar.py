"""A room calendar of 1,000 items, in this process: the feed written as iCalendar (what the
listener does, off its event loop, whenever a feed changed), and whole fetches over HTTP from a bot
whose plugin offers those items: one after an item changed (gathered, reconciled, one version
recorded, written) and one the app has already (a 304).

The items are a room's worth of everything: weekly meetings with skips, one-off meetings with call
links, gatherings (some all-day) with places, and deadlines, across four zones.

`python -m bench.calendar` prints the figures without the rest of the bench.
"""

from __future__ import annotations

import asyncio
import re
import socket
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

from bench.internals import FakeBot, FakeClock
from matrixbot import CalendarItem, Plugin, Recurrence
from matrixbot.calendar.ics import render_ics
from matrixbot.calendar.ledger import Entry, fingerprint, to_json

COUNT = 1000
NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)
ZONES = ("Europe/London", "Europe/Berlin", "America/New_York", "UTC")


def room_items(count: int = COUNT) -> list[CalendarItem]:
    items = []
    for n in range(count):
        zone = ZONES[n % len(ZONES)]
        start = NOW + timedelta(days=n % 300, hours=n % 9)
        kind = n % 4
        if kind == 0:
            weekly = Recurrence("WEEKLY", 1 + n % 2)
            skipped = tuple(weekly.occurrences(start, start, 3)[1:])
            items.append(
                CalendarItem(
                    f"M{n}",
                    f"Planning call {n}",
                    start,
                    start + timedelta(hours=1),
                    zone,
                    kind="meeting",
                    repeat=weekly,
                    skipped=skipped,
                    url=f"https://meet.example.coop/{n}",
                    details=f"Repeats {weekly.describe()}.",
                )
            )
        elif kind == 1:
            items.append(
                CalendarItem(
                    f"M{n}",
                    f"Budget review, round {n}; bring figures",
                    start,
                    start + timedelta(minutes=90),
                    zone,
                    kind="meeting",
                    url=f"https://meet.example.coop/{n}",
                )
            )
        elif kind == 2:
            items.append(
                CalendarItem(
                    f"S{n}",
                    f"Repair café № {n}",
                    start,
                    start + timedelta(days=1 if n % 8 == 2 else 0, hours=3),
                    zone,
                    kind="gathering",
                    all_day=n % 8 == 2,
                    place="Town hall, 1 High St, Leeds",
                    details=f"{n % 30} of 30 places left.\nSign up in the room: !signup attend S{n}",
                )
            )
        else:
            items.append(
                CalendarItem(
                    f"P{n}",
                    f"Poll closes: Spring social {n}",
                    start,
                    start,
                    zone,
                    kind="poll deadline",
                    busy=False,
                    details="Vote in the room before then: !vote P3 N…\nOptions:\n1. Fri 22 Mar\n2. Sat 23 Mar",
                )
            )
    return items


def entries(items: list[CalendarItem]) -> list[Entry]:
    return [Entry(f"{i.key}.bench.bot@bench", i, 1, NOW, False, fingerprint(to_json(i))) for i in items]


def feed_write_ms(runs: int, count: int = COUNT) -> list[float]:
    """Milliseconds to write the feed of `count` items (after a first write has cached the VTIMEZONEs)."""
    written = sorted(entries(room_items(count)), key=lambda e: (e.item.start, e.uid))
    render_ics("Bench room", "Europe/London", written, NOW.year + 10)
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        render_ics("Bench room", "Europe/London", written, NOW.year + 10)
        samples.append((time.perf_counter() - began) * 1000)
    return samples


class Offering(Plugin):
    """Offers the bench's items for every room."""

    name = "bench"
    offered: ClassVar[list[CalendarItem]] = []

    async def calendar_items(self, room_id: str, start: datetime, end: datetime) -> list[CalendarItem]:
        return list(Offering.offered)


async def feed_fetch_ms(runs: int, count: int = COUNT) -> tuple[list[float], list[float]]:
    """Milliseconds of whole fetches over HTTP (connect to last byte): after one item changed, and
    unchanged since (If-None-Match: 304)."""
    Offering.offered = room_items(count)
    changed, unchanged = [], []
    with tempfile.TemporaryDirectory() as work:
        bot = await _bot(Path(work))
        try:
            room = bot.room("@alice:bench", "@bob:bench")
            url = await _address(bot, room)
            status, etag = await _fetch(url, None)  # the first fetch records every item
            for n in range(runs):
                if n % 5 == 4:  # an address may be fetched 20 times at once (rate limit): take a new one
                    url = await _address(bot, room)
                first = Offering.offered[0]
                Offering.offered[0] = CalendarItem(
                    first.key, f"{first.title} ({n})", first.start, first.end, first.zone
                )
                began = time.perf_counter()
                status, etag = await _fetch(url, etag)
                changed.append((time.perf_counter() - began) * 1000)
                assert status == 200, status
                began = time.perf_counter()
                status, _ = await _fetch(url, etag)
                unchanged.append((time.perf_counter() - began) * 1000)
                assert status == 304, status
        finally:
            await bot.stop()
    return changed, unchanged


async def _bot(work: Path) -> FakeBot:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return await FakeBot.create(
        work,
        plugins=[Offering],
        clock=FakeClock(NOW),
        http_listen=("127.0.0.1", port),
        http_public_url=f"http://127.0.0.1:{port}",
    )


async def _address(bot: FakeBot, room: str) -> str:
    reply = await bot.say(room, "@bob:bench", "!calendar")
    found = re.search(r"http://\S+\.ics", reply.body)
    assert found, reply.body
    return found.group()


async def _fetch(url: str, etag: str | None) -> tuple[int, str]:
    hostport, _, path = url.removeprefix("http://").partition("/")
    host, _, port = hostport.partition(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    match = f"If-None-Match: {etag}\r\n" if etag else ""
    writer.write(f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\n{match}\r\n".encode())
    answer = await reader.read()
    writer.close()
    head = answer.partition(b"\r\n\r\n")[0].decode()
    tag = re.search(r"ETag: (\S+)", head)
    return int(head.split()[1]), tag.group(1) if tag else ""


if __name__ == "__main__":
    from bench.stats import Spread

    written = Spread.of(feed_write_ms(50))
    changed, unchanged = asyncio.run(feed_fetch_ms(20))
    print(f"{COUNT} items: written p50 {written.p50:.1f} ms, max {written.max:.1f} ms (n={written.n})")
    print(f"served after a change: p50 {Spread.of(changed).p50:.1f} ms, max {max(changed):.1f} ms")
    print(f"served unchanged (304): p50 {Spread.of(unchanged).p50:.1f} ms, max {max(unchanged):.1f} ms")
