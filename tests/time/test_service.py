"""Parsing times is bounded and never runs on the event loop: one member cannot freeze every room."""

from __future__ import annotations

import asyncio
import time

import pytest
from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.datepoll.parse import split_busy
from matrixbot.plugins.meetings import Meetings
from matrixbot.plugins.meetings.parse import parse_reminder

from matrixbot.errors import TimeParseError, UserError
from matrixbot.matrix.events import RoomEvent
from matrixbot.testing.fakebot import FakeBot
from matrixbot.time import MAX_TIME_TEXT, MAX_TIME_WORDS, TOO_SLOW, FakeClock, TimeParser, TimeService

ZONE = "Europe/London"
CLOCK = FakeClock("2024-02-20 12:00", ZONE)
ONES = " ".join(["1"] * 600) + " x"
"""The message that froze every room for ~20 s: `!remind 1 1 1 … x`, 600 words."""


class CountingParser(TimeParser):
    def __init__(self) -> None:
        super().__init__(CLOCK)
        self.calls = 0

    def parse(self, text: str, zone: str, *, future: bool = True):  # type: ignore[no-untyped-def]
        self.calls += 1
        return super().parse(text, zone, future=future)


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


async def test_parsing_runs_off_the_event_loop() -> None:
    service = TimeService(TimeParser(CLOCK))
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        assert await service.read(lambda p: time.sleep(0.3) or "done") == "done"
    finally:
        ticker.cancel()
        service.close()
    assert ticks >= 5, "the event loop stood still while a time was parsed"


class SlowDateparser(TimeParser):
    """Every dateparser read takes 0.1 s: a stand-in for an input that is slow to parse."""

    def _read(self, text, ctx):  # type: ignore[no-untyped-def]
        from matrixbot.time import budget as timebudget

        timebudget.check()
        time.sleep(0.1)
        return super()._read(text, ctx)


async def test_a_parse_over_budget_stops_and_says_so() -> None:
    service = TimeService(SlowDateparser(CLOCK), budget=0.25)
    await service.warm()
    try:
        start = time.perf_counter()
        with pytest.raises(TimeParseError) as caught:
            await service.read(lambda p: parse_reminder(ONES, p, ZONE, CLOCK.now()))
        assert caught.value.message == TOO_SLOW
        stopped = time.perf_counter() - start
        assert await service.read(lambda p: "free") == "free", "the worker is free again"
        assert stopped < 12 * 0.1, "the budget stopped the search part-way"
    finally:
        service.close()


@pytest.fixture
async def bot(tmp_path):
    fake = await FakeBot.create(
        tmp_path, plugins=[DatePoll, Meetings], clock=FakeClock("2024-02-20 12:00", ZONE)
    )
    yield fake
    await fake.stop()


def _slow_dateparser(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    from dateparser.date import DateDataParser

    original = DateDataParser.get_date_data

    def slow(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(seconds)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(DateDataParser, "get_date_data", slow)


async def test_a_slow_parse_does_not_delay_another_room(bot, monkeypatch) -> None:
    """While one room's `!remind` is parsed (slowly), another room's `!help` is answered at once."""
    first, other = bot.room("@alice:x"), bot.room("@bob:x")
    await bot.say(first, "@alice:x", "!remind tomorrow 9am warm up")  # dateparser loaded, worker warm
    _slow_dateparser(monkeypatch, 0.15)
    order: list[str] = []

    async def say(room: str, who: str, text: str, label: str) -> None:
        await bot.say(room, who, text)
        order.append(label)

    slow = asyncio.create_task(say(first, "@alice:x", "!remind tomorrow 9am tea", "remind"))
    await asyncio.sleep(0.02)
    await say(other, "@bob:x", "!help", "help")
    await slow
    assert order == ["help", "remind"], "another room's !help waited for the time parser"


async def test_a_command_over_budget_is_answered_and_not_repeated(bot, monkeypatch) -> None:
    room = bot.room("@alice:x")
    await bot.say(room, "@alice:x", "!remind tomorrow 9am warm up")
    _slow_dateparser(monkeypatch, 0.2)
    event = RoomEvent(
        "$slow", room, "@alice:x", "m.room.message", {"msgtype": "m.text", "body": f"!remind {ONES}"}
    )
    before = len(bot.fake.posted)
    await bot.dispatcher.handle(event)
    [answer] = bot.fake.posted[before:]
    assert answer.body.startswith("I could not read a time in that"), answer.body
    await bot.dispatcher.handle(event)  # handled again (a replay): the same answer, not a second one
    assert len(bot.fake.posted) == before + 1
    assert await bot.db.fetch_value("SELECT COUNT(*) FROM meetings_reminders") == 1
