"""The datepoll store on a real SQLite file: polls made once, votes replaced, yeses taken back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from matrixbot.plugins.datepoll.migrations import MIGRATIONS
from matrixbot.plugins.datepoll.model import Ballot
from matrixbot.plugins.datepoll.store import BusyStore, PollStore

from matrixbot.testing import Storage
from tests.plugins.datepoll.test_logic import TIMES, make_poll, option


@pytest.fixture
async def store(storage: Storage) -> AsyncIterator[PollStore]:
    db = await storage.open()
    await db.migrate("datepoll", MIGRATIONS)
    yield PollStore(db)
    await db.close()


async def test_the_same_command_handled_twice_makes_one_poll(store: PollStore):
    for _ in range(2):
        async with store.db.transaction() as tx:
            poll_id = await store.create(tx, make_poll(), "$command")
    assert poll_id == 1
    polls = await store.open_polls("!r:x")
    assert len(polls) == 1 and [o.number for o in polls[0].options] == [1, 2, 3]
    assert polls[0].options[0].when.start == make_poll().options[0].when.start


async def test_ballots_are_replaced_and_an_emptied_vote_is_no_vote(store: PollStore):
    async with store.db.transaction() as tx:
        poll_id = await store.create(tx, make_poll(), "$command")
    await store.save_ballot(poll_id, Ballot("@a", frozenset({1, 2}), frozenset({3})))
    await store.save_ballot(poll_id, Ballot("@a", frozenset({2})))
    await store.save_ballot(poll_id, Ballot("@b"))
    assert await store.ballots(poll_id) == [Ballot("@a", frozenset({2})), Ballot("@b")]
    await store.remove_yes(poll_id, "@a", 2)
    assert await store.ballots(poll_id) == [Ballot("@b")]


async def test_changing_an_option_drops_its_votes_and_the_votes_left_empty(store: PollStore):
    async with store.db.transaction() as tx:
        poll_id = await store.create(tx, make_poll(), "$command")
    await store.save_ballot(poll_id, Ballot("@a", frozenset({1, 2})))
    await store.save_ballot(poll_id, Ballot("@b", maybe=frozenset({2})))
    await store.save_ballot(poll_id, Ballot("@c"))
    new = option(2, "3-4pm Thursday 29th February 2024")
    async with store.db.transaction() as tx:
        assert await store.replace_option(tx, poll_id, new) == ["@a", "@b"]
    assert await store.ballots(poll_id) == [Ballot("@a", frozenset({1})), Ballot("@c")]
    polls = await store.open_polls("!r:x")
    assert polls[0].options[1].when.start == new.when.start and polls[0].options[1].text == new.text


async def test_a_busy_time_without_an_end_takes_an_hour(store: PollStore):
    busy = BusyStore(store.db)
    when = TIMES.parse("3pm 1 March 2024", "Europe/London")
    await busy.add("!r:x", "AGM", when, "@a")
    assert [
        title
        for _, title, _ in await busy.overlapping(
            "!r:x", when.start + timedelta(minutes=59), when.start + timedelta(hours=2)
        )
    ] == ["AGM"]
    assert (
        await busy.overlapping("!r:x", when.start + timedelta(hours=1), when.start + timedelta(hours=2)) == []
    )
