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
from matrixbot.matrix.outages import TroubleLog
from matrixbot.matrix.sender import Outbox
from matrixbot.time import Clock

LATE_AFTER = timedelta(minutes=1)
"""A post this much past its due time says it is late."""
OFFLINE = "the bot was offline"


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


@dataclass(frozen=True)
class LateNote:
    """A post is late: when it was due, and why, when the bot knows."""

    due_at: datetime
    reason: str | None


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
        return lateness > LATE_AFTER or (
            self.job.due_at < self.started_at and lateness > timedelta(seconds=1)
        )

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
        """Whether a post going out now is late, and why: the bot was down when it fell due, or the
        latest trouble with the homeserver seen since (unreachable, failing, rate limiting); None
        as the reason when nothing is known (e.g. slow handlers)."""
        if not self.late:
            return None
        if self.job.due_at < self.started_at:
            return LateNote(self.job.due_at, OFFLINE)
        return LateNote(self.job.due_at, self.troubles.reason_since(self.job.due_at))

    def late_line(self, zone: str, what: str = "This") -> str:
        """The late note as HTML on a line of its own, "" when on time: "This was due Tue 5 Mar,
        15:00 GMT; the bot was offline." A missed run that posts anyway (a close) is late too."""
        from matrixbot.matrix.markup import h
        from matrixbot.time.format import format_time

        note = self.late_note()
        if note is None and self.missed:
            due = self.job.due_at
            note = LateNote(due, OFFLINE if due < self.started_at else self.troubles.reason_since(due))
        if note is None:
            return ""
        why = f"; {h(note.reason)}" if note.reason else ""
        return f"<br><i>{h(what)} was due {h(format_time(note.due_at, zone))}{why}.</i>"


JobHandler = Callable[[JobRun], Awaitable[None]]


class PluginJobs:
    """The scheduler as one plugin sees it: its own jobs, by handler name and optional unique key."""

    def __init__(self, db: Database, plugin: str, rearm: Callable[[], None]) -> None:
        self._rearm = rearm
        """Tells the scheduler to look at the table again, once a change has committed."""
        self._db = db
        self._plugin = plugin

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
        is added (so a re-run handler cannot schedule its follow-up twice); returns the new id or None."""
        if due_at.tzinfo is None:
            raise ValueError("due_at must be timezone-aware")
        job_id = await tx.execute(
            "INSERT INTO jobs (plugin, handler, due_at, run_at, payload, key, room_id, state) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT (plugin, key) DO NOTHING",
            (
                self._plugin,
                handler,
                due_at.timestamp(),
                due_at.timestamp(),
                json.dumps(payload or {}),
                key,
                room_id,
            ),
        )
        tx.after_commit(self._rearm)
        return job_id or None

    async def cancel(self, tx: Tx, *, key: str | None = None, key_prefix: str | None = None) -> int:
        """Cancel pending jobs by key or key prefix; returns how many."""
        if key is not None:
            where, param = "key = ?", key
        elif key_prefix is not None:
            where, param = "key LIKE ? ESCAPE '\\'", _like_prefix(key_prefix)
        else:
            raise ValueError("cancel needs key or key_prefix")
        count = await tx.execute(
            f"UPDATE jobs SET state = 'cancelled' WHERE plugin = ? AND state = 'pending' AND {where}",
            (self._plugin, param),
        )
        tx.after_commit(self._rearm)
        return count

    async def pending(self, key_prefix: str = "") -> list[Job]:
        rows = await self._db.fetch_all(
            "SELECT * FROM jobs WHERE plugin = ? AND state = 'pending' AND key LIKE ? ESCAPE '\\' ORDER BY due_at",
            (self._plugin, _like_prefix(key_prefix)),
        )
        return [job_from_row(r) for r in rows]


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


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
    )
