"""Jobs as a plugin sees them: scheduling and cancelling its own, and what a job handler gets.

The engine's `Scheduler` (matrixbot.engine.scheduler) owns the `jobs` table's life cycle and runs
the handlers; this module is the plugin-facing half, so the API layer needs nothing from the engine.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from matrixbot.db import Database, Tx
from matrixbot.i18n import N_, _
from matrixbot.matrix.outages import TroubleLog
from matrixbot.matrix.sender import Outbox
from matrixbot.time import Clock

LATE_AFTER = timedelta(minutes=1)
"""A post this much past its due time says it is late (past a second when the cause is known to be
no jitter: the bot was offline when it fell due, or it was asked for after its time)."""
OFFLINE = N_("the bot was offline")
ASKED_LATE = N_("the bot had the request for it only after that time")
RETRIED = N_("the bot's first try failed")
BUSY = N_("the bot was busy with earlier work")
SLOW = N_("the bot was slow to prepare and send it")


@dataclass(frozen=True)
class Job:
    id: int
    plugin: str
    handler: str
    due_at: datetime
    payload: dict[str, Any]
    key: str | None
    room_id: str | None
    attempts: int
    """Tries before this one."""
    run_at: datetime
    """When this try was due to start: the due time, or later for a retry or for a job asked for
    after its due time (a "!remind in 60 seconds" that reached the bot 90 s after it was sent)."""


@dataclass(frozen=True)
class LateNote:
    """A post is late: when it was due, and why."""

    due_at: datetime
    reason: str


@dataclass
class JobRun:
    """What a job handler gets: the job, whether it is late or missed, and an outbox to post with.

    Missed (older than `late_grace`) is decided when the run starts: the handler says so instead
    of posting. Late is judged whenever it is asked (`late`, `late_note`), so a handler that
    renders its post inside the send (a function given to `Outbox.message`) marks it late when it
    really goes out: over a minute past due, or due before this process started (the bot was down).
    """

    job: Job
    now: datetime
    late_grace: timedelta
    outbox: Outbox
    started_at: datetime
    clock: Clock
    troubles: TroubleLog
    state: str = field(init=False)

    def __post_init__(self) -> None:
        if self.now - self.job.due_at > self.late_grace:
            self.state = "missed"
        elif self._late_at(self.now):
            self.state = "late"
        else:
            self.state = "on_time"

    def _late_at(self, moment: datetime) -> bool:
        lateness = moment - self.job.due_at
        known = self.job.due_at < self.started_at or self._asked_late > timedelta(seconds=1)
        return lateness > LATE_AFTER or (known and lateness > timedelta(seconds=1))

    @property
    def _asked_late(self) -> timedelta:
        """How long after its due time the job was asked for (on its first try; else unknown: 0)."""
        return self.job.run_at - self.job.due_at if self.job.attempts == 0 else timedelta(0)

    @property
    def lateness(self) -> timedelta:
        return self.now - self.job.due_at

    @property
    def payload(self) -> dict[str, Any]:
        return self.job.payload

    @property
    def late(self) -> bool:
        """Late now (not only when the run started)."""
        return self.state == "late" or (self.state == "on_time" and self._late_at(self.clock.now()))

    @property
    def missed(self) -> bool:
        return self.state == "missed"

    def late_note(self) -> LateNote | None:
        """Whether a post going out now is late, and why (see `why`)."""
        return LateNote(self.job.due_at, self.why()) if self.late else None

    def why(self) -> str:
        """Why a post going out now is past its due time, always with a reason, in the language
        being written (`reason` gives it in English):
        - the bot was offline when it fell due;
        - else the latest trouble seen since it fell due: the database (locked, disk full) or the
          homeserver (unreachable, failing, rate limiting);
        - else an earlier try failed (the job is a retry);
        - else the biggest part of the delay, as measured: the job was asked for after its time
          (a command that reached the bot late), it waited to start (the bot was busy with earlier
          work: the room's earlier messages, other jobs), or its handler and send took the time.
        """
        return _(self.reason())

    def reason(self) -> str:
        """`why`, in English (the text the catalogs translate)."""
        due = self.job.due_at
        if due < self.started_at:
            return OFFLINE
        trouble = self.troubles.reason_since(due)
        if trouble is not None:
            return trouble
        if self.job.attempts:
            return RETRIED
        asked = self._asked_late
        parts = {ASKED_LATE: asked, BUSY: self.now - due - asked, SLOW: self.clock.now() - self.now}
        return max(parts, key=lambda part: parts[part])

    def late_line(self, zone: str, what: str | None = None) -> str:
        """The late note as HTML on a line of its own, "" when on time: "This was due Tue 5 Mar,
        15:00 GMT; the bot was offline." A missed run that posts anyway (a close) is late too.
        `what` names the post ("This reminder"; "This" by default), in the language being written."""
        from matrixbot.matrix.markup import h
        from matrixbot.time.format import format_time

        if not (self.late or self.missed):
            return ""
        said = _("{what} was due {due}; {why}.").format(
            what=h(what or _("This")), due=h(format_time(self.job.due_at, zone)), why=h(self.why())
        )
        return f"<br><i>{said}</i>"


JobHandler = Callable[[JobRun], Awaitable[None]]


class PluginJobs:
    """The scheduler as one plugin sees it: its own jobs, by handler name and optional unique key."""

    def __init__(self, db: Database, plugin: str, rearm: Callable[[], None], clock: Clock) -> None:
        self._rearm = rearm
        """Tells the scheduler to look at the table again, once a change has committed."""
        self._db = db
        self._plugin = plugin
        self._clock = clock

    async def schedule(
        self,
        tx: Tx,
        handler: str,
        due_at: datetime,
        payload: dict[str, Any] | None = None,
        *,
        key: str | None = None,
        room_id: str | None = None,
    ) -> int | None:
        """Schedule a job inside the caller's transaction. With a `key` already pending or done, nothing
        is added (so a re-run handler cannot schedule its follow-up twice); returns the new id or None.
        A `due_at` already past runs at once, and its post, late, says it was asked for late."""
        if due_at.tzinfo is None:
            raise ValueError("due_at must be timezone-aware")
        run_at = max(due_at, self._clock.now())
        job_id = await tx.execute(
            "INSERT INTO jobs (plugin, handler, due_at, run_at, payload, key, room_id, state) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT (plugin, key) DO NOTHING",
            (
                self._plugin,
                handler,
                due_at.timestamp(),
                run_at.timestamp(),
                json.dumps(payload or {}),
                key,
                room_id,
            ),
        )
        tx.after_commit(self._rearm)
        return job_id or None

    async def cancel(self, tx: Tx, *, key: str | None = None, key_prefix: str | None = None) -> int:
        """Cancel pending jobs by key or key prefix; returns how many."""
        params: tuple[Any, ...]
        if key is not None:
            where, params = "key = ?", (key,)
        elif key_prefix is not None:
            where, params = "substr(key, 1, ?) = ?", (len(key_prefix), key_prefix)
        else:
            raise ValueError("cancel needs key or key_prefix")
        count = await tx.execute(
            f"UPDATE jobs SET state = 'cancelled' WHERE plugin = ? AND state = 'pending' AND {where}",
            (self._plugin, *params),
        )
        tx.after_commit(self._rearm)
        return count

    async def pending(self, key_prefix: str = "") -> list[Job]:
        rows = await self._db.fetch_all(
            "SELECT * FROM jobs WHERE plugin = ? AND state = 'pending' AND substr(key, 1, ?) = ? ORDER BY due_at",
            (self._plugin, len(key_prefix), key_prefix),
        )
        return [job_from_row(r) for r in rows]


def job_from_row(row: Any) -> Job:
    """A `jobs` table row as a Job."""
    return Job(
        id=row["id"],
        plugin=row["plugin"],
        handler=row["handler"],
        due_at=datetime.fromtimestamp(row["due_at"], UTC),
        payload=json.loads(row["payload"]),
        key=row["key"],
        room_id=row["room_id"],
        attempts=row["attempts"],
        run_at=datetime.fromtimestamp(row["run_at"], UTC),
    )
