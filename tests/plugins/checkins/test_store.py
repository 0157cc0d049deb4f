"""The check-ins store on a real SQLite file: a command or job handled twice creates nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from matrixbot.plugins.checkins.migrations import MIGRATIONS
from matrixbot.plugins.checkins.model import Answer, Asked
from matrixbot.plugins.checkins.parse import RoundSpec
from matrixbot.plugins.checkins.store import CheckinStore

NOW = datetime(2024, 3, 1, 10, tzinfo=UTC)
CLOSES = NOW + timedelta(days=14)
SPEC = RoundSpec("Still here?", None, "3 months", timedelta(days=3), timedelta(days=14))


@pytest.fixture
async def store(storage):
    db = await storage.open()
    await db.migrate("checkins", MIGRATIONS)
    yield CheckinStore(db)
    await db.close()


async def test_handled_twice_creates_one_series_and_round(store):
    ids = []
    for _ in range(2):
        async with store.db.transaction() as tx:
            series_id = await store.create_series(tx, "!r:x", "@ann:x", SPEC, "Europe/London", NOW, "$cmd")
            round_id, new = await store.open_round(tx, series_id, 1, NOW, CLOSES)
            await store.add_asked(tx, round_id, [Asked("@ann:x"), Asked("@ben:x")])
            ids.append((series_id, round_id, new))
    assert ids[0][:2] == ids[1][:2] and [new for *_, new in ids] == [True, False]
    rnd = await store.round(ids[0][1], "!r:x")
    assert rnd is not None and rnd.closes_at == CLOSES and rnd.series.every == "3 months"
    assert [a.user_id for a in await store.asked(rnd.id)] == ["@ann:x", "@ben:x"]


async def test_answers_once_per_event_even_after_close(store):
    """The store keeps an answer once per event; whether it came in time is the plugin's judgement
    (by when it was sent), so an answer stored after the close is one sent before it."""
    async with store.db.transaction() as tx:
        series_id = await store.create_series(tx, "!r:x", "@ann:x", SPEC, "UTC", NOW, "$cmd")
        round_id, _ = await store.open_round(tx, series_id, 1, NOW, CLOSES)
    answer = Answer("@ann:x", NOW, "hi", "command", "$a1")
    assert await store.add_answer(round_id, answer) is True
    assert await store.add_answer(round_id, answer) is False
    async with store.db.transaction() as tx:
        assert await store.close(tx, round_id) is True
        assert await store.close(tx, round_id) is False
    assert await store.add_answer(round_id, Answer("@ben:x", NOW, "", "reaction", "$a2")) is True
    assert [a.event_id for a in await store.answers(round_id)] == ["$a1", "$a2"]


async def test_a_series_stored_before_working_hours_reads_as_one_without_a_set_clock(storage):
    db = await storage.open()
    await db.migrate("checkins", MIGRATIONS[:1])
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO checkins_series (room_id, organiser, question, every, nudge_seconds, close_seconds, "
            "zone, first_at) VALUES ('!r:x', '@ann:x', 'Still here?', '3 months', 259200, 1209600, "
            "'Europe/London', ?)",
            (NOW.timestamp(),),
        )
        await tx.execute(
            "INSERT INTO checkins_rounds (series_id, number, room_id, opened_at, closes_at) "
            "VALUES (1, 1, '!r:x', ?, ?)",
            (NOW.timestamp(), CLOSES.timestamp()),
        )
    assert await db.migrate("checkins", MIGRATIONS) == len(MIGRATIONS) - 1
    rnd = await CheckinStore(db).round(1, "!r:x")
    assert rnd is not None and rnd.closes_at == CLOSES
    assert rnd.series.clock_fixed is False, "a stored series had no 'at:' flag: it moves like the others"
    await db.close()
