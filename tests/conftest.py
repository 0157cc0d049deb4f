"""Project-only fixtures. The homeserver, account, chat, start_bot and fake_bot fixtures come from
matrixbot's pytest plugin (`matrixbot.testing.pytest_plugin`, registered under `pytest11`)."""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from matrixbot.calendar.http import CalendarRoutes, Request
from matrixbot.logsetup import QUIET_LOGGERS, SECRETS, setup_logging
from matrixbot.testing.synapse import Synapse


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """The process's logging as `matrixbot run` sets it up at DEBUG, written to a buffer."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, {n: logging.getLogger(n).level for n in QUIET_LOGGERS}
    setup_logging("DEBUG")
    buffer = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    yield buffer
    root.handlers[:], root.level = saved[0], saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test with a homeserver of its own needs one too: `-m "not synapse"` skips it as well."""
    for item in items:
        if "own_synapse" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.synapse)


@pytest.fixture
async def own_synapse(tmp_path: Path) -> AsyncIterator[Synapse]:
    """A homeserver of the test's own, for outages: the test may `stop()` and `start()` it again (same
    port, same database). The session's `synapse` is shared, so it must never be stopped."""
    server = Synapse(tmp_path / "hs")
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.stop)


_ADDRESSES = re.compile(r"/calendar/[A-Za-z0-9_-]+")


@pytest.fixture(autouse=True)
def no_calendar_serves_a_secret(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """Every feed and agenda page served anywhere in the suite is searched, after its test, for
    every secret the bot knows (each access code a meeting was given is registered with SECRETS,
    revealed or not): none may be in it. A feed address is a link anyone can be forwarded."""
    served: list[bytes] = []
    answer = CalendarRoutes.answer

    async def recorded(self: CalendarRoutes, request: Request) -> bytes:
        body = await answer(self, request)
        served.append(body)
        return body

    monkeypatch.setattr(CalendarRoutes, "answer", recorded)
    yield served
    for body in served:
        text = _ADDRESSES.sub(
            "", body.decode("utf-8", "replace")
        )  # addresses are masked in logs, not secret here
        assert SECRETS.mask(text) == text, f"a calendar served a secret: {body[:300]!r}"
