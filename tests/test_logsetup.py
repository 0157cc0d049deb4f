"""No secret in the log at any level: libraries that echo what the bot handles are held back, and
the secret filter masks every access code the meetings plugin knows. No flood either: repeats are
held back and counted."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from matrixbot.plugins.meetings import Meetings

from matrixbot.logsetup import BURST, SECRETS, TOTAL, BoundedHandler, say_held_back, setup_logging
from matrixbot.testing.fakebot import FakeBot
from matrixbot.time import FakeClock

CODE = "582913"


async def test_the_whole_meeting_flow_at_debug_logs_no_code_and_no_command_text(tmp_path, debug_log):
    clock = FakeClock("2024-02-20 12:00", "Europe/London")
    bot = await FakeBot.create(tmp_path, plugins=[Meetings], clock=clock)
    try:
        room = bot.room("@alice:x", "@bob:x")
        made = await bot.say(
            room,
            "@alice:x",
            f"!meeting Board call\nwhen: tomorrow 3pm\nurl: https://meet.example.coop/b\ncode: {CODE}\n"
            "remind: 10 minutes",
        )
        assert "M1" in made.body
        assert "Board call" in (await bot.say(room, "@bob:x", "!meetings")).body
        assert (
            "Updated M1" in (await bot.say(room, "@alice:x", "!meeting edit M1\ntitle: Board meeting")).body
        )
        await bot.say(room, "@bob:x", "!meeting ics M1")
        clock.advance(timedelta(hours=26, minutes=50))
        assert any(CODE in p.body for p in await bot.run_due()), "the reminder reveals the code"
    finally:
        await bot.stop()
    text = debug_log.getvalue()
    leaks = [line for line in text.splitlines() if CODE in line or "Board" in line]
    assert not leaks, f"{len(leaks)} of {len(text.splitlines())} DEBUG log lines show user text: {leaks[:2]}"
    assert "DEBUG matrixbot.engine.dispatch: command 'meeting'" in text, "the log was at DEBUG"


async def test_codes_stored_before_a_start_and_set_by_direct_message_are_masked(tmp_path, monkeypatch):
    monkeypatch.setattr(SECRETS, "_secrets", set())
    bot = await FakeBot.create(tmp_path, plugins=[Meetings])
    room = bot.room("@alice:x", "@bob:x")
    await bot.say(room, "@alice:x", f"!meeting Call\nwhen: tomorrow 3pm\ncode: {CODE}")
    await bot.stop()

    monkeypatch.setattr(SECRETS, "_secrets", set())
    bot = await FakeBot.create(tmp_path, plugins=[Meetings])
    try:
        assert CODE not in SECRETS.mask(f"failed with {CODE}"), "a stored code is masked from the start"
        direct = bot.room("@alice:x")  # the bot and one person: a direct chat
        set_code = await bot.say(direct, "@alice:x", "!meeting code M1 440917")
        assert "is set" in set_code.body
        assert "440917" not in SECRETS.mask("code 440917"), "a code set by direct message is masked"
    finally:
        await bot.stop()


@pytest.fixture
def root_log() -> Iterator[io.StringIO]:
    """The process's logging as `matrixbot run` sets it up at INFO, written to a buffer."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    setup_logging("INFO")
    buffer = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    yield buffer
    handler.close()
    root.handlers[:], root.level = saved


def test_a_thousand_repeats_are_ten_lines_and_a_count(root_log):
    log = logging.getLogger("matrixbot.test")
    for n in range(1000):
        log.warning("could not read a message from %s", f"@mallory{n}:x")
    say_held_back()  # as `matrixbot run` does before its last line
    lines = root_log.getvalue().splitlines()
    assert len(lines) == BURST + 1, lines[:3]
    assert lines[-1].endswith(
        "… 990 more in the last minute like: could not read a message from @mallory999:x"
    )


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def bounded(ticks: Ticks) -> tuple[logging.Logger, io.StringIO]:
    handler = BoundedHandler(now=ticks)
    buffer = io.StringIO()
    handler.setStream(buffer)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    log = logging.getLogger(f"test.bounded.{id(ticks)}")
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(logging.DEBUG)
    return log, buffer


def test_the_count_comes_when_the_minute_is_over_and_a_new_minute_starts_afresh():
    ticks = Ticks()
    log, out = bounded(ticks)
    for n in range(BURST + 312):
        log.warning("sync failed (%d); retrying", n)
        ticks.now += 0.1
    ticks.now = 61
    log.warning("sync failed (%d); retrying", 999)
    lines = out.getvalue().splitlines()
    assert lines[BURST:] == [
        "WARNING … 312 more in the last minute like: sync failed (321); retrying",
        "WARNING sync failed (999); retrying",
    ]


def test_all_kinds_together_are_bounded_too():
    """A message built with an f-string is a kind of its own each time: the total cap holds."""
    ticks = Ticks()
    log, out = bounded(ticks)
    for n in range(TOTAL + 50):
        log.info(f"joined room {n}")
    log.handlers[0].close()
    lines = out.getvalue().splitlines()
    assert len(lines) == TOTAL + 1
    assert lines[-1] == f"INFO … 50 more in the last minute of all kinds, the last: joined room {TOTAL + 49}"


def test_debug_is_not_held_back_and_the_count_masks_secrets(monkeypatch):
    monkeypatch.setattr(SECRETS, "_secrets", {"hunter22"})
    ticks = Ticks()
    log, out = bounded(ticks)
    for _ in range(BURST + 5):
        log.debug("step")
        log.error("login with hunter22 failed")
    log.handlers[0].close()
    text = out.getvalue()
    assert text.count("DEBUG step") == BURST + 5
    assert "hunter22" not in text
    assert text.splitlines()[-1] == "ERROR … 5 more in the last minute like: login with •••••• failed"
