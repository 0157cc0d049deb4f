"""A scheduled post is judged late when it goes out, not when its job started, and says why.

Through the real core on the fake transport: the homeserver "fails" a few sends while the bot's
clock moves on, as a real outage would.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import aiohttp
import nio
import pytest
from matrixbot.plugins.meetings import Meetings

from matrixbot.engine.lanes import Lanes
from matrixbot.matrix.outages import (
    FAILING_CAP,
    UNREACHABLE_CAP,
    Backoff,
    Kind,
    OutageLog,
    Trouble,
    trouble_from_exception,
    trouble_from_response,
)
from matrixbot.matrix.posting import SendWindow
from matrixbot.testing.fakebot import FakeBot
from matrixbot.time import FakeClock
from tests.matrix.answers import error_answer


@pytest.fixture
async def bot(tmp_path):
    clock = FakeClock("2024-02-20 12:00", "Europe/London")
    fake = await FakeBot.create(tmp_path, plugins=[Meetings], clock=clock)
    fake.parts.sender.first_retry = 0.001  # real seconds between tries; the fake clock says how late it is
    yield fake
    await fake.stop()


def failing_sends(bot: FakeBot, failures: list[Any], step: timedelta) -> None:
    """The next sends fail as listed (an exception is raised, a response returned), each one
    `step` later on the bot's clock; then sends succeed again."""
    real = bot.fake.send

    async def room_send(*args: Any, **kwargs: Any) -> Any:
        if failures:
            failure = failures.pop(0)
            bot.clock.advance(step)
            if isinstance(failure, BaseException):
                raise failure
            return failure
        return await real(*args, **kwargs)

    bot.fake.send = room_send  # type: ignore[method-assign]


def late_line(body: str) -> str | None:
    return next((line for line in body.splitlines() if line.startswith("This reminder was due")), None)


async def set_reminder(bot: FakeBot, room: str) -> None:
    await bot.say(room, "@alice:x", "!remind in 10 minutes stand-up")
    bot.clock.advance(timedelta(minutes=10))


async def test_on_time_reminder_has_no_late_note(bot):
    room = bot.room("@alice:x")
    await set_reminder(bot, room)
    [posted] = await bot.run_due()
    assert "stand-up" in posted.body and late_line(posted.body) is None


async def test_reminder_held_up_by_an_unreachable_homeserver_is_marked_late_with_the_reason(bot):
    room = bot.room("@alice:x")
    await set_reminder(bot, room)
    failing_sends(bot, [aiohttp.ClientConnectionError("refused")] * 3, timedelta(seconds=30))
    [posted] = await bot.run_due()
    line = late_line(posted.body)
    assert line is not None, f"posted 90 s after due, yet not marked late: {posted.body!r}"
    assert line == "This reminder was due Tue 20 Feb 2024, 12:10 GMT; the homeserver was unreachable."


async def test_reminder_held_up_by_rate_limiting_says_so(bot):
    room = bot.room("@alice:x")
    await set_reminder(bot, room)
    limited = nio.RoomSendError("Too many requests", "M_LIMIT_EXCEEDED", retry_after_ms=1)
    failing_sends(bot, [limited, limited], timedelta(seconds=40))
    [posted] = await bot.run_due()
    assert late_line(posted.body) == (
        "This reminder was due Tue 20 Feb 2024, 12:10 GMT; the homeserver was rate limiting the bot."
    )


async def test_a_short_hiccup_is_not_late(bot):
    room = bot.room("@alice:x")
    await set_reminder(bot, room)
    failing_sends(bot, [aiohttp.ServerDisconnectedError()], timedelta(seconds=20))
    [posted] = await bot.run_due()
    assert late_line(posted.body) is None, "20 s past due is on time (late means over a minute)"


async def test_late_with_no_trouble_seen_says_what_held_it_up(bot):
    room = bot.room("@alice:x")
    await bot.say(room, "@alice:x", "!remind in 10 minutes stand-up")
    bot.clock.advance(timedelta(minutes=12))  # e.g. every job slot was busy with slow handlers
    [posted] = await bot.run_due()
    assert late_line(posted.body) == (
        "This reminder was due Tue 20 Feb 2024, 12:10 GMT; the bot was busy with earlier work."
    ), "it started 2 minutes after its time, and nothing failed meanwhile"


async def test_a_meeting_reminder_judges_lateness_when_it_goes_out(bot):
    room = bot.room("@alice:x")
    await bot.say(room, "@alice:x", "!meeting Call\nwhen: today 3pm\nremind: 10 minutes")
    bot.clock.set("2024-02-20 14:50", "Europe/London")
    failing_sends(bot, [aiohttp.ClientConnectionError("refused")] * 2, timedelta(seconds=45))
    [reminder] = [p for p in await bot.run_due() if p.msgtype == "m.text"]
    assert late_line(reminder.body) == (
        "This reminder was due Tue 20 Feb 2024, 14:50 GMT; the homeserver was unreachable."
    )


