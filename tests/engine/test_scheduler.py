"""The scheduler with a controllable clock: catch-up, late and missed jobs, keys, retries."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from matrixbot.api.jobs import JobRun
from matrixbot.engine.lanes import Lanes
from matrixbot.engine.scheduler import Scheduler
from matrixbot.engine.schema import CORE_MIGRATIONS
from matrixbot.matrix.posting import SendWindow
from matrixbot.matrix.sender import Outbox
from matrixbot.time import FakeClock

Runs = list[tuple[int, str]]
"""What the handler was told: (payload n, run state)."""


class NoSender:
    """Job handlers in these tests post nothing; they record what they were told."""

    window = SendWindow()

    def outbox(self, origin: str) -> Outbox:
        return Outbox(self, origin)  # type: ignore[arg-type]


@pytest.fixture
async def db(storage):
    database = await storage.open()
    await database.migrate("matrixbot", CORE_MIGRATIONS)
    yield database
    await database.close()


def make(db, clock, runs, *, fail_times: int = 0) -> Scheduler:
    scheduler = Scheduler(db, clock, NoSender(), Lanes(), late_grace=timedelta(hours=6))  # type: ignore[arg-type]
    failures = {"left": fail_times}

    async def handler(run: JobRun) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("transient")
        runs.append((run.payload["n"], run.state))

    scheduler.register("demo", "tick", handler)
    return scheduler


async def schedule(db, scheduler, due, n, key=None):
    async with db.transaction() as tx:
        return await scheduler.for_plugin("demo").schedule(tx, "tick", due, {"n": n}, key=key, room_id="!r:x")


async def finish(scheduler) -> None:
    await scheduler.settle(5)


async def test_jobs_run_when_due_in_due_order(db):
    clock, runs = FakeClock("2024-03-01 10:00"), Runs()
    scheduler = make(db, clock, runs)
    base = clock.now()
    for n in (3, 1, 2):
        await schedule(db, scheduler, base + timedelta(minutes=n), n)
    assert await scheduler.run_due() == 0
    clock.advance(timedelta(minutes=2))
    await scheduler.run_due()
    await finish(scheduler)
    assert runs == [(1, "on_time"), (2, "on_time")]
    clock.advance(timedelta(minutes=1))
    await scheduler.run_due()
    await finish(scheduler)
    assert runs[-1] == (3, "on_time")
    assert await scheduler.run_due() == 0


async def test_catch_up_within_grace_is_late_and_beyond_is_missed(db):
    clock, runs = FakeClock("2024-03-01 10:00"), Runs()
    first = make(db, clock, runs)
    base = clock.now()
    await schedule(db, first, base + timedelta(minutes=10), 1)
    await schedule(db, first, base + timedelta(hours=1), 2)
    # the bot is down from 10:00 until 16:30: job 1 is 6h20m late (missed), job 2 5h30m (late)
    clock.set("2024-03-01 16:30")
    restarted = make(db, clock, runs)
    await restarted.recover()
    restarted._started_at = clock.now()
    await restarted.run_due()
    await finish(restarted)
    assert sorted(runs) == [(1, "missed"), (2, "late")]
    states = [r["state"] for r in await db.fetch_all("SELECT state FROM jobs ORDER BY id")]
    assert states == ["missed", "done"]
    await restarted.run_due()
    await finish(restarted)
    assert len(runs) == 2, "a missed or late job is reported once, never again"


async def test_job_left_running_by_a_crash_runs_again(db):
    clock, runs = FakeClock("2024-03-01 10:00"), Runs()
    scheduler = make(db, clock, runs)
    job_id = await schedule(db, scheduler, clock.now(), 7)
    await db.execute("UPDATE jobs SET state = 'running', attempts = 1 WHERE id = ?", (job_id,))
    restarted = make(db, clock, runs)
    await restarted.recover()
    await restarted.run_due()
    await finish(restarted)
    assert runs == [(7, "on_time")]


async def test_keys_make_scheduling_idempotent_and_cancellable(db):
    clock, runs = FakeClock("2024-03-01 10:00"), Runs()
    scheduler = make(db, clock, runs)
    due = clock.now() + timedelta(minutes=5)
    assert await schedule(db, scheduler, due, 1, key="m1:r600") is not None
    assert await schedule(db, scheduler, due, 1, key="m1:r600") is None
    await schedule(db, scheduler, due, 2, key="m1:r86400")
    await schedule(db, scheduler, due, 3, key="m2:r600")
    async with db.transaction() as tx:
        assert await scheduler.for_plugin("demo").cancel(tx, key_prefix="m1:") == 2
    assert [j.payload["n"] for j in await scheduler.for_plugin("demo").pending()] == [3]


async def test_failing_handler_is_retried_with_backoff_keeping_its_due_time(db):
    clock, runs = FakeClock("2024-03-01 10:00"), Runs()
    scheduler = make(db, clock, runs, fail_times=3)
    await schedule(db, scheduler, clock.now(), 5)
    for wait in (0, 10, 20, 40):
        clock.advance(timedelta(seconds=wait + 0.5))
        await scheduler.run_due()
        await finish(scheduler)
    assert runs == [(5, "late")], "the fourth try succeeds, over a minute after it was due"
    assert await db.fetch_value("SELECT attempts FROM jobs") == 4


async def test_a_job_is_not_given_up_while_it_can_still_be_delivered(db):
    clock, runs = FakeClock("2024-03-01 10:00"), Runs()
    scheduler = make(db, clock, runs, fail_times=12)
    await schedule(db, scheduler, clock.now(), 6)
    for _ in range(12):  # the homeserver is away for about an hour and a half
        await scheduler.run_due()
        await finish(scheduler)
        clock.advance(timedelta(minutes=10, seconds=1))
    assert await db.fetch_value("SELECT state FROM jobs") == "pending"
    await scheduler.run_due()
    await finish(scheduler)
    assert runs == [(6, "late")]


async def test_thousands_due_at_once_run_in_order(db):
    clock, runs = FakeClock("2024-03-01 10:00"), Runs()
    scheduler = make(db, clock, runs)
    base = clock.now()
    async with db.transaction() as tx:
        jobs = scheduler.for_plugin("demo")
        for n in range(2000):
            await jobs.schedule(tx, "tick", base + timedelta(milliseconds=(n * 7919) % 2000), {"n": n})
    clock.advance(timedelta(seconds=3))
    assert await scheduler.run_due() == 2000
    await finish(scheduler)
    assert len(runs) == 2000 and len({n for n, _ in runs}) == 2000


async def test_the_alarm_runs_hundreds_of_jobs_due_within_a_second(db):
    """Through APScheduler and the real clock: none may wait for a later wake-up that never comes."""
    from matrixbot.time import SystemClock

    runs: list[tuple[int, str]] = []
    scheduler = make(db, SystemClock(), runs)
    await scheduler.start()
    base = SystemClock().now() + timedelta(milliseconds=300)
    async with db.transaction() as tx:
        jobs = scheduler.for_plugin("demo")
        for n in range(300):
            await jobs.schedule(tx, "tick", base + timedelta(milliseconds=(n * 37) % 1000), {"n": n})
    for _ in range(200):
        if await db.fetch_value("SELECT COUNT(*) FROM jobs WHERE state = 'done'") == 300:
            break
        await asyncio.sleep(0.05)
    await scheduler.stop()
    assert len(runs) == 300 and len({n for n, _ in runs}) == 300
