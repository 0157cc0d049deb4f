"""The numbered poll message is the live tally: edited in place on every vote, however it came (issue 17)."""

from __future__ import annotations

import pytest
from matrixbot.plugins.datepoll import DatePoll

from matrixbot.testing import FakeBot, Posted
from matrixbot.time import FakeClock

POLL_START = "org.matrix.msc3381.poll.start"
POLL_END = "org.matrix.msc3381.poll.end"


@pytest.fixture
async def bot(tmp_path, storage):
    fake = await FakeBot.create(
        tmp_path, plugins=[DatePoll], clock=FakeClock("2027-02-16 12:00", "Europe/London"), **storage.config()
    )
    yield fake
    await fake.stop()


def edit_of(posted: list[Posted], event_id: str) -> str:
    [edit] = [p for p in posted if (p.content.get("m.relates_to") or {}).get("event_id") == event_id]
    assert edit.content["m.relates_to"]["rel_type"] == "m.replace"
    return plain(edit.content["m.new_content"]["body"])


def plain(text: str) -> str:
    """The text without the bidi isolates around names and titles."""
    return text.replace("\u2068", "").replace("\u2069", "")


async def test_every_channel_of_voting_edits_the_tally(bot):
    room = bot.room("@alice:x", "@bob:x", "@carol:x")
    before = len(bot.fake.posted)
    made = await bot.say(
        room, "@alice:x", "!poll Call\n3pm 1 March\n3pm 2 March\ncloses: 25 February 2027 5pm"
    )
    [start] = [p for p in bot.fake.posted[before:] if p.type == POLL_START]
    made_body = plain(made.body)
    assert "1. Mon 1 Mar 2027, 15:00 GMT — 0 yes, 0 maybe" in made_body
    assert "Not voted yet: alice, bob, carol" in made_body
    assert "ticks in the poll below, reactions" in made_body.lower() and "all count" in made_body
    assert (
        "In Element Web the poll takes one tick: react with the numbers or say !vote to choose several"
        in made_body
    )

    before = len(bot.fake.posted)
    await bot.say(room, "@bob:x", "!vote 1 maybe 2")
    tally = edit_of(bot.fake.posted[before:], made.event_id)
    assert "1. Mon 1 Mar 2027, 15:00 GMT — 1 yes, 0 maybe" in tally
    assert "2. Tue 2 Mar 2027, 15:00 GMT — 0 yes, 1 maybe" in tally
    assert "Not voted yet: alice, carol" in tally

    tally = edit_of(await bot.react(room, "@carol:x", made.event_id, "2️⃣"), made.event_id)
    assert "2. Tue 2 Mar 2027, 15:00 GMT — 1 yes, 1 maybe" in tally and "Not voted yet: alice" in tally

    tick = {
        "m.relates_to": {"rel_type": "m.reference", "event_id": start.event_id},
        "org.matrix.msc3381.poll.response": {"answers": ["1", "2"]},
    }
    tally = edit_of(await bot.send(room, "@alice:x", "org.matrix.msc3381.poll.response", tick), made.event_id)
    assert "1. Mon 1 Mar 2027, 15:00 GMT — 2 yes, 0 maybe" in tally
    assert "2. Tue 2 Mar 2027, 15:00 GMT — 2 yes, 1 maybe" in tally
    assert "Not voted yet: nobody" in tally


async def test_the_poll_end_event_carries_the_winner_and_the_full_tally(bot):
    room = bot.room("@alice:x", "@bob:x")
    made = await bot.say(room, "@alice:x", "!poll Call\n3pm 1 March\n3pm 2 March")
    await bot.say(room, "@bob:x", "!vote 2")
    await bot.say(room, "@alice:x", "!vote 2 maybe 1")
    closing = {"msgtype": "m.text", "body": "!poll close"}
    posted = await bot.send(room, "@alice:x", "m.room.message", closing) + await bot.run_due()
    [end] = [p for p in posted if p.type == POLL_END]
    assert plain(end.body) == (
        "The poll Call has ended. Winner: Tue 2 Mar 2027, 15:00 GMT. "
        "1. Mon 1 Mar 2027, 15:00 GMT: 0 yes, 1 maybe; 2. Tue 2 Mar 2027, 15:00 GMT: 2 yes, 0 maybe"
    )
    final = edit_of(posted, made.event_id)
    assert "Closed; votes are no longer counted." in final and "Winner: Tue 2 Mar 2027, 15:00 GMT." in final
