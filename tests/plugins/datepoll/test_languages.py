"""A date poll in a German room and in a Spanish one, end to end on FakeBot: proposed with a typo
among its options, voted on with the words of the language (vielleicht, quizás, keine), closed, the
result announced; what the room keeps is in its language, a member's own answers in theirs."""

from __future__ import annotations

from datetime import timedelta

from matrixbot.plugins.datepoll import DatePoll

from matrixbot.testing import FakeBot
from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock

ALICE, BOB, CAROL = "@alice:x", "@bob:x", "@carol:x"


async def _room(fake_bot: MakeFakeBot, language: str) -> tuple[FakeBot, str]:
    bot = await fake_bot(
        plugins=[DatePoll], clock=FakeClock("2030-02-20 12:00", "Europe/Berlin"), timezone="Europe/Berlin"
    )
    room = bot.room(ALICE, BOB, CAROL, admins=[ALICE])
    await bot.say(room, ALICE, f"!set language {language}")
    return bot, room


async def test_the_cotech_poll_in_german(fake_bot: MakeFakeBot) -> None:
    bot, room = await _room(fake_bot, "de")
    tally = await bot.say(
        room,
        ALICE,
        "!poll MoU-Call\nDienstag, 5. März 15-16 Uhr\nMittwoch, 6. März 15-16 Uhr\n"
        "Dienstag, 5. März 2014 15-16 Uhr\nschließt: 1. März 17 Uhr",
    )
    assert tally.body.startswith(
        "P1: MoU-Call\n1. Dienstag, 5. März 2030, 15:00–16:00 (CET) — 0 ja, 0 vielleicht\n"
        "2. Mittwoch, 6. März 2030, 15:00–16:00 (CET) — 0 ja, 0 vielleicht\n"
        "3. Mittwoch, 5. März 2014, 15:00–16:00 (CET) — 0 ja, 0 vielleicht\n"
        "   ⚠️ Der 5. März 2014 war ein Mittwoch, kein Dienstag; meintest du Dienstag, 5. März 2030?\n"
        "   ⚠️ in der Vergangenheit\n"
        "Endet am Freitag, 1. März 2030, 17:00 (CET).\n"
        "Noch nicht abgestimmt: alice, bob, carol\n"
    ), tally.body
    assert "!vote P1 1 vielleicht 3" in tally.body, "the example to type is in the language too"
    native = bot.fake.posted[-1]
    answers = native.content["org.matrix.msc3381.poll.start"]["answers"]
    assert answers[0]["org.matrix.msc1767.text"] == "Dienstag, 5. März 2030, 15:00–16:00 (CET)"

    fixed = await bot.say(room, ALICE, "!poll fix P1 3 Donnerstag, 7. März 15-16 Uhr")
    assert (
        fixed.body
        == "P1: Option 3. Donnerstag, 7. März 2030, 15:00–16:00 (CET) ersetzt Dienstag, 5. März 2014 15-16 Uhr."
    )
    voted = await bot.say(room, BOB, "!vote 1 vielleicht 2")
    assert voted.body == "Deine Stimme bei P1: ja zu 1, vielleicht zu 2."
    assert "1 ja, 0 vielleicht" in bot.fake.posted[-1].new_body, "the tally is edited"
    assert (await bot.say(room, CAROL, "!vote 1, 3")).body == "Deine Stimme bei P1: ja zu 1, 3."
    wrong = await bot.say(room, CAROL, "!vote 1 jein")
    assert wrong.body == (
        "„jein“ ist keine Option: gib Optionsnummern von 1 bis 3 an, „vielleicht“ vor denen, die "
        "notfalls gehen, oder „keine“."
    )
    assert (await bot.say(room, ALICE, "!vote keine")).body == "Deine Stimme bei P1: keine der Optionen."

    bot.clock.advance(timedelta(days=9, hours=5))  # past 1 March 17:00
    posted = await bot.run_due()
    result = next(p for p in posted if p.body.startswith("P1: MoU-Call ist geschlossen."))
    assert result.body == (
        "P1: MoU-Call ist geschlossen.\n"
        "Ergebnis: 1. Dienstag, 5. März 2030, 15:00–16:00 (CET) (2 ja, 0 vielleicht)\n"
        "Abgestimmt haben: alice, bob, carol"
    )
    end = next(p for p in posted if p.type == "org.matrix.msc3381.poll.end")
    assert end.body.startswith("Die Umfrage MoU-Call ist beendet. Ergebnis: Dienstag, 5. März 2030")
    late = await bot.say(room, BOB, "!vote 2")
    assert late.body.startswith("P1 wurde am Freitag, 1. März 2030, 17:00 (CET) geschlossen; deine Stimme")
    [reacted] = await bot.react(room, CAROL, tally.event_id, "2️⃣")  # an event handler: the room's language
    assert reacted.body.startswith("P1 wurde am Freitag, 1. März 2030, 17:00 (CET) geschlossen; deine Stimme")


async def test_the_poll_in_spanish_and_a_member_who_reads_english(fake_bot: MakeFakeBot) -> None:
    bot, room = await _room(fake_bot, "es")
    await bot.say(room, BOB, "!set my language en")
    tally = await bot.say(
        room,
        ALICE,
        "!poll Llamada MoU\nmartes, 5 de marzo de 15 a 16 h\nmiércoles, 6 de marzo de 15 a 16 h\n"
        "martes, 5 de marzo de 2014 de 15 a 16 h\ncierra: dentro de 2 semanas",
    )
    assert "1. martes, 5 de marzo de 2030, 15:00–16:00 (CET) — 0 sí, 0 quizás" in tally.body
    assert (
        "⚠️ El 5 de marzo de 2014 fue miércoles, no martes; ¿querías decir martes, 5 de marzo de 2030?"
        in tally.body
    )
    assert "Se cierra el miércoles, 6 de marzo de 2030, 12:00 (CET)." in tally.body
    assert (await bot.say(room, CAROL, "!vote 2 quizás 1")).body == "Tu voto en P1: sí a 2, quizás a 1."
    mine = await bot.say(room, BOB, "!vote P1 1 maybe 2")
    assert mine.body == "Your vote in P1: yes to 1, maybe to 2.", "Bob's own language"
    assert "1 sí, 1 quizás" in bot.fake.posted[-1].new_body, "the tally Bob's vote edits is the room's"
    assert (await bot.say(room, BOB, "!vote P1 1 quizás 2")).body == "Your vote in P1: yes to 1, maybe to 2."

    bot.clock.advance(timedelta(days=13))  # the nudge, a day before the deadline, to the room
    nudge = next(p for p in await bot.run_due() if "por favor, votad" in p.body)
    assert nudge.mentions == [ALICE]
    assert nudge.body.startswith("alice: por favor, votad en P1: Llamada MoU. Se cierra el miércoles")

    await bot.send(room, ALICE, "m.room.message", {"msgtype": "m.text", "body": "!poll close"})
    result = next(p for p in await bot.run_due() if "cerrada" in p.body)
    assert result.body.startswith("P1: Llamada MoU está cerrada.\nHay empate entre:\n1. martes, 5 de marzo")
    assert "alice (o un admin de la sala) puede resolverlo: elegir una con !poll pick P1 1" in result.body
    table = await bot.say(room, CAROL, "!poll P1")
    assert table.body.startswith("P1: Llamada MoU (cerrada)\nOpción  Sí  Quizás  Quién\n")
