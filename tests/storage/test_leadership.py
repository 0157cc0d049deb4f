"""The leader's lock on a real PostgreSQL server: one instance leads, another takes over when it is
gone; a leader whose session is cut stops posting at once, takes the lock back if nobody led
meanwhile, and otherwise loses the lead; a silent session ends the lease LEASE s after the last
answered heartbeat, before the server could free the lock (KEEPALIVE_SECONDS)."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator

import pytest

from matrixbot.errors import LostLead
from matrixbot.lifecycle import Lease
from matrixbot.storage.leadership import HEARTBEAT, KEEPALIVE_SECONDS, LEASE, LOCK, LeaderLock
from matrixbot.storage.postgres import KEEPALIVE
from matrixbot.testing.postgres import Postgres
from tests.storage.pgproxy import Gate


class Instance:
    """One instance's lease and lock, and what it was told when it lost the lead."""

    def __init__(self, url: str) -> None:
        self.lease = Lease()
        self.lost: list[LostLead] = []
        self.lock = LeaderLock(url, self.lease, self.lost.append)


@pytest.fixture
async def url(postgres: Postgres) -> AsyncIterator[str]:
    made = postgres.create_database()
    yield made
    postgres.drop_database(made.rsplit("/", 1)[1])


@pytest.fixture
async def instances(url: str) -> AsyncIterator[list[Instance]]:
    made: list[Instance] = []
    yield made
    for each in made:
        await each.lock.close()


def holder(postgres: Postgres) -> int | None:
    """The pid of the session holding the leader's lock, read by the superuser."""
    out = postgres.sql(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
        f"AND classid = {LOCK[0]} AND objid = {LOCK[1]} AND objsubid = 2"
    ).strip()
    return int(out) if out else None


async def until(condition, within: float) -> float:
    """Seconds until `condition()` held (AssertionError past `within`)."""
    began = time.monotonic()
    while not condition():
        assert time.monotonic() - began < within, f"not within {within} s"
        await asyncio.sleep(0.005)
    return time.monotonic() - began


def test_the_margins_hold_a_leader_stops_before_the_server_can_free_its_lock():
    probes = int(KEEPALIVE["tcp_keepalives_idle"]) + int(KEEPALIVE["tcp_keepalives_count"]) * int(
        KEEPALIVE["tcp_keepalives_interval"]
    )
    assert min(probes, int(KEEPALIVE["tcp_user_timeout"]) / 1000) == KEEPALIVE_SECONDS
    assert LEASE + 2 <= KEEPALIVE_SECONDS, "two seconds at least between the fence and a take-over"
    assert HEARTBEAT * 3 <= LEASE, "one late heartbeat does not fence the leader"


async def test_one_leads_and_another_takes_over_when_it_is_gone(url, instances):
    a, b = Instance(url), Instance(url)
    instances += [a, b]
    assert await a.lock.take() and a.lease.holds()
    office = await a.lock.take_office("DEVICEA")
    assert (office.term, office.previous_device, office.taken_over) == (1, None, False)
    assert not await b.lock.take(), "the lock is held"
    waiting = asyncio.create_task(b.lock.wait_to_take(asyncio.Event()))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    await a.lock.close()
    assert await asyncio.wait_for(waiting, 3)
    office = await b.lock.take_office("DEVICEB")
    assert (office.term, office.previous_device, office.taken_over) == (2, "DEVICEA", True)
    assert not a.lost and not b.lost


async def test_the_same_device_again_takes_nothing_over(url, instances):
    a = Instance(url)
    instances.append(a)
    await a.lock.take()
    await a.lock.take_office("DEVICEA")
    await a.lock.close()
    again = Instance(url)
    instances.append(again)
    await again.lock.take()
    assert not (await again.lock.take_office("DEVICEA")).taken_over


