"""Rooms' lanes: a room's work in the order of its time, rooms taking turns, adding never waits."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from matrixbot.engine import lanes as lanes_module
from matrixbot.engine.lanes import Lanes, Work


class Log:
    """Records the work done, in order; a piece of work can be held until released."""

    def __init__(self) -> None:
        self.done: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}

    def work(self, room: str, name: str, at: float, *, job: bool = False, result: bool = True) -> Work:
        async def run() -> bool:
            gate = self.gates.get(name)
            if gate is not None:
                await gate.wait()
            self.done.append(name)
            return result

        return Work(room, at, job, run)

    def hold(self, name: str) -> asyncio.Event:
        self.gates[name] = asyncio.Event()
        return self.gates[name]


async def test_a_job_goes_before_the_events_sent_after_it_and_after_those_sent_before() -> None:
    lanes, log = Lanes(), Log()
    lanes.pause()  # a catch-up: what was stored while down, then the jobs due meanwhile
    for name, at in [("vote@10", 10.0), ("vote@20", 20.0), ("vote@40", 40.0), ("vote@45", 45.0)]:
        lanes.add(log.work("!r", name, at))
    lanes.add(log.work("!r", "close@30", 30.0, job=True))
    lanes.add(log.work("!r", "remind@15", 15.0, job=True))
    lanes.resume()
    await lanes.settle(1)
    assert log.done == ["vote@10", "remind@15", "vote@20", "close@30", "vote@40", "vote@45"]


async def test_events_keep_the_order_they_came_in_among_themselves() -> None:
    """A member's later `!vote` must win over their earlier one, even if their clocks disagree."""
    lanes, log = Lanes(), Log()
    lanes.pause()
    lanes.add(log.work("!r", "first", 20.0))
    lanes.add(log.work("!r", "second (stamped earlier)", 10.0))
    lanes.add(log.work("!r", "job@15", 15.0, job=True))
    lanes.resume()
    await lanes.settle(1)
    # the job may not go between them (that would put an event stamped before it after it)
    assert log.done == ["first", "second (stamped earlier)", "job@15"]


async def test_an_event_that_arrives_late_goes_before_a_queued_job_due_after_it() -> None:
    lanes, log = Lanes(), Log()
    release = log.hold("busy")
    lanes.add(log.work("!r", "busy", 1.0))  # running: the lane fills up behind it
    await asyncio.sleep(0)
    lanes.add(log.work("!r", "close@30", 30.0, job=True))
    lanes.add(log.work("!r", "vote@25 (received late)", 25.0))
    lanes.add(log.work("!r", "vote@35", 35.0))
    release.set()
    await lanes.settle(1)
    assert log.done == ["busy", "vote@25 (received late)", "close@30", "vote@35"]


async def test_adding_work_never_waits_and_every_room_gets_its_turn() -> None:
    lanes, log = Lanes(slots=2), Log()
    releases = [log.hold(f"flood{i}") for i in range(2)]
    for i in range(2):  # one member's rooms take every slot, and keep them busy
        lanes.add(log.work(f"!flood{i}", f"flood{i}", 1.0))
        for n in range(50):
            lanes.add(log.work(f"!flood{i}", f"flood{i}.{n}", 2.0 + n))
    await asyncio.sleep(0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    for n in range(200):  # more rooms than slots: adding returns at once all the same
        lanes.add(log.work(f"!other{n}", f"other{n}", 1.0))
    assert loop.time() - started < 0.5
    for release in releases:
        release.set()
    await lanes.settle(5)
    first_other = log.done.index("other0")
    assert first_other <= 4, f"a waiting room had to wait behind {first_other} pieces of a flood"
    assert log.done.index("other199") < log.done.index("flood0.49"), "rooms take turns, one piece each"
    assert len(log.done) == 2 + 100 + 200


async def test_a_lane_that_cannot_finish_while_stopping_leaves_the_rest_for_the_next_start() -> None:
    lanes, log = Lanes(), Log()
    lanes.add(log.work("!r", "left for later", 1.0, result=False))
    lanes.add(log.work("!r", "after it", 2.0))
    lanes.add(log.work("!other", "other room", 1.0))
    await lanes.settle(1)
    assert sorted(log.done) == ["left for later", "other room"]
    assert lanes.queued("!r") == 0


async def test_drain_waits_bounded_then_takes_nothing_more() -> None:
    lanes, log = Lanes(), Log()
    log.hold("stuck")
    lanes.add(log.work("!r", "stuck", 1.0))
    await asyncio.sleep(0)
    await asyncio.wait_for(lanes.drain(0.1), 5)
    lanes.add(log.work("!r", "too late", 2.0))
    await lanes.settle(0.1)
    assert log.done == [] and lanes.stopped


def _runs(log: list[str], name: str) -> Callable[[], Awaitable[bool]]:
    async def run() -> bool:
        log.append(name)
        return True

    return run


async def test_settle_waits_for_work_added_while_settling() -> None:
    lanes, done = Lanes(), list[str]()

    async def chained() -> bool:
        done.append("first")
        lanes.add(Work("!r", 2.0, True, _runs(done, "added by the first")))
        return True

    lanes.add(Work("!r", 1.0, False, chained))
    await lanes.settle(1)
    assert done == ["first", "added by the first"]


async def test_one_senders_events_hold_at_most_their_share_of_the_slots() -> None:
    """A member who fills twenty rooms leaves the other slots to everybody else: another member's
    command starts at once, however many of the flood's rooms wait."""
    lanes, running, most = Lanes(slots=16), [0], [0]
    release = asyncio.Event()
    done: list[str] = []

    def flood(room: str, n: int) -> Work:
        async def run() -> bool:
            running[0] += 1
            most[0] = max(most[0], running[0])
            await release.wait()
            running[0] -= 1
            done.append(f"{room}.{n}")
            return True

        return Work(room, float(n), False, run, "@mallory:x")

    for r in range(20):
        for n in range(3):
            lanes.add(flood(f"!flood{r}", n))
    await asyncio.sleep(0)
    started = asyncio.Event()

    async def help_() -> bool:
        started.set()
        return True

    lanes.add(Work("!own", 1.0, False, help_, "@alice:x"))
    await asyncio.wait_for(started.wait(), 1)
    assert most[0] == lanes_module.PER_SENDER
    release.set()
    await lanes.settle(5)
    assert len(done) == 60 and most[0] == lanes_module.PER_SENDER
