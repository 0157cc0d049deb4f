"""A late post always says why: a storage fault the bot waited out is named ("the bot's database was
locked"), and when nothing failed, the biggest part of the delay as measured (the request came after
its time, the bot was busy with earlier work, or it was slow to prepare and send the post).
"!remind in 60 seconds" counts from when the member sent it.

FakeBot with the real database: another connection holds SQLite's write lock while the bot's clock
moves on, as a lock held by another process for a minute and a half would."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from matrixbot.plugins.meetings import Meetings

from matrixbot.api.jobs import ASKED_LATE, BUSY, OFFLINE, RETRIED, SLOW, Job, JobRun
from matrixbot.lifecycle import Lease
from matrixbot.matrix.outages import STORAGE_REASONS, Kind, TroubleLog
from matrixbot.storage import postgres, sqlite
from matrixbot.storage.sqlite import SQLiteConnection
from matrixbot.testing.fakebot import FakeBot
from matrixbot.time import FakeClock

ALICE = "@alice:x"
STEP = timedelta(seconds=45)
"""How far the bot's clock moves each time the bot meets the held lock."""


@pytest.fixture
async def bot(tmp_path):
    fake = await FakeBot.create(
        tmp_path, plugins=[Meetings], clock=FakeClock("2024-02-20 12:00", "Europe/London")
    )
    connection = fake.database.connection
    assert isinstance(connection, SQLiteConnection)
    await connection.configure(busy_timeout=0.01)  # meet the lock at once (it waits 5 s)
    yield fake
    await fake.stop()


