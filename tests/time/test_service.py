"""Parsing times is bounded and never runs on the event loop: one member cannot freeze every room."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.datepoll.parse import split_busy
from matrixbot.plugins.meetings import Meetings
from matrixbot.plugins.meetings.parse import parse_reminder

from matrixbot.errors import TimeParseError, UserError
from matrixbot.testing.fakebot import FakeBot
from matrixbot.time import MAX_TIME_TEXT, MAX_TIME_WORDS, TOO_SLOW, FakeClock, TimeParser, TimeService, When
from matrixbot.time import budget as timebudget

ZONE = "Europe/London"
CLOCK = FakeClock("2024-02-20 12:00", ZONE)
ONES = " ".join(["1"] * 600) + " x"
"""The message that froze every room for ~20 s: `!remind 1 1 1 … x`, 600 words."""


class CountingParser(TimeParser):
    def __init__(self) -> None:
        super().__init__(CLOCK)
        self.calls = 0

    def parse(
        self,
        text: str,
        zone: str,
        *,
        future: bool = True,
        near: Sequence[date] = (),
        now: datetime | None = None,
    ) -> When:
        self.calls += 1
        return super().parse(text, zone, future=future, near=near, now=now)


def test_the_search_for_a_time_tries_a_bounded_number_of_spans() -> None:
    """Each leading (or trailing) run of words was tried: 599 dateparser reads, quadratic in all."""
    parser = CountingParser()
    with pytest.raises(UserError, match="At what time"):
        parse_reminder(ONES, parser, ZONE, CLOCK.now())
    assert parser.calls <= MAX_TIME_WORDS
    parser.calls = 0
    with pytest.raises(UserError, match="I could not find a date"):
        split_busy(ONES, parser, ZONE)
    assert parser.calls <= MAX_TIME_WORDS
    assert parse_reminder("tomorrow 9am " + ONES, parser, ZONE, CLOCK.now()).text == ONES


@pytest.mark.parametrize(
    "read",
    [
        lambda p, text: p.parse(text, ZONE),
        lambda p, text: p.parse_duration(text),
        lambda p, text: p.parse_durations(text),
        lambda p, text: p.parse_period(text),
    ],
)
def test_a_time_field_has_a_length_limit_and_says_so(read) -> None:
    with pytest.raises(
        TimeParseError, match=f"at most {MAX_TIME_TEXT} characters long, and that one has 1,201"
    ):
        read(TimeParser(CLOCK), ONES)


def test_other_digits_are_refused_by_name() -> None:
    """dateparser reads Arabic-Indic digits ("١٥:٠٠" was 15:00); the bot's other parsers did not."""
    parser = TimeParser(CLOCK)
    for text in ("at ١٥:٠٠", "tomorrow ３pm", "in ² minutes"):
        with pytest.raises(TimeParseError, match="Write numbers with the digits 0 to 9"):
            parser.parse(text, ZONE)


@pytest.fixture
def budget_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The clock the parse budget is measured on, moved by hand: a "slow" read advances it instead
    of sleeping, so the budget is tested without waiting and without depending on the machine's load."""
    clock = FakeClock(CLOCK.now())
    monkeypatch.setattr(timebudget, "time", SimpleNamespace(monotonic=lambda: clock.now().timestamp()))
    return clock


async def test_parsing_runs_off_the_event_loop() -> None:
    """The parse waits for the event loop to act: on the loop itself it would wait in vain."""
    service = TimeService(TimeParser(CLOCK))
    loop = asyncio.get_running_loop()
    parsing, loop_ran = asyncio.Event(), threading.Event()

    def parse(p: TimeParser) -> bool:
        loop.call_soon_threadsafe(parsing.set)
        return loop_ran.wait(timeout=10)

    try:
        reading = asyncio.create_task(service.read(parse))
        await asyncio.wait_for(parsing.wait(), 10)
        loop_ran.set()
        assert await reading, "the event loop stood still while a time was parsed"
    finally:
        service.close()


class SlowDateparser(TimeParser):
    """Every dateparser read takes 0.1 s of the budget's clock: a stand-in for an input that is slow to parse."""

    def __init__(self, clock: FakeClock, budget_clock: FakeClock) -> None:
        super().__init__(clock)
        self.budget_clock = budget_clock
        self.reads = 0

    def _read(self, text, ctx):
        timebudget.check()
        self.reads += 1
        self.budget_clock.advance(0.1)
        return super()._read(text, ctx)


async def test_a_parse_over_budget_stops_and_says_so(budget_clock: FakeClock) -> None:
    parser = SlowDateparser(CLOCK, budget_clock)
    service = TimeService(parser, budget=0.25)
    await service.warm()
    parser.reads = 0
    try:
        with pytest.raises(TimeParseError) as caught:
            await service.read(lambda p: parse_reminder(ONES, p, ZONE, CLOCK.now()))
        assert caught.value.message == TOO_SLOW
        assert parser.reads == 3, "the search stops at the first read after the budget (0.25 s) is spent"
        assert await service.read(lambda p: "free") == "free", "the worker is free again"
    finally:
        service.close()


@pytest.fixture
async def bot(tmp_path):
    fake = await FakeBot.create(
        tmp_path, plugins=[DatePoll, Meetings], clock=FakeClock("2024-02-20 12:00", ZONE)
    )
    yield fake
    await fake.stop()


def _patch_dateparser(monkeypatch: pytest.MonkeyPatch, before: Callable[[], object]) -> None:
    """Call `before()` ahead of each dateparser read (to hold it, or to spend budget time)."""
    from dateparser.date import DateDataParser

    original = DateDataParser.get_date_data

    def patched(self: DateDataParser, *args: Any, **kwargs: Any) -> Any:
        before()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(DateDataParser, "get_date_data", patched)


async def test_a_slow_parse_does_not_delay_another_room(bot, monkeypatch) -> None:
    """While one room's `!remind` is parsed (held in dateparser), another room's `!help` is answered."""
    first, other = bot.room("@alice:x"), bot.room("@bob:x")
    await bot.say(first, "@alice:x", "!remind tomorrow 9am warm up")  # dateparser loaded, worker warm
    loop = asyncio.get_running_loop()
    parsing, release = asyncio.Event(), threading.Event()

    def hold() -> None:
        loop.call_soon_threadsafe(parsing.set)
        release.wait(timeout=10)

    _patch_dateparser(monkeypatch, hold)
    order: list[str] = []

    async def say(room: str, who: str, text: str, label: str) -> None:
        await bot.say(room, who, text)
        order.append(label)

    slow = asyncio.create_task(say(first, "@alice:x", "!remind tomorrow 9am tea", "remind"))
    try:
        await asyncio.wait_for(parsing.wait(), 10)
        await say(other, "@bob:x", "!help", "help")
    finally:
        release.set()
    await slow
    assert order == ["help", "remind"], "another room's !help waited for the time parser"


async def test_a_command_over_budget_is_answered_and_not_repeated(bot, monkeypatch, budget_clock) -> None:
    room = bot.room("@alice:x")
    await bot.say(room, "@alice:x", "!remind tomorrow 9am warm up")
    _patch_dateparser(monkeypatch, lambda: budget_clock.advance(0.2))
    [answer] = await bot.send(
        room, "@alice:x", "m.room.message", {"msgtype": "m.text", "body": f"!remind {ONES}"}
    )
    assert answer.body.startswith("I could not read a time in that"), answer.body
    assert await bot.replay(answer) == []  # handled again (a replay): the same answer, not a second one
    assert await bot.database.fetch_value("SELECT COUNT(*) FROM meetings_reminders") == 1