# -- how long the bot waits before trying the homeserver again --------------------------------


def test_an_unreachable_homeserver_is_tried_again_every_few_seconds():
    backoff = Backoff()
    delays = [backoff.delay(trouble_from_exception(ConnectionRefusedError())) for _ in range(30)]
    assert delays[:3] == [0.5, 1.0, 2.0]
    assert max(delays) == UNREACHABLE_CAP <= 2.0, "a homeserver back from an outage is heard within seconds"


def test_a_failing_homeserver_gets_a_growing_wait_or_what_it_asks():
    backoff = Backoff()
    delays = [backoff.delay(trouble_from_response(error_answer(502))) for _ in range(10)]
    assert delays == sorted(delays) and delays[-1] == FAILING_CAP
    assert Backoff().delay(trouble_from_response(error_answer(503, headers={"Retry-After": "7"}))) == 7.0


def test_a_rate_limit_waits_as_long_as_asked():
    trouble = trouble_from_response(error_answer(429, "M_LIMIT_EXCEEDED", retry_after_ms=2500))
    assert trouble.kind is Kind.RATE_LIMITED and Backoff().delay(trouble) == 2.5
    huge = trouble_from_response(error_answer(429, "M_LIMIT_EXCEEDED", retry_after_ms=10**9))
    assert Backoff().delay(huge) == 300.0, "an absurd Retry-After is capped"


def test_a_cut_answer_counts_as_unreachable():
    assert trouble_from_response(nio.SyncError("unreadable body")).kind is Kind.UNREACHABLE


async def test_a_job_held_up_by_an_unwritable_database_says_so(tmp_path):
    from matrixbot.api.jobs import JobRun, LateNote
    from matrixbot.db import Database
    from matrixbot.engine.scheduler import Scheduler
    from matrixbot.engine.schema import CORE_MIGRATIONS
    from matrixbot.errors import StorageUnavailable
    from matrixbot.matrix.sender import Outbox

    clock = FakeClock("2024-02-20 12:00", "Europe/London")

    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=90))  # the disk stays full a while

    db = await Database.open(tmp_path / "db.sqlite3", sleep=sleep)
    await db.migrate("matrixbot", CORE_MIGRATIONS)

    class NoSender:
        window = SendWindow()

        def outbox(self, origin: str) -> Outbox:
            return Outbox(self, origin)  # type: ignore[arg-type]

    scheduler = Scheduler(db, clock, NoSender(), Lanes(), late_grace=timedelta(hours=6))  # type: ignore[arg-type]
    notes: list[LateNote | None] = []

    async def handler(run: JobRun) -> None:
        if not notes:
            notes.append(None)
            raise StorageUnavailable("database or disk is full")
        notes.append(run.late_note())

    scheduler.register("demo", "tick", handler)
    async with db.transaction() as tx:
        await scheduler.for_plugin("demo").schedule(tx, "tick", clock.now(), {})
    await scheduler.run_due()
    await scheduler.settle(5)
    await db.close()
    [_, note] = notes
    assert note is not None and note.reason == "the bot's disk was full"


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_outage_is_one_line_a_reminder_a_minute_and_one_line_when_it_is_over(caplog):
    ticks = Ticks()
    outage = OutageLog("sync", logging.getLogger("test.outage"), now=ticks)
    unreachable = Trouble(Kind.UNREACHABLE, "homeserver unreachable: ClientConnectorError")
    with caplog.at_level(logging.INFO, logger="test.outage"):
        for _ in range(38):  # a try every 2 s for 76 s
            outage.failed(unreachable, 2.0)
            ticks.now += 2.0
        outage.worked()
        outage.worked()  # working on is not news
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3, lines
    assert lines[0].startswith("sync failed (homeserver unreachable: ClientConnectorError); retrying")
    assert (
        lines[1]
        == "sync still failing after 60s (31 tries; the last: homeserver unreachable: ClientConnectorError)"
    )
    assert lines[2] == "sync works again after 76s (38 failed tries; the homeserver was unreachable)"


def test_a_new_outage_after_a_recovery_is_said_again(caplog):
    ticks = Ticks()
    outage = OutageLog("log in", logging.getLogger("test.outage"), now=ticks)
    failing = Trouble(Kind.FAILING, "HTTP 502")
    with caplog.at_level(logging.INFO, logger="test.outage"):
        outage.failed(failing, 0.5)
        ticks.now += 5
        outage.worked()
        ticks.now += 5
        outage.failed(failing, 0.5)
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        "log in failed",
        "log in works again after 5s",
        "log in failed",
    ]
