"""A check-in round in a German room and in a Spanish one, end to end on FakeBot: started with the
keys in the room's language, answered by command and by reply, the nudge by direct message in each
member's own language (else the room's), the away hint's example taken, the CSV's header and the
summary (and its correction by a late-arriving answer) and the calendar item in the room's
language."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from matrixbot.plugins.checkins import Checkins

from matrixbot import speaking
from matrixbot.testing import FakeBot, FakeClock, MakeFakeBot, Posted

ALICE, BOB, CAROL, DAVE = "@alice:x", "@bob:x", "@carol:x", "@dave:x"


async def _room(fake_bot: MakeFakeBot, language: str, own: str) -> tuple[FakeBot, FakeClock, str]:
    """A room in `language` (Wednesday 6 March 2030, 10:00, Berlin) whose nudges go by direct
    message, and where Dave reads `own`."""
    clock = FakeClock("2030-03-06 10:00", "Europe/Berlin")
    bot = await fake_bot(plugins=[Checkins], clock=clock, timezone="Europe/Berlin")
    room = bot.room(ALICE, BOB, CAROL, DAVE, admins=[ALICE])
    await bot.say(room, ALICE, f"!set language {language}")
    await bot.say(room, ALICE, "!set checkin_nudge dm")
    await bot.say(room, DAVE, f"!set my language {own}")
    return bot, clock, room


def one(posted: list[Posted], text: str, msgtype: str = "m.notice") -> Posted:
    [found] = [p for p in posted if p.msgtype == msgtype and text in p.body]
    return found


def exported(bot: FakeBot, posted: Posted) -> list[list[str]]:
    return list(csv.reader(io.StringIO(bot.fake.uploads[posted.content["url"]].decode())))


async def reply_in_thread(bot: FakeBot, room: str, sender: str, text: str, root: str) -> list[Posted]:
    relation = {"rel_type": "m.thread", "event_id": root, "is_falling_back": True}
    content = {"msgtype": "m.text", "body": text, "m.relates_to": relation}
    return await bot.send(room, sender, "m.room.message", content)


async def test_a_check_in_round_in_german(fake_bot: MakeFakeBot) -> None:
    bot, clock, room = await _room(fake_bot, "de", own="es")
    org = await bot.say(room, ALICE, "!checkin org Kollektiv Kaffeekanne")
    assert org.body == "Notiert: du bist bei Kollektiv Kaffeekanne."
    start = "!checkin start Seid ihr noch aktiv?\nalle: 3 Monate\nerinnerung: 3 Tage\nschließt: 2 Wochen"
    posted = await bot.send(room, ALICE, "m.room.message", {"msgtype": "m.text", "body": start})
    question = one(posted, "Check-in C1 von alice", "m.text")
    assert question.body == (
        "Check-in C1 von alice: Seid ihr noch aktiv?\n"
        "Antwortet mit !here (oder !here NOTIZ), einer ✅-Reaktion auf diese Nachricht oder einer Antwort "
        "darauf. Endet am Mittwoch, 20. März 2030, 10:00 (CET).\n"
        "alice, bob, carol, dave"
    )
    assert one(posted, "gestartet").body == (
        "Check-in C1 gestartet: 4 Mitglieder gefragt. Erinnerung am Montag, 11. März 2030, 09:00 (CET), "
        "Ende am Mittwoch, 20. März 2030, 10:00 (CET). Alle 3 Monate beginnt eine neue Runde; die nächste "
        "am Donnerstag, 6. Juni 2030, 10:00 (CEST). Zeiten außerhalb der Arbeitszeiten dieses Raums "
        "(Mon-Fri 09:00-18:00) wurden auf die nächste Arbeitszeit verschoben."
    )

    now = clock.now()
    with speaking("de"):  # as the calendar asks: in the room's language
        [item] = await bot.plugin(Checkins).calendar_items(room, now, now + timedelta(days=30))
    assert (item.title, item.kind) == ("Check-in endet: Seid ihr noch aktiv?", "Check-in endet")
    assert item.details == "Seid ihr noch aktiv?\nAntwortet vorher im Raum: !here C1"

    assert (await bot.say(room, BOB, "!here alles gut")).body == "Danke, für Check-in C1 notiert."
    [ack] = await reply_in_thread(bot, room, CAROL, "viel los, aber dabei", question.event_id)
    assert ack.type == "m.reaction"
    status = await bot.say(room, ALICE, "!checkin status")
    assert status.body == (
        "Check-in C1: Seid ihr noch aktiv?\n"
        "Begonnen am Mittwoch, 6. März 2030, 10:00 (CET); endet am Mittwoch, 20. März 2030, 10:00 (CET).\n"
        "2 von 4 haben geantwortet.\n"
        "Kollektiv Kaffeekanne\n"
        "• alice — noch nicht geantwortet\n"
        "Keine Genossenschaft angegeben\n"
        "• bob — geantwortet am Mittwoch, 6. März 2030, 10:00 (CET): alles gut\n"
        "• carol — geantwortet am Mittwoch, 6. März 2030, 10:00 (CET): viel los, aber dabei\n"
        "• dave — noch nicht geantwortet"
    )

    clock.advance(timedelta(days=4, hours=23))  # Monday 09:00: the nudge, moved off the weekend
    dms = {p.mentions[0]: p for p in await bot.run_due() if p.room_id != room}
    assert sorted(dms) == [ALICE, DAVE], "who answered is not nudged"
    assert dms[ALICE].body == (
        f"Erinnerung (von Samstag, 10:00, in die Arbeitszeit verschoben): Check-in C1 in {room} fragt: "
        "Seid ihr noch aktiv?\n"
        "Er endet am Mittwoch, 20. März 2030, 10:00 (CET). Bitte antworte dort mit !here oder einem ✅ "
        "auf die Frage."
    )
    assert dms[DAVE].body == (  # Dave's own language
        "Recordatorio (movido del sábado a las 10:00 al horario laboral): el check-in C1 en "
        f"{room} pregunta: Seid ihr noch aktiv?\n"
        "Cierra el miércoles, 20 de marzo de 2030, 10:00 (CET). Por favor, responde allí con !here o un ✅ "
        "en la pregunta."
    )

    hint = await bot.say(room, CAROL, "!checkin away bis gestern")
    assert hint.body == (
        "Das Datum ist schon vorbei: sag, wann du zurück bist, z. B. !checkin away bis Dienstag, 19. März."
    )
    missing = await bot.say(room, CAROL, "!checkin away bis")
    assert (
        missing.body
        == "Das Datum fehlt: sag, wann du zurück bist, z. B. !checkin away bis Dienstag, 19. März."
    )
    away = await bot.say(room, CAROL, hint.body.split("z. B. ")[1].rstrip("."))
    assert away.body == (
        "Notiert: weg bis Dienstag, 19. März 2030, 00:00 (CET). Bis dahin keine Check-in-Pings."
    )
    rows = exported(bot, await bot.say(room, ALICE, "!checkin export"))
    assert rows[0] == ["Mitglied", "Name", "Organisation", "geantwortet am", "Notiz"]
    assert rows[2] == ["'@bob:x", "bob", "", "2030-03-06T10:00+01:00", "alles gut"]

    clock.advance(timedelta(days=9, hours=1))
    summary = one(await bot.run_due(), "ist beendet")
    assert summary.body == (
        "Check-in C1 ist beendet: Seid ihr noch aktiv?\n"
        "2 von 4 haben geantwortet.\n"
        "Kollektiv Kaffeekanne\n"
        "• alice — nicht geantwortet\n"
        "Keine Genossenschaft angegeben\n"
        "• bob — geantwortet am Mittwoch, 6. März 2030, 10:00 (CET): alles gut\n"
        "• carol — geantwortet am Mittwoch, 6. März 2030, 10:00 (CET): viel los, aber dabei\n"
        "• dave — nicht geantwortet"
    )


async def test_a_check_in_round_in_spanish_and_a_member_who_reads_english(fake_bot: MakeFakeBot) -> None:
    bot, clock, room = await _room(fake_bot, "es", own="en")
    start = "!checkin start ¿Seguís activos?\ncada: 3 meses\nrecordatorio: 3 días\ncierra: 2 semanas"
    posted = await bot.send(room, ALICE, "m.room.message", {"msgtype": "m.text", "body": start})
    question = one(posted, "Check-in C1 de alice", "m.text")
    assert question.body == (
        "Check-in C1 de alice: ¿Seguís activos?\n"
        "Responded con !here (o !here NOTA), una reacción ✅ a este mensaje o una respuesta a él. "
        "Cierra el miércoles, 20 de marzo de 2030, 10:00 (CET).\n"
        "alice, bob, carol, dave"
    )
    assert one(posted, "iniciado").body.startswith(
        "Check-in C1 iniciado: 4 personas preguntadas. Recordatorio el lunes, 11 de marzo de 2030, "
        "09:00 (CET), cierre el miércoles, 20 de marzo de 2030, 10:00 (CET). Cada 3 meses se abre una "
        "nueva ronda; la próxima el jueves, 6 de junio de 2030, 10:00 (CEST)."
    )
    assert (await bot.say(room, BOB, "!here todo bien")).body == "Gracias, anotado para el check-in C1."
    assert (await bot.say(room, DAVE, "!here all well")).body == "Thanks, noted for check-in C1."

    clock.advance(timedelta(days=4, hours=23))
    dms = {p.mentions[0]: p for p in await bot.run_due() if p.room_id != room}
    assert sorted(dms) == [ALICE, CAROL]
    assert dms[CAROL].body == (
        "Recordatorio (movido del sábado a las 10:00 al horario laboral): el check-in C1 en "
        f"{room} pregunta: ¿Seguís activos?\n"
        "Cierra el miércoles, 20 de marzo de 2030, 10:00 (CET). Por favor, responde allí con !here o un ✅ "
        "en la pregunta."
    )
    rows = exported(bot, await bot.say(room, ALICE, "!checkin export"))
    assert rows[0] == ["miembro", "nombre", "organización", "respondió el", "nota"]

    clock.advance(timedelta(days=9, hours=1))
    summary = one(await bot.run_due(), "ha cerrado")
    assert summary.body == (
        "El check-in C1 ha cerrado: ¿Seguís activos?\n"
        "2 de 4 han respondido.\n"
        "Sin cooperativa indicada\n"
        "• alice — no respondió\n"
        "• bob — respondió el miércoles, 6 de marzo de 2030, 10:00 (CET): todo bien\n"
        "• carol — no respondió\n"
        "• dave — respondió el miércoles, 6 de marzo de 2030, 10:00 (CET): all well"
    )
    in_time = await bot.say(room, CAROL, "!here C1 sí", sent_at=clock.now() - timedelta(hours=2))
    assert in_time.body == (
        "Gracias, anotado para el check-in C1. La enviaste antes de que cerrara la ronda, así que cuenta."
    )
    corrected = bot.fake.posted[-1]
    assert corrected.body == (
        "La respuesta de carol al check-in C1 se envió antes del cierre pero me llegó tarde; cuenta, y el "
        "resumen de arriba está corregido."
    )
    assert "3 de 4 han respondido." in bot.fake.posted[-2].new_body
