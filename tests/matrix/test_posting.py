"""The send window: a room's posts overlap, at most WINDOW at once; the posts of one cause, and the
edits of one message, go one after the other; a job's posts wait for the room's; a write waits for
the posts before it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from matrixbot.db import Database
from matrixbot.errors import SendError
from matrixbot.matrix.posting import WINDOW, Posting, Posts, SendWindow

ROOM = "!r:x"


class Gate:
    """Sends that wait to be let through, recording which are under way."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.done: list[str] = []
        self._open: dict[str, asyncio.Event] = {}
        self._failures: dict[str, Exception] = {}

    def send(self, name: str) -> Callable[[], Awaitable[str]]:
        self._open[name] = asyncio.Event()

        async def go() -> str:
            self.started.append(name)
            await self._open[name].wait()
            if name in self._failures:
                raise self._failures[name]
            self.done.append(name)
            return f"${name}"

        return go

    def release(self, name: str, failure: Exception | None = None) -> None:
        if failure is not None:
            self._failures[name] = failure
        self._open[name].set()

    @property
    def in_flight(self) -> list[str]:
        return [n for n in self.started if not self._open[n].is_set()]


async def _turns(n: int = 5) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def test_posts_of_different_members_overlap_and_one_members_go_in_order() -> None:
    window, gate = SendWindow(), Gate()
    alice, bob = Posts(window, "@alice:x"), Posts(window, "@bob:x")
    first = alice.start(ROOM, gate.send("alice-1"))
    bob.start(ROOM, gate.send("bob-1"))
    alice.start(ROOM, gate.send("alice-2"))
    await _turns()
    assert gate.in_flight == ["alice-1", "bob-1"]  # alice's second waits for her first
    gate.release("alice-1")
    assert await first.event_id() == "$alice-1"
    await _turns()
    assert gate.in_flight == ["bob-1", "alice-2"]
    gate.release("bob-1")
    gate.release("alice-2")
    await alice.settle()
    await bob.settle()
    assert window.in_flight() == 0


async def test_a_room_has_at_most_WINDOW_posts_in_flight_and_other_rooms_are_not_held() -> None:
    window, gate = SendWindow(), Gate()
    posts = [Posts(window, f"@m{n}:x") for n in range(WINDOW + 2)]
    for n, member in enumerate(posts):
        member.start(ROOM, gate.send(f"r{n}"))
    elsewhere = Posts(window, "@m0:x")
    elsewhere.start("!other:x", gate.send("other"))
    await _turns()
    assert gate.in_flight == [f"r{n}" for n in range(WINDOW)] + ["other"]
    gate.release("r0")
    await _turns()
    assert f"r{WINDOW}" in gate.in_flight and f"r{WINDOW + 1}" not in gate.in_flight
    for n in range(1, WINDOW + 2):
        gate.release(f"r{n}")
    gate.release("other")
    for member in [*posts, elsewhere]:
        await member.settle()


async def test_edits_of_one_message_go_in_order_whoever_caused_them() -> None:
    window, gate = SendWindow(), Gate()
    Posts(window, "@alice:x").start(ROOM, gate.send("tally-a"), edits="$tally")
    bob = Posts(window, "@bob:x")
    bob.start(ROOM, gate.send("answer-b"))
    bob_edit = Posts(window, "@carol:x").start(ROOM, gate.send("tally-c"), edits="$tally")
    await _turns()
    assert gate.in_flight == ["tally-a", "answer-b"]
    gate.release("tally-a")
    await _turns()
    assert "tally-c" in gate.in_flight
    gate.release("answer-b")
    gate.release("tally-c")
    assert await bob_edit.event_id() == "$tally-c"
    assert gate.done.index("tally-a") < gate.done.index("tally-c")


async def test_a_jobs_posts_wait_for_every_post_of_the_room_before_them() -> None:
    window, gate = SendWindow(), Gate()
    Posts(window, "@alice:x").start(ROOM, gate.send("answer-a"))
    Posts(window, "@bob:x").start(ROOM, gate.send("answer-b"))
    job = Posts(window, "job:1", after_all=True)
    job.start(ROOM, gate.send("result"))
    await _turns()
    assert gate.in_flight == ["answer-a", "answer-b"]
    gate.release("answer-b")
    await _turns()
    assert "result" not in gate.started
    gate.release("answer-a")
    await _turns()
    assert gate.in_flight == ["result"]
    gate.release("result")
    await job.settle()


async def test_after_a_failed_post_the_handlings_later_posts_are_not_sent_and_settle_raises_it() -> None:
    window, gate = SendWindow(), Gate()
    posts = Posts(window, "@alice:x")
    posts.start(ROOM, gate.send("answer"))
    later = posts.start(ROOM, gate.send("edit"), edits="$x")
    await _turns()
    gate.release("answer", SendError("the homeserver refused the message: M_FORBIDDEN"))
    with pytest.raises(SendError, match="M_FORBIDDEN"):
        await posts.settle()
    with pytest.raises(SendError):
        await later.event_id()
    assert gate.started == ["answer"]  # the edit never went


async def test_a_write_waits_for_the_posts_before_it_and_is_not_made_when_one_failed(tmp_path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    await db.execute("CREATE TABLE told (what TEXT NOT NULL)")
    window, gate = SendWindow(), Gate()
    sent = Posts(window, "@alice:x")
    with sent.collecting():
        sent.start(ROOM, gate.send("told"))
        writing = asyncio.create_task(db.execute("INSERT INTO told (what) VALUES ('sent')"))
        await _turns()
        assert not writing.done()  # the write waits for the post
        gate.release("told")
        await writing
    assert await db.fetch_value("SELECT COUNT(*) FROM told") == 1

    failed = Posts(window, "@alice:x")
    with failed.collecting():
        failed.start(ROOM, gate.send("refused"))
        writing = asyncio.create_task(db.execute("INSERT INTO told (what) VALUES ('refused')"))
        await _turns()
        gate.release("refused", SendError("M_FORBIDDEN"))
        with pytest.raises(SendError):
            await writing
    assert await db.fetch_value("SELECT COUNT(*) FROM told") == 1
    await db.close()


async def test_outside_a_handling_there_is_no_scope_and_a_done_posting_has_its_id() -> None:
    assert Posts.current() is None
    assert await Posting.done("$x").event_id() == "$x"
    posts = Posts(SendWindow(), "@alice:x")
    with posts.collecting():
        assert Posts.current() is posts
    assert Posts.current() is None
