"""Posts in flight: a room's sends overlap within a small window, in order wherever order matters.

Synapse persists a room's events one request at a time when they come one at a time: a burst of
answers sent one after the other costs a round trip each (~30 ms), while sends in flight together
are persisted together. So what a handler posts while it handles an event (or runs a job) goes
out through its room's window: at most `WINDOW` sends of a room in flight, and each post waits
for the posts before it that share a key with it:

- everything one member caused in a room: their answers come in the order of their commands, and
  one handler's posts in the order it made them;
- every edit of one message: the edit sent last is the one clients show;
- a job's posts wait for every post of the room before them: a poll's result comes after the
  answers to the votes it counts.

A handler does not wait for its posts unless it needs what one returns (`Posting.event_id()`) or
it writes to the database after them (the write waits: see `Posts.collecting`), so only the posts
at a handler's end are still in flight when it returns. Whoever ran it waits for them
(`Posts.settle()`) before the work counts as done. Outside a handling
(start-up, the console, a test calling a plugin directly) a post is sent before its call returns.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextvars import ContextVar

from matrixbot.db import writes_wait_for

WINDOW = 5
"""Sends of one room in flight at once (Synapse creates up to 5 events of a room at a time)."""

Send = Callable[[], Awaitable[str]]

_current: ContextVar[Posts | None] = ContextVar("matrixbot_posts", default=None)


class Posting:
    """A post on its way; `event_id()` waits until it is sent."""

    def __init__(self, sent: asyncio.Future[str]) -> None:
        self._sent = sent

    @classmethod
    def done(cls, event_id: str) -> Posting:
        sent: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        sent.set_result(event_id)
        return cls(sent)

    async def event_id(self) -> str:
        """The post's event id, once the homeserver has it; raises what sending it raised."""
        return await asyncio.shield(self._sent)

    @property
    def future(self) -> asyncio.Future[str]:
        return self._sent


class SendWindow:
    """Every room's posts in flight: at most `size` per room; posts sharing a key in order."""

    def __init__(self, size: int = WINDOW) -> None:
        self._size = size
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._last: dict[Hashable, asyncio.Task[str]] = {}
        """The latest post of each key, while it is not done."""
        self._in_flight: dict[str, set[asyncio.Task[str]]] = {}

    def start(self, room_id: str, keys: tuple[Hashable, ...], send: Send, *, after_all: bool) -> Posting:
        """Send after the posts before it that share one of `keys` (after all of the room's with
        `after_all`), within the room's window."""
        room = self._in_flight.setdefault(room_id, set())
        before = list(room) if after_all else [self._last[k] for k in keys if k in self._last]
        task = asyncio.get_running_loop().create_task(self._send(room_id, before, send))
        room.add(task)
        for key in keys:
            self._last[key] = task
        task.add_done_callback(lambda done: self._forget(room_id, keys, done))
        return Posting(task)

    async def _send(self, room_id: str, before: list[asyncio.Task[str]], send: Send) -> str:
        if before:
            await asyncio.wait(before)  # their failures are theirs: this post goes all the same
        slot = self._slots.get(room_id)
        if slot is None:
            slot = self._slots[room_id] = asyncio.Semaphore(self._size)
        async with slot:
            return await send()

    def _forget(self, room_id: str, keys: tuple[Hashable, ...], task: asyncio.Task[str]) -> None:
        room = self._in_flight.get(room_id, set())
        room.discard(task)
        if not room:
            self._in_flight.pop(room_id, None)
            self._slots.pop(room_id, None)
        for key in keys:
            if self._last.get(key) is task:
                del self._last[key]
        if not task.cancelled():
            task.exception()  # seen here; whoever settles the post gets it too

    def in_flight(self, room_id: str | None = None) -> int:
        if room_id is not None:
            return len(self._in_flight.get(room_id, ()))
        return sum(len(tasks) for tasks in self._in_flight.values())


class Posts:
    """What one handling (of an event, of a job) posted: sent through the window, settled together.

    `cause` keys the posts in each room (a member's user id; a job's name), so the posts of one
    cause go in the order they were made. `after_all` makes them wait for every post of the room
    made before them (jobs). `until_sent`: the posts are retried until they are sent or the bot
    stops, instead of for the sends' own retry time. An event's are: its handler cannot simply run
    again once the room's later events were handled. A job's are not: the job is run again later.
    """

    def __init__(
        self, window: SendWindow, cause: str, *, after_all: bool = False, until_sent: bool = False
    ) -> None:
        self._window = window
        self._cause = cause
        self._after_all = after_all
        self.until_sent = until_sent
        self._postings: list[Posting] = []

    @staticmethod
    def current() -> Posts | None:
        """The handling under way in this task, if any."""
        return _current.get()

    @contextlib.contextmanager
    def collecting(self) -> Iterator[None]:
        """Posts made within go through this handling, and a write made within waits for them
        first: what a handler stores after a post, it stores once the post went (or not at all,
        when the post failed), as if it had waited for the post in place."""
        token = _current.set(self)
        try:
            with writes_wait_for(self.settle):
                yield
        finally:
            _current.reset(token)

    def start(self, room_id: str, send: Send, *, edits: str | None = None) -> Posting:
        keys: tuple[Hashable, ...] = ((room_id, self._cause),)
        if edits is not None:
            keys += (("edit", edits),)
        earlier = list(self._postings)

        async def unless_one_failed() -> str:
            """Not after a post of this handling that failed: the handler would have stopped there."""
            for posting in earlier:
                if posting.future.done() and not posting.future.cancelled():
                    failure = posting.future.exception()
                    if failure is not None:
                        raise failure
            return await send()

        posting = self._window.start(room_id, keys, unless_one_failed, after_all=self._after_all)
        self._postings.append(posting)
        return posting

    def __bool__(self) -> bool:
        return bool(self._postings)

    async def settle(self) -> None:
        """Wait for every post; then raise the first failure, if any (in the order they were made)."""
        if not self._postings:
            return
        await asyncio.wait([p.future for p in self._postings])
        for posting in self._postings:
            if not posting.future.cancelled() and posting.future.exception() is not None:
                raise posting.future.exception()  # type: ignore[misc]
            if posting.future.cancelled():
                raise asyncio.CancelledError
