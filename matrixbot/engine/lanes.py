"""One lane per room: its work (events to handle, jobs that fell due) in the order of its time, and
the rooms taking turns.

A room's events and jobs share one lane, so what a room sees happens in the order people and the
calendar made it: after a downtime, a vote sent before a poll's deadline is handled before the job
that closes the poll, whatever order the bot learnt of them in. An event's time is when it was
sent (`Sent.at`), a job's is when it fell due. Events keep the order the homeserver gave them among
themselves (a member's later `!vote` must win over their earlier one); a job goes in front of any
queued work that is later than it, and an event in front of any queued job that is later than it.

Adding work never waits: a room with work waits for a free slot in a queue of its own, and a room
gives its slot up after each piece of work when others are waiting (rooms take turns, one piece of
work each). One member's events hold at most `PER_SENDER` slots at once, however many rooms they
fill: a member with twenty rooms of commands leaves the other slots to everybody else.

`pause()` holds every lane while a catch-up gathers what it has (the events stored while the bot
was down, the jobs that fell due meanwhile) and `resume()` lets them go, in time order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from matrixbot.errors import FatalError

log = logging.getLogger(__name__)

PER_SENDER = 4
"""Slots the events of one sender may hold at once."""


@dataclass(frozen=True)
class Work:
    """One piece of a room's work. `run` returns False when it could not finish because the bot is
    stopping: the lane then stops, and what is left is taken up at the next start."""

    room_id: str
    at: float
    """When it happened or fell due (Unix seconds): its place in the lane."""
    is_job: bool
    run: Callable[[], Awaitable[bool]]
    sender: str | None = None
    """Who sent the event (None for a job): their events share `PER_SENDER` slots."""


class Lanes:
    def __init__(self, slots: int = 16) -> None:
        self._slots = slots
        self._lanes: dict[str, deque[Work]] = {}
        self._waiting: deque[str] = deque()
        """Rooms with work and no slot, in the order they started waiting."""
        self._busy: set[str] = set()
        self._by_sender: Counter[str] = Counter()
        """Pieces of work running now, by who sent them."""
        self._tasks: set[asyncio.Task[None]] = set()
        self._paused = False
        self._stopped = False
        self._idle = asyncio.Event()
        self._idle.set()

    def add(self, work: Work) -> None:
        """Queue `work` in its room's lane at its place in time (see the module's docstring)."""
        if self._stopped:
            return  # stored work is taken up again at the next start
        lane = self._lanes.setdefault(work.room_id, deque())
        index = len(lane)
        while index and lane[index - 1].at > work.at and (work.is_job or lane[index - 1].is_job):
            index -= 1
        lane.insert(index, work)
        if work.room_id not in self._busy and work.room_id not in self._waiting:
            self._waiting.append(work.room_id)
        self._idle.clear()
        self._start_turns()

    @property
    def stopped(self) -> bool:
        return self._stopped

    def queued(self, room_id: str) -> int:
        """How much work waits in a room's lane (not counting what runs now)."""
        return len(self._lanes.get(room_id, ()))

    def pause(self) -> None:
        """Start no new work until `resume()`: work added meanwhile is put in order first."""
        self._paused = True

    def resume(self) -> None:
        self._paused = False
        self._start_turns()

    def _start_turns(self) -> None:
        """Give free slots to the waiting rooms in turn, passing over a room whose next work comes
        from a sender who already holds `PER_SENDER` slots."""
        index = 0
        while index < len(self._waiting) and len(self._busy) < self._slots:
            if self._paused or self._stopped:
                return
            room_id = self._waiting[index]
            sender = self._lanes[room_id][0].sender
            if sender is not None and self._by_sender[sender] >= PER_SENDER:
                index += 1
                continue
            del self._waiting[index]
            self._busy.add(room_id)
            first = self._take(room_id)  # counted now: the next room in this loop sees it
            task = asyncio.get_running_loop().create_task(self._turn(room_id, first))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _take(self, room_id: str) -> Work:
        """The next work of a room, counted in its sender's share."""
        work = self._lanes[room_id].popleft()
        if work.sender is not None:
            self._by_sender[work.sender] += 1
        return work

    async def _turn(self, room_id: str, first: Work) -> None:
        """Run the room's work in order until its lane is empty, or another room waits for a slot."""
        lane = self._lanes[room_id]
        carry_on = True
        work: Work | None = first
        try:
            while work is not None and carry_on and not self._stopped:
                try:
                    carry_on = await work.run()
                except (asyncio.CancelledError, FatalError):
                    raise
                except Exception:  # a run reports its own failures; this is a last guard
                    log.exception("work in %s failed", room_id)
                finally:
                    if work.sender is not None:
                        self._by_sender[work.sender] -= 1
                    work = None
                if not lane or self._waiting or self._over_share(lane[0]):
                    break  # done, or a waiting room gets this slot and this one goes to the back
                work = self._take(room_id)
        finally:
            if work is not None and work.sender is not None:  # taken, then stopped before it ran
                self._by_sender[work.sender] -= 1
            self._busy.discard(room_id)
            if not carry_on:
                lane.clear()  # stopping: what is left is in the database for the next start
            if lane and not self._stopped:
                self._waiting.append(room_id)
            elif not lane:
                self._lanes.pop(room_id, None)
            self._start_turns()
            if not self._busy and not (self._waiting and not self._paused and not self._stopped):
                self._idle.set()

    def _over_share(self, work: Work) -> bool:
        return work.sender is not None and self._by_sender[work.sender] >= PER_SENDER

    async def settle(self, timeout: float) -> None:
        """Wait until no lane has work running or startable, at most `timeout` seconds.

        `asyncio.timeout`, not `wait_for`: on Python 3.11 `wait_for` swallows a cancellation that
        arrives as the wait ends, and the sync loop, cancelled by `stop()`, went on to a long-poll.
        """
        if self._idle.is_set():
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._idle.wait()

    async def drain(self, timeout: float) -> None:
        """Let the work under way finish for up to `timeout` seconds, then cancel it; start nothing new."""
        await self.settle(timeout)
        self._stopped = True
        pending = {t for t in self._tasks if not t.done()}
        for task in pending:
            task.cancel()
        if pending:
            log.warning("cancelled the work of %d room(s) still running at shutdown", len(pending))
            await asyncio.wait(pending, timeout=2)
