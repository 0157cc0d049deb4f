"""Helpers for room-calendar tests: a bot with its listener and a public address, an HTTP client
that sends exactly what it is given, and the two independent parsers of the feed: icalendar (with
recurring_ical_events to expand repeats) and Mozilla's ical.js on node, installed from the npm
registry into .cache/test-tools on first use (the bot itself never downloads anything)."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import icalendar
import pytest
import recurring_ical_events
from matrixbot.plugins.checkins import Checkins
from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings
from matrixbot.plugins.signups import Signups

from matrixbot.api.plugin import Plugin
from matrixbot.testing.fakebot import FakeBot
from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock
from tests.ops.test_processes import free_port

ROOT = Path(__file__).parents[2]
TOOLS = ROOT / ".cache" / "test-tools"
ICALJS_VERSION = "2.2.1"
BUILT_IN: list[type[Plugin]] = [Checkins, DatePoll, Meetings, Signups]
ALICE, BOB, CAROL = "@alice:x", "@bob:x", "@carol:x"
ADDRESS = re.compile(r"https?://\S+/calendar/[A-Za-z0-9_-]+\.ics")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    raw: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


async def calendar_bot(
    fake_bot: MakeFakeBot,
    clock: FakeClock,
    *,
    plugins: list[type[Plugin]] | None = None,
    public: bool = True,
    **settings: Any,
) -> FakeBot:
    """A bot whose listener serves room calendars at http://127.0.0.1:PORT (its public_url)."""
    port = free_port()
    return await fake_bot(
        plugins=BUILT_IN if plugins is None else plugins,
        clock=clock,
        http_listen=("127.0.0.1", port),
        http_public_url=f"http://127.0.0.1:{port}" if public else None,
        **settings,
    )


async def address_of(bot: FakeBot, room: str, user: str) -> str:
    """The feed address `!calendar` gives `user` (https form, ending in .ics)."""
    reply = await bot.say(room, user, "!calendar")
    found = ADDRESS.search(reply.body)
    assert found, reply.body
    return found.group()


async def get(url: str, headers: dict[str, str] | None = None, *, method: str = "GET") -> Answer:
    """One request, sent as given, and the whole answer (the listener closes the connection)."""
    rest = url.split("://", 1)[1]
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.rpartition(":")
    lines = [
        f"{method} /{path} HTTP/1.1",
        f"Host: {hostport}",
        *(f"{k}: {v}" for k, v in (headers or {}).items()),
    ]
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), 15)
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    found = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        found[name.strip().lower()] = value.strip()
    return Answer(int(status_line.split()[1]), found, body, raw)


def events(feed: bytes) -> dict[str, icalendar.Event]:
    """The feed's VEVENTs by UID, as icalendar reads them."""
    return {e.uid: e for e in icalendar.Calendar.from_ical(feed).events}


def expanded(feed: bytes, start: datetime, end: datetime) -> dict[str, list[datetime]]:
    """Each event's occurrences from start to end (UTC), expanded by recurring_ical_events."""
    calendar = icalendar.Calendar.from_ical(feed)
    found: dict[str, list[datetime]] = {}
    for occurrence in recurring_ical_events.of(calendar).between(start, end):
        found.setdefault(occurrence.uid, []).append(occurrence.start.astimezone(UTC))
    return {uid: sorted(times) for uid, times in found.items()}


def icaljs_module() -> Path:
    """ical.js's module file, installed on first use; the test is skipped only when node is missing."""
    if shutil.which("node") is None:
        pytest.skip(
            "node is not installed: the feed's second parser, Mozilla's ical.js, runs on node (.ci/run installs it)"
        )
    target = TOOLS / f"icaljs-{ICALJS_VERSION}"
    module = target / "node_modules" / "ical.js" / "dist" / "ical.js"
    if not module.exists():
        npm = shutil.which("npm")
        assert npm is not None, "node is installed but npm is not: install npm (.ci/run does)"
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(target),
                f"ical.js@{ICALJS_VERSION}",
                "--no-audit",
                "--no-fund",
                "--silent",
            ],
            check=True,
            timeout=300,
        )
    return module


async def icaljs_read(feed: bytes, start: datetime, end: datetime, tmp_path: Path) -> dict[str, Any]:
    """What ical.js reads in the feed: its name, and each event (by UID) with its occurrences
    from start to end as UTC datetimes, expanded by ical.js itself."""
    module = icaljs_module()
    path = tmp_path / "feed.ics"
    path.write_bytes(feed)
    script = Path(__file__).with_name("icaljs_expand.mjs")
    process = await asyncio.create_subprocess_exec(
        "node",
        str(script),
        str(module),
        str(path),
        start.isoformat(),
        end.isoformat(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    read: dict[str, Any] = json.loads(out)
    for event in read["events"].values():
        event["occurrences"] = [
            datetime.fromisoformat(t.replace("Z", "+00:00")) for t in event["occurrences"]
        ]
    return read
