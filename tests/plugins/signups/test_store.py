"""The signups store on a real database file: the last place is given exactly once, nothing half-stored."""

from __future__ import annotations

import asyncio

import pytest
from matrixbot.plugins.signups.migrations import MIGRATIONS
from matrixbot.plugins.signups.model import Details, Sheet, SignupList
from matrixbot.plugins.signups.store import SignupStore

from matrixbot.db import Tx
from matrixbot.errors import UserError
from matrixbot.testing import Storage
from matrixbot.time import FakeClock, TimeParser


async def no_jobs(tx: Tx, signup_list: SignupList) -> None:
    return None


def anything(sheet: Sheet) -> None:
    return None


@pytest.fixture
async def two_connections(storage: Storage):
    """Two connections to one database, as two processes would have: the database alone orders them."""
    first = await storage.open()
    await first.migrate("signups", MIGRATIONS)
    second = await storage.open_again(first)
    yield SignupStore(first), SignupStore(second)
    await first.close()
    await second.close()


async def make_list(store: SignupStore, places: int) -> SignupList:
    times = TimeParser(FakeClock("2024-06-01 10:00", "Europe/London"))
    details = Details("Tech chats", times.parse("13 June 2024 6pm", "Europe/London"), talks=1, places=places)
    return await store.create("!room:x", "@org:x", "$command", details, no_jobs)


async def test_two_people_at_once_for_the_last_place(two_connections):
    one, other = two_connections
    signup_list = await make_list(one, places=2)
    await one.join(signup_list.id, "@first:x", "attend", None, anything)
    await asyncio.gather(
        one.join(signup_list.id, "@alice:x", "attend", None, anything),
        other.join(signup_list.id, "@bob:x", "attend", None, anything),
    )
    alloc = (await one.sheet(signup_list)).allocation
    assert len(alloc.attendees) == 2 and alloc.attendees[0].user_id == "@first:x"
    assert len(alloc.waitlist) == 1
    assert {alloc.attendees[1].user_id, alloc.waitlist[0].user_id} == {"@alice:x", "@bob:x"}


async def test_create_is_idempotent_and_join_twice_keeps_one(two_connections):
    store, _ = two_connections
    first = await make_list(store, places=3)
    assert (await make_list(store, places=3)).id == first.id
    await store.join(first.id, "@a:x", "attend", None, anything)
    change = await store.join(first.id, "@a:x", "attend", None, anything)
    assert len(change.before.entries) == len(change.after.entries) == 1


async def test_a_refused_change_stores_nothing(two_connections):
    store, _ = two_connections
    signup_list = await make_list(store, places=3)

    def too_big(sheet: Sheet) -> None:
        raise UserError("too big")

    with pytest.raises(UserError):
        await store.join(signup_list.id, "@a:x", "talk", "topic", too_big)
    assert (await store.sheet(signup_list)).entries == ()
