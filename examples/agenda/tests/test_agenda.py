"""The agenda's commands and its 👍 reaction, through the real core on matrixbot's `fake_bot` (no homeserver)."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from matrixbot import CalendarItem
from matrixbot.testing import FakeBot, MakeFakeBot

from matrixbot_agenda import Agenda

ALICE, BOB = "@alice:x", "@bob:x"


@pytest.fixture
async def bot(fake_bot: MakeFakeBot) -> FakeBot:
    return await fake_bot(plugins=[Agenda])


@pytest.fixture
def room(bot: FakeBot) -> str:
    return bot.room(ALICE, BOB, admins=[ALICE])


async def test_added_topics_are_listed_with_their_notes(bot, room):
    added = await bot.say(
        room, BOB, "!agenda add Budget for 2025\nDraft is in the shared folder\nVote in May"
    )
    assert "Added T1 Budget for 2025" in added.body

    agenda = await bot.say(room, ALICE, "!agenda")

    assert "T1" in agenda.body and "(from bob)" in agenda.body
    assert "Draft is in the shared folder" in agenda.body and "Vote in May" in agenda.body


async def test_an_empty_agenda_says_how_to_add_a_topic(bot, room):
    reply = await bot.say(room, ALICE, "!agenda")
    assert reply.body == "The agenda is empty. Add a topic with !agenda add TITLE"


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

    assert "TITLE is missing" in missing.body
    assert "keep it under 200" in too_long.body
    assert "The agenda is empty" in (await bot.say(room, BOB, "!agenda")).body


async def test_support_orders_the_agenda_and_can_be_withdrawn(bot, room):
    await bot.say(room, ALICE, "!agenda add Rota")
    second = await bot.say(room, ALICE, "!agenda add Pay review")

    await bot.react(room, BOB, second.event_id, "👍")
    await bot.react(room, ALICE, second.event_id, "👍🏽")
    await bot.react(room, BOB, second.event_id, "🎉")  # not support
    first = (await bot.say(room, ALICE, "!agenda")).body
    assert first.index("T2 Pay review") < first.index("T1 Rota"), first
    assert "👍 2" in first

    await bot.unreact(room, BOB, second.event_id, "👍")
    await bot.react(room, ALICE, second.event_id, "👍")  # the same person twice counts once
    assert "👍 1" in (await bot.say(room, ALICE, "!agenda")).body


async def test_done_takes_a_topic_off_and_only_its_proposer_or_an_admin_may(bot, room):
    await bot.say(room, ALICE, "!agenda add Rota")
    await bot.say(room, BOB, "!agenda add Pay review")

    refused = await bot.say(room, BOB, "!agenda done T1")
    own = await bot.say(room, BOB, "!agenda done t2")
    admin = await bot.say(room, ALICE, "!agenda done")  # the only open topic left: T1

    assert refused.body == "Only alice (who added it) or a room admin can tick off T1."
    assert own.body == "Done: T2 Pay review. It is off the agenda."
    assert admin.body == "Done: T1 Rota. It is off the agenda."
    assert "The agenda is empty" in (await bot.say(room, BOB, "!agenda")).body


async def test_ids_that_do_not_fit_are_refused_clearly(bot, room):
    await bot.say(room, ALICE, "!agenda add Rota")
    await bot.say(room, ALICE, "!agenda add Pay review")
    other_room = bot.room(ALICE, admins=[ALICE])

    assert "T1, T2" in (await bot.say(room, ALICE, "!agenda done")).body
    assert "'M1' is not a topic id" in (await bot.say(room, ALICE, "!agenda done M1")).body
    assert "no topic T1 in this room" in (await bot.say(other_room, ALICE, "!agenda done T1")).body
    await bot.say(room, ALICE, "!agenda done T1")
    assert "T1 is done already" in (await bot.say(room, ALICE, "!agenda done T1")).body


async def test_a_command_handled_again_after_a_crash_adds_nothing_twice(bot, room):
    """The inbox hands a command over again when its handling was cut short: the topic it made is
    found, and the reply reuses the first one's transaction id."""
    added = await bot.say(room, ALICE, "!agenda add Rota")

    again = await bot.replay(added)

    assert again == [], "the second reply must reuse the first one's transaction id"
    agenda = await bot.say(room, ALICE, "!agenda")
    assert "T1 Rota" in agenda.body and "T2" not in agenda.body


async def test_the_agendas_meeting_goes_on_the_rooms_calendar_with_its_topics(bot, room):
    """`!agenda for` puts the meeting on the room's calendar through matrixbot's calendar API
    (`calendar_items` returning `CalendarItem`s): the `!calendar` feed and agenda page show it."""
    agenda = bot.plugin(Agenda)
    now = bot.clock.now()
    window = (now - timedelta(days=90), now + timedelta(days=700))
    assert await agenda.calendar_items(room, *window) == []
    await bot.say(room, BOB, "!agenda add Budget")
    await bot.say(room, ALICE, "!agenda add Rota")

    said = await bot.say(room, ALICE, "!agenda for Thursday 6pm")

    assert "on the room's calendar" in said.body
    (item,) = await agenda.calendar_items(room, *window)
    assert (
        isinstance(item, CalendarItem) and item.key == "agenda" and item.title == "Meeting agenda (2 topics)"
    )
    assert item.start.astimezone(UTC).weekday() == 3 and item.end - item.start == timedelta(hours=1)
    assert item.details.splitlines()[:2] == ["1. Budget", "2. Rota"]
    await bot.say(room, ALICE, "!agenda for none")
    assert await agenda.calendar_items(room, *window) == []
