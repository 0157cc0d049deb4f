"""The agenda's commands and its 👍 reaction, through the real core on matrixbot's `fake_bot` (no homeserver)."""

from __future__ import annotations

from typing import Protocol

import pytest
from matrixbot import RoomEvent

from matrixbot_agenda import Agenda

ALICE, BOB = "@alice:x", "@bob:x"


class Reply(Protocol):
    body: str


def text(posted: Reply) -> str:
    """A reply's plain text, without the isolation marks around the user's words."""
    return posted.body.replace("\u2068", "").replace("\u2069", "")


@pytest.fixture
async def bot(fake_bot):
    return await fake_bot(plugins=[Agenda])


@pytest.fixture
def room(bot):
    return bot.room(ALICE, BOB, admins=[ALICE])


async def test_added_topics_are_listed_with_their_notes(bot, room):
    added = await bot.say(
        room, BOB, "!agenda add Budget for 2025\nDraft is in the shared folder\nVote in May"
    )
    assert "Added T1 Budget for 2025" in text(added)

    agenda = await bot.say(room, ALICE, "!agenda")

    assert "T1" in text(agenda) and "(from bob)" in text(agenda)
    assert "Draft is in the shared folder" in text(agenda) and "Vote in May" in text(agenda)


async def test_an_empty_agenda_says_how_to_add_a_topic(bot, room):
    reply = await bot.say(room, ALICE, "!agenda")
    assert text(reply) == "The agenda is empty. Add a topic with !agenda add TITLE"


async def test_user_text_comes_back_escaped(bot, room):
    added = await bot.say(room, BOB, "!agenda add <b>loud</b> & proud\n<script>x</script>")
    agenda = await bot.say(room, BOB, "!agenda")

    for html in (added.html, agenda.html):
        assert "<b>loud</b>" not in html and "<script>" not in html
    assert "&lt;b&gt;loud&lt;/b&gt; &amp; proud" in agenda.html
    assert "&lt;script&gt;x&lt;/script&gt;" in agenda.html


async def test_a_title_is_required_and_kept_short(bot, room):
    missing = await bot.say(room, BOB, "!agenda add")
    too_long = await bot.say(room, BOB, "!agenda add " + "word " * 60)

    assert "TITLE is missing" in text(missing)
    assert "keep it under 200" in text(too_long)
    assert "The agenda is empty" in text(await bot.say(room, BOB, "!agenda"))


async def test_support_orders_the_agenda_and_can_be_withdrawn(bot, room):
    await bot.say(room, ALICE, "!agenda add Rota")
    second = await bot.say(room, ALICE, "!agenda add Pay review")

    thumbs = await _react(bot, room, BOB, second.event_id, "👍")
    await _react(bot, room, ALICE, second.event_id, "👍🏽")
    await _react(bot, room, BOB, second.event_id, "🎉")  # not support
    first = text(await bot.say(room, ALICE, "!agenda"))
    assert first.index("T2 Pay review") < first.index("T1 Rota"), first
    assert "👍 2" in first

    await _unreact(bot, room, BOB, thumbs)
    await _react(bot, room, ALICE, second.event_id, "👍")  # the same person twice counts once
    assert "👍 1" in text(await bot.say(room, ALICE, "!agenda"))


async def test_done_takes_a_topic_off_and_only_its_proposer_or_an_admin_may(bot, room):
    await bot.say(room, ALICE, "!agenda add Rota")
    await bot.say(room, BOB, "!agenda add Pay review")

    refused = await bot.say(room, BOB, "!agenda done T1")
    own = await bot.say(room, BOB, "!agenda done t2")
    admin = await bot.say(room, ALICE, "!agenda done")  # the only open topic left: T1

    assert text(refused) == "Only its organiser or a room admin can tick off T1."
    assert text(own) == "Done: T2 Pay review. It is off the agenda."
    assert text(admin) == "Done: T1 Rota. It is off the agenda."
    assert "The agenda is empty" in text(await bot.say(room, BOB, "!agenda"))


async def test_ids_that_do_not_fit_are_refused_clearly(bot, room):
    await bot.say(room, ALICE, "!agenda add Rota")
    await bot.say(room, ALICE, "!agenda add Pay review")
    other_room = bot.room(ALICE, admins=[ALICE])

    assert "T1, T2" in text(await bot.say(room, ALICE, "!agenda done"))
    assert "'M1' is not a topic id" in text(await bot.say(room, ALICE, "!agenda done M1"))
    assert "no topic T1 in this room" in text(await bot.say(other_room, ALICE, "!agenda done T1"))
    await bot.say(room, ALICE, "!agenda done T1")
    assert "T1 is done already" in text(await bot.say(room, ALICE, "!agenda done T1"))


async def test_a_command_handled_again_after_a_crash_adds_nothing_twice(bot, room):
    """The inbox hands a command over again when its handling was cut short: the topic it made is
    found, and the reply reuses the first one's transaction id."""
    event = RoomEvent(
        "$add", room, ALICE, "m.room.message", {"msgtype": "m.text", "body": "!agenda add Rota"}
    )
    before = len(bot.fake.posted)

    await bot.dispatcher.handle(event)
    await bot.dispatcher.handle(event)

    assert len(bot.fake.posted) == before + 1, "the second reply must reuse the first one's transaction id"
    agenda = await bot.say(room, ALICE, "!agenda")
    assert "T1 Rota" in text(agenda) and "T2" not in text(agenda)


async def _react(bot, room: str, sender: str, target: str, key: str) -> str:
    """React as `sender`, as a sync would deliver it; return the reaction's event id (to redact it)."""
    event_id = f"$reaction-{sender}-{key}"
    relation = {"rel_type": "m.annotation", "event_id": target, "key": key}
    await bot.dispatcher.handle(RoomEvent(event_id, room, sender, "m.reaction", {"m.relates_to": relation}))
    return event_id


async def _unreact(bot, room: str, sender: str, reaction: str) -> None:
    """Take a reaction away (redact it), as a sync would deliver it."""
    content = {"redacts": reaction}
    await bot.dispatcher.handle(
        RoomEvent(f"$un{reaction}", room, sender, "m.room.redaction", content, redacts=reaction)
    )