@contextmanager
def lock_held_for(bot: FakeBot, held: timedelta) -> Iterator[None]:
    """Another process holds the write lock; each time the bot meets it, the bot's clock moves on
    by STEP, and the lock is let go once `held` has passed. The bot's own pauses between tries are
    real (0.25 s, then 0.5 s)."""
    assert bot.database.path is not None
    other = sqlite3.connect(bot.database.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    until = bot.clock.now() + held
    told = bot.database.on_fault

    def met(cause: str) -> None:
        bot.clock.advance(STEP)
        if told is not None:
            told(cause)  # what the bot does with it, at the time it meets it
        if bot.clock.now() >= until and other.in_transaction:
            other.execute("ROLLBACK")

    bot.database.on_fault = met
    try:
        yield
    finally:
        bot.database.on_fault = told
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()


def late_line(body: str) -> str | None:
    return next((line for line in body.splitlines() if line.startswith("This reminder was due")), None)


async def test_a_reminder_held_up_by_a_held_lock_says_the_database_was_locked(bot):
    room = bot.room(ALICE)
    await bot.say(room, ALICE, "!remind in 10 minutes stand-up")
    bot.clock.advance(timedelta(minutes=10))
    with lock_held_for(bot, timedelta(seconds=90)):
        [posted] = await bot.run_due()  # the job's claim waits the lock out
    assert late_line(posted.body) == (
        "This reminder was due Tue 20 Feb 2024, 12:10 GMT; the bot's database was locked."
    ), posted.body


async def test_remind_in_60_seconds_counts_from_when_it_was_sent(bot):
    room = bot.room(ALICE)
    sent = bot.clock.now()
    bot.clock.advance(timedelta(seconds=90))
    confirmed = await bot.say(room, ALICE, "!remind in 60 seconds stand-up", sent_at=sent)
    assert "12:01" in confirmed.body, f"due 60 s after it was sent: {confirmed.body!r}"
    [posted] = await bot.run_due()
    expected = f"This reminder was due Tue 20 Feb 2024, 12:01 GMT; {ASKED_LATE}."
    assert late_line(posted.body) == expected, "due 30 s before the bot had the command: late, and why"


async def test_remind_in_60_seconds_sent_during_a_held_lock_names_the_lock(bot):
    room = bot.room(ALICE)
    with lock_held_for(bot, timedelta(seconds=90)):
        await bot.say(room, ALICE, "!remind in 60 seconds stand-up")  # handled once the lock is let go
    assert bot.clock.now() >= datetime.fromisoformat("2024-02-20T12:01:30+00:00")
    [posted] = await bot.run_due()
    assert (
        late_line(posted.body)
        == "This reminder was due Tue 20 Feb 2024, 12:01 GMT; the bot's database was locked."
    )


async def test_a_slow_handler_with_nothing_failing_says_the_bot_was_slow(bot):
    room = bot.room(ALICE)
    await bot.say(room, ALICE, "!remind in 10 minutes stand-up")
    bot.clock.advance(timedelta(minutes=10))
    store = bot.plugin(Meetings).store
    real = store.get_reminder

    async def slow_read(*args: Any, **kwargs: Any) -> Any:
        bot.clock.advance(timedelta(seconds=90))  # started on time, then a read took 90 s
        return await real(*args, **kwargs)

    store.get_reminder = slow_read
    [posted] = await bot.run_due()
    assert late_line(posted.body) == f"This reminder was due Tue 20 Feb 2024, 12:10 GMT; {SLOW}."


# -- the reasons, one by one ---------------------------------------------------------------------


DUE = datetime.fromisoformat("2024-02-20T12:00:00+00:00")


def run(
    *, attempts: int = 0, asked: float = 0, started: float = 0, sent: float, up_since: float = -3600
) -> JobRun:
    """A run of a job due at DUE: asked for `asked` s after it, started `started` s after it,
    its post going out `sent` s after it, the bot up since `up_since` s (seconds from DUE)."""
    clock = FakeClock("2024-02-20 12:00")
    job = Job(1, "demo", "tick", DUE, {}, None, "!r:x", attempts, DUE + timedelta(seconds=asked))
    at = DUE + timedelta(seconds=started)
    no_outbox: Any = None
    made = JobRun(
        job, at, timedelta(hours=6), no_outbox, DUE + timedelta(seconds=up_since), clock, TroubleLog(clock)
    )
    clock.set((DUE + timedelta(seconds=sent)).strftime("%Y-%m-%d %H:%M:%S"))
    return made


@pytest.mark.parametrize(
    ("made", "reason"),
    [
        (run(sent=90, up_since=30), OFFLINE),
        (run(attempts=2, started=80, sent=80), RETRIED),
        (run(asked=70, started=70, sent=71), ASKED_LATE),
        (run(started=80, sent=85), BUSY),
        (run(started=5, sent=90), SLOW),
    ],
    ids=["offline", "retried", "asked late", "busy", "slow"],
)
def test_a_late_post_always_has_a_reason(made, reason):
    note = made.late_note()
    assert note is not None and note.reason == reason


def test_a_trouble_seen_since_comes_first():
    made = run(started=80, sent=85)
    made.troubles.saw_storage_fault("database or disk is full")
    assert made.why() == "the bot's disk was full"
    assert isinstance(made.clock, FakeClock)
    made.clock.advance(timedelta(seconds=1))
    made.troubles.saw(Kind.UNREACHABLE)
    assert made.why() == "the homeserver was unreachable", "the latest trouble"


def test_asked_late_is_late_past_a_second_but_jitter_is_not():
    assert run(asked=30, started=30, sent=31).late, "asked for 30 s after its time: the member sees it"
    assert not run(started=30, sent=31).late, "30 s of delay with no known cause is within a minute"
    assert not run(asked=0.5, started=0.5, sent=1.2).late


def test_every_storage_fault_has_its_own_words():
    causes = set(sqlite.CAUSES) | set(postgres.CAUSES) | {Lease.UNCONFIRMED}
    assert causes == set(STORAGE_REASONS), "each cause either engine names (or the lease) is worded"
    log = TroubleLog(FakeClock("2024-02-20 12:00"))
    for cause, said in STORAGE_REASONS.items():
        log.saw_storage_fault(f"/data/db.sqlite3: {cause}")
        assert log.reason_since(DUE) == said
