"""The agenda's stories again in a German room (`!set language de`), on matrixbot's `fake_bot`: every
answer, hint and refusal in German from the plugin's catalog (locale/de), the help and its examples
too, and each example the help gives taken by the bot. A member who chose English gets their answers
in English, while a topic's own message, which the room reacts to, stays in the room's German."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from matrixbot import speaking
from matrixbot.testing import FakeBot, MakeFakeBot
from matrixbot.time import FakeClock

from matrixbot_agenda import Agenda

ALICE, BOB = "@alice:x", "@bob:x"


@pytest.fixture
async def bot(fake_bot: MakeFakeBot) -> FakeBot:
    clock = FakeClock("2030-02-20 12:00", "Europe/Berlin")  # a Wednesday
    return await fake_bot(plugins=[Agenda], clock=clock, timezone="Europe/Berlin")


@pytest.fixture
async def room(bot: FakeBot) -> str:
    room = bot.room(ALICE, BOB, admins=[ALICE])
    await bot.say(room, ALICE, "!set language de")
    return room


async def test_added_topics_are_listed_with_their_notes(bot, room):
    added = await bot.say(
        room, BOB, "!agenda add Haushalt 2030\nDer Entwurf liegt im Ordner\nAbstimmung im Mai"
    )
    assert added.body == (
        "T1 Haushalt 2030 steht jetzt auf der Tagesordnung. "
        "Reagiert mit 👍 auf diese Nachricht, um es zu unterstützen."
    )

    agenda = await bot.say(room, ALICE, "!agenda")

    assert agenda.body.startswith("Tagesordnung (1 offen)\n")
    assert "T1 Haushalt 2030 (von bob)" in agenda.body and "Abstimmung im Mai" in agenda.body
    assert agenda.body.endswith("Reagier mit 👍 auf die Nachricht eines Themas, um es zu unterstützen.")


async def test_an_empty_agenda_says_how_to_add_a_topic(bot, room):
    reply = await bot.say(room, ALICE, "!agenda")
    assert reply.body == "Die Tagesordnung ist leer. Ein Thema setzt du darauf mit !agenda add TITLE"


async def test_a_title_is_required_and_kept_short(bot, room):
    missing = await bot.say(room, BOB, "!agenda add")
    too_long = await bot.say(room, BOB, "!agenda add " + "Wort " * 50)

    assert missing.body.startswith("TITLE fehlt: das kommt nach !agenda add, z. B. !agenda add Haushalt 2025")
    assert too_long.body == (
        "Der Titel hat 249 Zeichen; bleib unter 200 und schreib den Rest in die Zeilen darunter."
    )


async def test_done_takes_a_topic_off_and_only_its_proposer_or_an_admin_may(bot, room):
    await bot.say(room, ALICE, "!agenda add Dienstplan")
    await bot.say(room, BOB, "!agenda add Gehälter")

    refused = await bot.say(room, BOB, "!agenda done T1")
    own = await bot.say(room, BOB, "!agenda done t2")

    assert refused.body == "Nur alice (wer es hinzugefügt hat) oder ein Raum-Admin kann T1 abhaken."
    assert own.body == "Erledigt: T2 Gehälter. Es ist nicht mehr auf der Tagesordnung."


async def test_ids_that_do_not_fit_are_refused_clearly(bot, room):
    await bot.say(room, ALICE, "!agenda add Dienstplan")
    await bot.say(room, ALICE, "!agenda add Gehälter")
    other_room = bot.room(ALICE, admins=[ALICE])
    await bot.say(other_room, ALICE, "!set language de")

    which = await bot.say(room, ALICE, "!agenda done")
    assert (
        which.body
        == "In diesem Raum sind 2 Themen offen (T1, T2): sag, welche du meinst, z. B. !agenda done T2"
    )
    assert "„M1“ ist keine Thema-ID" in (await bot.say(room, ALICE, "!agenda done M1")).body
    elsewhere = await bot.say(other_room, ALICE, "!agenda done T1")
    assert elsewhere.body == "Ein Thema T1 gibt es in diesem Raum nicht; !agenda zeigt die offenen."
    await bot.say(room, ALICE, "!agenda done T1")
    assert (await bot.say(room, ALICE, "!agenda done T1")).body == "T1 ist schon erledigt."


async def test_the_agendas_meeting_goes_on_the_rooms_calendar_in_german(bot, room):
    agenda = bot.plugin(Agenda)
    now = bot.clock.now()
    window = (now - timedelta(days=90), now + timedelta(days=700))
    await bot.say(room, BOB, "!agenda add Haushalt")
    await bot.say(room, ALICE, "!agenda add Dienstplan")

    said = await bot.say(room, ALICE, "!agenda for Donnerstag 18 Uhr")

    assert said.body == (
        "Die Tagesordnung gilt für Donnerstag, 21. Februar 2030, 18:00 (CET): "
        "sie steht im Kalender des Raums (!calendar)."
    )
    with speaking("de", agenda.translations):  # as matrixbot asks for a German room's calendar
        (item,) = await agenda.calendar_items(room, *window)
    assert (item.title, item.kind) == ("Tagesordnung (2 Themen)", "Tagesordnung")
    assert item.details.splitlines() == [
        "1. Haushalt",
        "2. Dienstplan",
        "Themen setzt ihr im Raum auf die Tagesordnung: !agenda add TITLE",
    ]
    off = await bot.say(room, ALICE, "!agenda for keine")
    again = await bot.say(room, ALICE, "!agenda for aus")
    assert off.body == "Die Tagesordnung steht nicht mehr im Kalender des Raums."
    assert again.body == "Die Tagesordnung hatte keinen Termin."
    assert await agenda.calendar_items(room, *window) == []


async def test_the_help_is_in_german_and_its_examples_are_taken(bot, room):
    helped = await bot.say(room, BOB, "!help agenda")
    assert "Zeigt die Tagesordnung: die offenen Themen" in helped.body
    assert "Setzt ein Thema auf die Tagesordnung." in helped.body
    await bot.say(room, ALICE, "!agenda add Eins")
    await bot.say(room, ALICE, "!agenda add Zwei")  # T3, the done example's, is the one made next

    examples = re.findall(r"Beispiel: (.+)", helped.body)
    answers = [(await bot.say(room, ALICE, e.replace("⏎", "\n"))).body for e in examples]

    assert len(examples) == 3, helped.body
    assert answers[0].startswith("T3 Haushalt 2025 steht jetzt auf der Tagesordnung."), answers
    assert answers[1].startswith("Erledigt: T3 Haushalt 2025."), answers
    assert answers[2].startswith("Die Tagesordnung gilt für Donnerstag, 21. Februar 2030, 18:00"), answers


async def test_a_member_s_own_language_is_theirs_but_a_topic_s_message_is_the_room_s(bot, room):
    await bot.say(room, BOB, "!set my language en")

    added = await bot.say(room, BOB, "!agenda add Dienstplan")
    listed = await bot.say(room, BOB, "!agenda")

    assert added.body.startswith("T1 Dienstplan steht jetzt auf der Tagesordnung."), "the room reacts to it"
    assert listed.body.startswith("Agenda (1 open)\n"), "an answer to Bob is in his language"
