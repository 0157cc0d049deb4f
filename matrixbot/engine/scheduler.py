"""Scheduled work that is never dropped and never done twice.

The `jobs` table is the truth: a plugin schedules `(handler, due_at, payload)` in it, usually in
the same transaction as the thing that needs it (a meeting and its reminders commit together).
APScheduler is only the alarm clock: it holds one timer for the earliest pending job, rebuilt from
the table at start, so nothing that matters lives in memory.

A job of a room runs in that room's lane (`lanes.py`), at its due time among the room's events: after
a downtime, the votes sent before a poll's deadline are handled before the job that closes it. A
nudge (`@job(..., nudge=True)`: it speaks to people about the present) that runs late goes after
everything the room sent meanwhile instead, so it can see that those it would nudge have answered,
or that what it nudges about has closed since. Jobs of no room run at once, beside the lanes.

A job goes pending → running → done. It is marked running (with its attempt count) before its
handler starts; the handler posts through an outbox whose transaction ids are derived from the job
id, so if the process dies after a post but before `done`, the re-run on the next start posts
nothing new (the homeserver recognises the transaction id). Jobs that fell due while the bot was
down run on start, marked late when within `late_grace`, or marked missed beyond it: the handler
is told which, so it can say so in the room, once.

A post can also go out late while the bot is up: the homeserver was away or rate limiting it, or
handlers were slow. Whether a post is late, and why, is therefore judged when it goes out (each
try of a send renders it again, see `JobRun.late_note`), not when its job started.

A storage fault (the database locked or the disk full) never drops or doubles a job: the state
changes here go through `Database.write`/`execute`, which wait until they commit; a handler that
hits one (`StorageUnavailable`, its transaction rolled back) stays `running` and is run again from
the start after a pause, with a fresh outbox on the same transaction ids, so what it had posted is
not posted twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from matrixbot import metrics
from matrixbot.api.jobs import Job, JobHandler, JobRun, PluginJobs, job_from_row
from matrixbot.db import Database, Tx
from matrixbot.engine.lanes import Lanes, Work
from matrixbot.engine.tasks import TaskPool, watch
from matrixbot.errors import FatalError, SendError, StorageUnavailable
from matrixbot.logformat import log_context
from matrixbot.matrix.outages import Kind, Trouble, TroubleLog
from matrixbot.matrix.posting import Posts
from matrixbot.matrix.sender import Sender
from matrixbot.time import Clock

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
_BATCH = 200


class Scheduler:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        sender: Sender,
        lanes: Lanes,
        *,
        late_grace: timedelta,
        concurrency: int = 32,
        troubles: TroubleLog | None = None,
    ) -> None:
        self._troubles = troubles or TroubleLog(clock)
        self._db = db
        self._clock = clock
        self._sender = sender
        self.late_grace = late_grace
        self._handlers: dict[tuple[str, str], JobHandler] = {}
        self._nudges: set[tuple[str, str]] = set()
        self._lanes = lanes
        self._pool = TaskPool("job", concurrency)
        self._in_lanes: set[asyncio.Future[None]] = set()
        self._timer: AsyncIOScheduler | None = None
        self._wake_lock = asyncio.Lock()
        self._arming: set[asyncio.Task[object]] = set()
        self._started_at = clock.now()

    @property
    def running(self) -> bool:
        return self._timer is not None

    def register(self, plugin: str, name: str, handler: JobHandler, *, nudge: bool = False) -> None:
        self._handlers[(plugin, name)] = handler
        if nudge:
            self._nudges.add((plugin, name))

    def for_plugin(self, plugin: str) -> PluginJobs:
        return PluginJobs(self._db, plugin, self.rearm, self._clock)

    async def start(self) -> None:
        """Start the alarm clock and run whatever is due (catch-up after downtime).

        A job still marked running belonged to a process that died mid-job: it runs again, and its
        outbox reuses the same transaction ids, so what it had already posted is not posted twice.
        """
        await self.recover()
        self.mark_start()
        self._timer = AsyncIOScheduler(timezone=UTC)
        self._timer.start()
        await self.run_due()

    def mark_start(self) -> None:
        """This process starts now: a job due before it is late because the bot was offline."""
        self._started_at = self._clock.now()

    async def unfinished(self) -> list[tuple[int, float]]:
        """The jobs started and not finished (running, or waiting to be tried again): id, due time."""
        rows = await self._db.fetch_all(
            "SELECT id, due_at FROM jobs WHERE state = 'running' OR (state = 'pending' AND attempts > 0)"
        )
        return [(int(row["id"]), float(row["due_at"])) for row in rows]

    async def recover(self) -> None:
        await self._db.execute("UPDATE jobs SET state = 'pending' WHERE state = 'running'")

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop the alarm; let running jobs finish (bounded). A run cut short is recovered at start."""
        if self._timer is not None:
            self._timer.shutdown(wait=False)
            self._timer = None
        for task in list(self._arming):
            task.cancel()
        await asyncio.gather(*self._arming, return_exceptions=True)
        await self._pool.drain(timeout)
        await self._lanes_done(timeout)

    async def _wake(self) -> None:
        """The alarm went off: start a run in a task and return at once.

        APScheduler skips a wake-up while the previous one is still running; if the alarm ran
        `run_due` itself, a wake-up re-armed from inside `run_due` would be skipped and the jobs
        due then left waiting. Runs queue on `_wake_lock` instead.
        """
        task = asyncio.get_running_loop().create_task(self.run_due())
        self._arming.add(task)
        task.add_done_callback(self._arming.discard)
        watch(task, "running due jobs")

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until the jobs started so far have finished (tests, and shutdown)."""
        await self._pool.drain(timeout)
        await self._lanes_done(timeout)

    async def _lanes_done(self, timeout: float) -> None:
        """Wait for the jobs put in rooms' lanes (none is left waiting once the lanes have stopped:
        what they had not started is taken up again at the next start)."""
        if self._in_lanes and not self._lanes.stopped:
            await asyncio.wait(set(self._in_lanes), timeout=timeout)

    def rearm(self) -> None:
        """Look at the table again (call after committing a schedule change)."""
        if self._timer is not None:
            task = asyncio.get_running_loop().create_task(self._arm())
            self._arming.add(task)
            task.add_done_callback(self._arming.discard)
            watch(task, "re-arming the scheduler")

    async def _arm(self) -> None:
        if self._timer is None:
            return
        try:
            due = await self._db.fetch_value("SELECT MIN(run_at) FROM jobs WHERE state = 'pending'")
        except StorageUnavailable:
            due = self._clock.now().timestamp() + 5  # cannot read the table: look again soon
        if due is None:
            self._timer.remove_all_jobs()
            return
        # the delay is measured on the bot's clock (a fake one in tests), the alarm set in real time
        delay = max(0.0, due - self._clock.now().timestamp())
        self._timer.add_job(
            self._wake,
            DateTrigger(datetime.now(UTC) + timedelta(seconds=delay)),
            id="wake",
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )

    async def run_due(self) -> int:
        """Start every job that is due now, in due order; return how many."""
        async with self._wake_lock:
            started = 0
            while True:
                now = self._clock.now()
                rows = await self._db.write(partial(_claim, now))
                for row in rows:
                    await self._start(job_from_row(row), now)
                started += len(rows)
                if len(rows) < _BATCH:
                    break
            await self._arm()
            return started

    async def _start(self, job: Job, now: datetime) -> None:
        """A job of a room into its lane (at its due time, or now for a nudge); any other at once."""
        if job.room_id is None:
            await self._pool.spawn(self._run(job, now))
            return
        done = asyncio.get_running_loop().create_future()
        self._in_lanes.add(done)
        done.add_done_callback(self._in_lanes.discard)

        async def run() -> bool:
            try:
                await self._run(job, self._clock.now())
            finally:
                if not done.done():
                    done.set_result(None)
            return True

        nudge = (job.plugin, job.handler) in self._nudges
        at = max(now, job.due_at) if nudge else job.due_at
        self._lanes.add(Work(job.room_id, at.timestamp(), True, run))

    async def _run(self, job: Job, now: datetime) -> None:
        handler = self._handlers.get((job.plugin, job.handler))
        log_context(replace=True, room=job.room_id, plugin=job.plugin)
        try:
            if handler is None:
                log.error(
                    "job %d: no handler %s.%s (plugin not loaded?); left pending",
                    job.id,
                    job.plugin,
                    job.handler,
                )
                await self._db.execute("UPDATE jobs SET state = 'pending' WHERE id = ?", (job.id,))
                return
            run = await self._run_through_faults(job, handler, now)
            metrics.SCHEDULED.labels(run.state).inc()
            await self._db.execute(
                "UPDATE jobs SET state = ?, finished_at = ? WHERE id = ?",
                ("missed" if run.missed else "done", self._clock.now().timestamp(), job.id),
            )
        except (asyncio.CancelledError, FatalError):
            raise
        except SendError as exc:  # refused for good (a 403: the bot may no longer post there)
            if await self._moving(job.room_id):  # posted in the successor once the room's things move
                log.info("job %d waits for its room %s to move to its successor", job.id, job.room_id)
                await self._retry_later(job)
                return
            metrics.SCHEDULED.labels("failed").inc()
            log.warning("job %d (%s.%s) could not post, for good: %s", job.id, job.plugin, job.handler, exc)
            await self._db.execute("UPDATE jobs SET state = 'failed' WHERE id = ?", (job.id,))
        except Exception:
            metrics.SCHEDULED.labels("failed").inc()
            log.exception(
                "job %d (%s.%s) failed, attempt %d", job.id, job.plugin, job.handler, job.attempts + 1
            )
            await self._retry_later(job)

    async def _run_through_faults(self, job: Job, handler: JobHandler, now: datetime) -> JobRun:
        """Run the handler and wait for its posts (after the room's posts in flight, see posting.py);
        after a storage fault, again from the start (same transaction ids)."""
        attempt = 0
        while True:
            outbox = self._sender.outbox(f"job:{job.id}")
            run = JobRun(job, now, self.late_grace, outbox, self._started_at, self._clock, self._troubles)
            posts = Posts(self._sender.window, f"job:{job.id}", after_all=True)
            try:
                with posts.collecting():
                    await handler(run)
                await posts.settle()
                return run
            except StorageUnavailable as exc:
                self._troubles.saw(Trouble(Kind.STORAGE, str(exc)))  # as the database did, if it raised it
                attempt += 1
                await self._db.pause(attempt)
                now = self._clock.now()

    async def _moving(self, room_id: str | None) -> bool:
        """Whether `room_id` was upgraded and its things wait to move to the successor (moves.py)."""
        found = await self._db.fetch_value(
            "SELECT 1 FROM room_moves WHERE old_room = ? AND state = 'waiting'", (room_id,)
        )
        return found is not None

    async def _retry_later(self, job: Job) -> None:
        """Try a failed job again later (10 s, 20 s, … at most 10 min apart).

        While it is within late_grace it is never given up (a homeserver away for an hour must not
        drop a reminder); past that its handler is told it was missed, and after MAX_ATTEMPTS
        failures then it is marked failed.
        """
        now = self._clock.now()
        if job.attempts + 1 >= MAX_ATTEMPTS and now - job.due_at > self.late_grace:
            log.error("job %d (%s.%s) failed for good", job.id, job.plugin, job.handler)
            await self._db.execute("UPDATE jobs SET state = 'failed' WHERE id = ?", (job.id,))
            return
        retry_at = now + timedelta(seconds=min(600, 10 * 2 ** min(job.attempts, 10)))
        await self._db.execute(
            "UPDATE jobs SET state = 'pending', run_at = ? WHERE id = ? AND state = 'running'",
            (retry_at.timestamp(), job.id),
        )
        await self._arm()


async def _claim(now: datetime, tx: Tx) -> list[Any]:
    """Mark up to _BATCH due jobs running; return their rows."""
    rows = await tx.fetch_all(
        "SELECT * FROM jobs WHERE state = 'pending' AND run_at <= ? ORDER BY run_at, id LIMIT ?",
        (now.timestamp(), _BATCH),
    )
    await tx.executemany(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1 WHERE id = ?", [(r["id"],) for r in rows]
    )
    return rows