async def test_a_cut_session_stops_the_leader_at_once_and_it_takes_the_lock_back(url, instances, postgres):
    gate = Gate(postgres.port)
    await gate.start()
    a = Instance(gate.url(url))
    instances.append(a)
    await a.lock.take()
    await a.lock.take_office("DEVICEA")
    gate.refusing = True  # it cannot connect again for now
    postgres.sql(f"SELECT pg_terminate_backend({holder(postgres)})")
    fenced = await until(lambda: not a.lease.holds(), 1)
    assert fenced < 0.5, f"the lease ended {fenced:.3f} s after the cut"
    await asyncio.sleep(1.5)
    assert not a.lease.holds() and not a.lost, "it waits, fenced, while the server cannot be reached"
    gate.refusing = False
    await until(a.lease.holds, 5)
    assert not a.lost and holder(postgres) is not None
    await a.lock.close()
    await gate.close()


async def test_a_leader_cut_off_while_another_led_loses_the_lead(url, instances, postgres):
    gate = Gate(postgres.port)
    await gate.start()
    a, b = Instance(gate.url(url)), Instance(url)
    instances += [a, b]
    await a.lock.take()
    await a.lock.take_office("DEVICEA")
    gate.refusing = True
    postgres.sql(f"SELECT pg_terminate_backend({holder(postgres)})")
    await until(lambda: not a.lease.holds(), 1)
    assert await b.lock.take()
    await b.lock.take_office("DEVICEB")
    await b.lock.close()  # b led, and is gone again: the lock is free
    gate.refusing = False
    await until(lambda: bool(a.lost), 5)
    assert "led meanwhile" in str(a.lost[0]) and not a.lease.holds()
    assert holder(postgres) is None, "the old leader does not keep the lock it took back"
    await a.lock.close()
    await gate.close()


async def test_a_leader_finding_another_holding_the_lock_loses_the_lead(url, instances, postgres):
    a, b = Instance(url), Instance(url)
    instances += [a, b]
    await a.lock.take()
    await a.lock.take_office("DEVICEA")
    b_waits = asyncio.create_task(b.lock.wait_to_take(asyncio.Event()))
    await asyncio.sleep(0.1)
    postgres.sql(f"SELECT pg_terminate_backend({holder(postgres)})")
    await until(lambda: not a.lease.holds(), 1)
    # whichever asks first holds it; the other stands by (b) or has lost the lead (a)
    await until(lambda: bool(a.lost) or a.lease.holds(), 5)
    if a.lost:
        assert "holds the leader's lock" in str(a.lost[0]) and not a.lease.holds()
        assert await asyncio.wait_for(b_waits, 3)
    else:
        assert not b_waits.done()
        b_waits.cancel()


async def test_a_refusal_for_good_loses_the_lead(url, instances, postgres):
    role = f"r_{secrets.token_hex(4)}"
    postgres.sql(f"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD 'pw'")
    own = url.replace(f"postgres:{postgres.password}@", f"{role}:pw@")
    a = Instance(own)
    instances.append(a)
    await a.lock.take()
    postgres.sql(f"ALTER ROLE {role} NOLOGIN")
    postgres.sql(f"SELECT pg_terminate_backend({holder(postgres)})")
    await until(lambda: bool(a.lost), 5)
    assert "refused" in str(a.lost[0]) and not a.lease.holds()


@pytest.mark.slow  # it waits out a real lease (about 5 s) and checks when it ended
async def test_a_silent_session_ends_the_lease_after_the_last_answered_heartbeat(url, instances, postgres):
    gate = Gate(postgres.port)
    await gate.start()
    a = Instance(gate.url(url))
    instances.append(a)
    await a.lock.take()
    await a.lock.take_office("DEVICEA")
    await asyncio.sleep(1.2)  # a heartbeat or two answered
    gate.silence()
    silent_at = time.monotonic()
    fenced = await until(lambda: not a.lease.holds(), LEASE + 1)
    assert LEASE - HEARTBEAT - 0.2 <= fenced <= LEASE + 0.2, f"fenced {fenced:.2f} s into the silence"
    # it then connects again (new connections pass), ends its old session and leads on, same term
    await until(a.lease.holds, 10)
    assert not a.lost
    assert time.monotonic() - silent_at < LEASE + 5
    await a.lock.close()
    await gate.close()
