"""A signup list in a German room and in a Spanish one, end to end on FakeBot: made with the keys in
the room's language, talk slots with a running order, the places and the waitlist, someone taken
off and told, who moves up told, the CSV's and the calendar file's words and the day-before
reminder; what the room keeps in its language, a member's own answers in theirs."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from matrixbot.plugins.signups import Signups

from matrixbot import speaking
from matrixbot.testing import FakeBot, FakeClock, MakeFakeBot, Posted

ALICE, BOB, CAROL, DAVE, ERIN = "@alice:x", "@bob:x", "@carol:x", "@dave:x", "@erin:x"


async def _room(fake_bot: MakeFakeBot, language: str, own: str) -> tuple[FakeBot, FakeClock, str]:
    """A room in `language` (Wednesday 6 March 2030, 10:00, Berlin) where Erin reads `own`."""
    clock = FakeClock("2030-03-06 10:00", "Europe/Berlin")
    bot = await fake_bot(plugins=[Signups], clock=clock, timezone="Europe/Berlin")
    room = bot.room(ALICE, BOB, CAROL, DAVE, ERIN, admins=[ALICE])
    await bot.say(room, ALICE, f"!set language {language}")
    await bot.say(room, ERIN, f"!set my language {own}")
    return bot, clock, room


async def send(bot: FakeBot, room: str, sender: str, text: str) -> list[Posted]:
    return await bot.send(room, sender, "m.room.message", {"msgtype": "m.text", "body": text})


def upload(bot: FakeBot, posted: Posted) -> str:
    return bot.fake.uploads[posted.content["url"]].decode()


async def test_a_signup_list_in_german(fake_bot: MakeFakeBot) -> None:
    bot, clock, room = await _room(fake_bot, "de", own="es")
    made = await bot.say(
        room,
        ALICE,
        "!signup new Tech-Abend\nwann: 13. März 18 Uhr\nort: Café Kollektiv\nvorträge: 2\nplätze: 1\n"
        "slot: 20 Minuten",
    )
    assert made.body == (
        "📋 S1 Tech-Abend\n"
        "Wann: Mittwoch, 13. März 2030, 18:00 (CET)\n"
        "Wo: Café Kollektiv\n"
        "Vorträge (0 von 2 Slots belegt, je 20 Minuten): noch keine\n"
        "Dabei (0 von 1 Platz belegt, 1 frei): noch niemand\n"
        "Meldet euch an mit !signup talk S1 THEMA, !signup attend S1 oder reagiert mit 🙋 auf diese "
        "Nachricht; !signup withdraw S1 zum Abmelden."
    )
    talk = await bot.say(room, BOB, "!signup talk Die Buchhaltung einer Genossenschaft")
    assert talk.body == "Du hast Vortrags-Slot 1 bei S1, Beginn 18:00 (CET)."
    assert (await bot.say(room, CAROL, "!signup talk Freie Software")).body == (
        "Du hast Vortrags-Slot 2 bei S1, Beginn 18:20 (CET)."
    )
    assert (await bot.say(room, DAVE, "!signup talk Solidarische Finanzen")).body == (
        "Alle Vortrags-Slots von S1 sind belegt; du bist Nummer 1 auf der Vortrags-Warteliste."
    )
    assert (await bot.say(room, ERIN, "!signup attend")).body == "Vienes a S1.", "Erin's own language"
    assert (await bot.say(room, DAVE, "!signup attend")).body == (
        "S1 ist voll; du bist Nummer 1 auf der Warteliste. Ich sage dir Bescheid, wenn ein Platz frei wird."
    )
    shown = await bot.say(room, ERIN, "!signup")
    assert shown.body.startswith("📋 S1 Tech-Abend\nCuándo: miércoles, 13 de marzo de 2030"), "hers too"
    live = bot.fake.posted[-3].new_body  # the live list, as the room keeps it
    assert live == (
        "📋 S1 Tech-Abend\n"
        "Wann: Mittwoch, 13. März 2030, 18:00 (CET)\n"
        "Wo: Café Kollektiv\n"
        "Vorträge (2 von 2 Slots belegt, je 20 Minuten):\n"
        "• 18:00 (CET) bob — Die Buchhaltung einer Genossenschaft\n"
        "• 18:20 (CET) carol — Freie Software\n"
        "Warten auf einen Vortrags-Slot: dave (Solidarische Finanzen)\n"
        "Dabei (1 von 1 Platz belegt, 0 frei): erin\n"
        "Warteliste: dave\n"
        "Meldet euch an mit !signup talk S1 THEMA, !signup attend S1 oder reagiert mit 🙋 auf diese "
        "Nachricht; !signup withdraw S1 zum Abmelden."
    )

    posted = await send(bot, room, ALICE, f"!signup remove S1 {BOB}")
    assert posted[0].body == (
        "bob: alice hat dich von S1 Tech-Abend genommen (deinen Vortrags-Slot für „Die Buchhaltung einer "
        "Genossenschaft“). Zum erneuten Anmelden: !signup talk S1 THEMA oder !signup attend S1."
    )
    assert posted[0].mentions == [BOB]
    [moved] = [p for p in posted if p.body.startswith("🎉")]
    assert moved.body == (
        "🎉 dave: bei S1 Tech-Abend ist ein Vortrags-Slot frei geworden, du bist von der Warteliste "
        "nachgerückt.\n(alice, zur Info für dich als Organisator:in.)"
    )

    table = list(csv.reader(io.StringIO(upload(bot, await bot.say(room, ALICE, "!signup export")))))
    assert table[0] == [
        "Liste",
        "Rolle",
        "Status",
        "Reihenfolge",
        "Vortragsbeginn",
        "Nutzer-ID",
        "Name",
        "Thema",
    ]
    assert table[1][:4] == ["S1", "Vortrag", "bestätigt", "1"]
    calendar = upload(bot, await bot.say(room, ALICE, "!signup ics")).replace("\r\n ", "")
    assert "DESCRIPTION:Vorträge:\\n18:00 (CET) carol: Freie Software\\n18:20 (CET) dave: Solidarische" in (
        calendar
    )

    clock.advance(timedelta(days=6, hours=8))  # a day before
    [reminder] = await bot.run_due()
    assert reminder.body == (
        "⏰ Erinnerung: S1 Tech-Abend ist am Mittwoch, 13. März 2030, 18:00 (CET), Ort: Café Kollektiv. "
        "Angemeldet: carol, dave, erin."
    )


async def test_a_signup_list_in_spanish_and_a_member_who_reads_english(fake_bot: MakeFakeBot) -> None:
    bot, clock, room = await _room(fake_bot, "es", own="en")
    made = await bot.say(
        room,
        ALICE,
        "!signup new Charlas técnicas\ncuándo: 13 de marzo 18:00\ndónde: Café La Colmena\ncharlas: 1\n"
        "plazas: 1",
    )
    assert made.body == (
        "📋 S1 Charlas técnicas\n"
        "Cuándo: miércoles, 13 de marzo de 2030, 18:00 (CET)\n"
        "Dónde: Café La Colmena\n"
        "Charlas (0 de 1 turno ocupado): ninguna todavía\n"
        "Vienen (0 de 1 plaza ocupada, queda 1): nadie todavía\n"
        "Inscribíos con !signup talk S1 TEMA, !signup attend S1 o reaccionad con 🙋 a este mensaje; "
        "!signup withdraw S1 para retiraros."
    )
    assert (await bot.say(room, BOB, "!signup talk Llevar las cuentas")).body == (
        "Tienes el turno de charla 1 en S1."
    )
    assert (await bot.say(room, ERIN, "!signup attend")).body == "You are coming to S1."
    assert (await bot.say(room, CAROL, "!signup attend")).body == (
        "S1 está completa; eres el número 1 de la lista de espera. Te avisaré si se libera una plaza."
    )
    edited = await send(bot, room, ALICE, "!signup edit\nplazas: ilimitadas")
    assert edited[-1].body == "S1 actualizada."
    [moved] = [p for p in edited if p.body.startswith("🎉")]
    assert moved.body == (
        "🎉 carol: se ha liberado una plaza en S1 Charlas técnicas, así que sales de la lista de espera.\n"
        "(alice, para que lo sepas, ya que organizas la lista.)"
    )
    now = clock.now()
    with speaking("es"):  # as the calendar asks: in the room's language
        [item] = await bot.plugin(Signups).calendar_items(room, now, now + timedelta(days=30))
    assert item.kind == "encuentro"
    assert (
        item.details == "2 vienen.\n0 de 1 turno de charla libre.\nInscribíos en la sala: !signup attend S1"
    )
    overview = await bot.say(room, CAROL, "!signups")
    assert overview.body == (
        "Listas de inscripción abiertas:\n"
        "• S1 Charlas técnicas — miércoles, 13 de marzo de 2030, 18:00 (CET) (2 vienen, 0 de 1 turno de "
        "charla libre)"
    )

    posted = await send(bot, room, ALICE, f"!signup remove S1 {ERIN}")
    assert posted[0].body == (
        "erin: alice te ha quitado de S1 Charlas técnicas (tu plaza). Para volver a inscribirte: "
        "!signup attend S1."
    ), "what the room is told is in the room's language"
    assert (await bot.say(room, ERIN, "!signup withdraw")).body == "You are not on S1."

    table = list(csv.reader(io.StringIO(upload(bot, await bot.say(room, ALICE, "!signup export")))))
    assert table[0] == [
        "lista", "papel", "estado", "orden", "inicio de la charla", "id de usuario", "nombre", "tema"
    ]  # fmt: skip
    assert table[2][:4] == ["S1", "asistencia", "confirmado", "1"]

    clock.advance(timedelta(days=6, hours=8))
    [reminder] = await bot.run_due()
    assert reminder.body == (
        "⏰ Recordatorio: S1 Charlas técnicas es el miércoles, 13 de marzo de 2030, 18:00 (CET) en Café La "
        "Colmena. Inscritos: bob, carol."
    )
