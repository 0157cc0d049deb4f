"""Meetings and reminders in a German room and in a Spanish one, end to end on FakeBot: a meeting
made with the room's words for its lines (`wann:`, `Zugangscode:`, `wiederholen: alle 2 Wochen`),
its code hidden until the reminder that reveals it, 👍 to be mentioned, a simple `!remind`; what the
room keeps (confirmations, lists, reminders, reveals, missed notices) in its language with CLDR
dates, a member's own answers in theirs; and every example the bot gives in a hint, taken by it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from matrixbot.plugins.meetings import Meetings

from matrixbot.i18n import speaking
from matrixbot.testing import FakeBot, FakeClock, MakeFakeBot, Posted

ALICE, BOB, CAROL = "@alice:x", "@bob:x", "@carol:x"
CODE = "486072"
QUOTED = re.compile(r"„([^“]+)“|« ([^»]+) »|«([^»]+)»")


async def _room(fake_bot: MakeFakeBot, language: str, when: str = "2030-02-20 12:00") -> tuple[FakeBot, str]:
    bot = await fake_bot(plugins=[Meetings], clock=FakeClock(when, "Europe/Berlin"), timezone="Europe/Berlin")
    room = bot.room(ALICE, BOB, CAROL, admins=[ALICE])
    await bot.say(room, ALICE, f"!set language {language}")
    return bot, room


def _only(posted: list[Posted], start: str) -> Posted:
    [found] = [p for p in posted if p.body.startswith(start)]
    return found


async def test_a_meeting_with_a_hidden_code_in_german(fake_bot: MakeFakeBot) -> None:
    bot, room = await _room(fake_bot, "de")
    await bot.say(room, BOB, "!set my language en")
    made = await bot.say(
        room,
        ALICE,
        "!meeting Planungsrunde\nwann: Dienstag, 5. März 15 Uhr\ndauer: 1 Stunde\n"
        f"url: https://meet.example.coop/plan\nZugangscode: {CODE}\nerinnern: 1 Tag, 10 Minuten\n"
        "wiederholen: alle 2 Wochen",
    )
    assert made.body == (
        "Treffen geplant: M1: Planungsrunde\n"
        "Wann: Dienstag, 5. März 2030, 15:00 (CET) (Dauer: 1 Stunde)\n"
        "Wiederholung: alle 2 Wochen\n"
        "Call: https://meet.example.coop/plan\n"
        "Zugangscode: •••••• (wird 10 Minuten vor Beginn bekanntgegeben)\n"
        "Erinnerungen: Montag, 4. März 2030, 15:00 (CET) (1 Tag vorher), "
        "Dienstag, 5. März 2030, 14:50 (CET) (10 Minuten vorher)\n"
        "Erwähnt: alice\n"
        "Reagiert mit 👍 auf diese Nachricht, damit ich euch in seinen Erinnerungen erwähne. "
        "Für euren Kalender: !meeting ics.\n"
        "Ich habe deine Nachricht entfernt, weil sie den Zugangscode zeigte."
    )
    assert made.reply_to in bot.fake.redacted, "a German code line is a code line: its message is removed"
    await bot.react(room, CAROL, made.event_id, "👍")

    mine = await bot.say(room, BOB, "!meeting M1")
    assert mine.body.startswith("M1: Planungsrunde\nWhen: Tue 5 Mar 2030, 15:00 CET (for 1 hour)\n"), (
        "an answer to Bob is in his own language"
    )
    assert "Access code: •••••• (revealed 10 minutes before the start)" in mine.body
    assert "Mentions: alice, carol" in mine.body
    listing = await bot.say(room, BOB, "!meetings")
    assert listing.body == (
        "Kommende Treffen:\n• M1 Planungsrunde: Dienstag, 5. März 2030, 15:00 (CET), alle 2 Wochen; "
        "nächste Erinnerung Montag, 4. März 2030, 15:00 (CET); Zugangscode ••••••"
    ), "a list the room keeps is in the room's language, whoever asks"
    ics = await bot.say(room, BOB, "!meeting ics")
    before = bot.fake.uploads[ics.content["url"]].decode()
    assert "DESCRIPTION:Call: https://meet.example.coop/plan\r\n" in before and CODE not in before

    reminder = await bot.say(room, BOB, "!remind morgen 9 Uhr Rechnungen schicken")
    assert reminder.body == (
        "Erinnerung R1 Donnerstag, 21. Februar 2030, 09:00 (CET): Rechnungen schicken\n"
        "Reagiert mit 👍 auf diese Nachricht, damit ich euch erwähne, wenn sie rausgeht."
    ), "the confirmation the room reacts to is in the room's language, also when Bob sets it"
    unread = await bot.say(room, BOB, "!remind Rechnungen")
    assert unread.body.startswith("I could not find a time at the start of that"), "a refusal: Bob's language"
    await bot.react(room, ALICE, reminder.event_id, "👍")
    bot.clock.set("2030-02-21 09:00", "Europe/Berlin")
    [due] = await bot.run_due()
    assert (due.body, due.mentions, due.msgtype) == (
        "⏰ Rechnungen schicken\nbob alice",
        [BOB, ALICE],
        "m.text",
    )

    bot.clock.set("2030-03-04 15:00", "Europe/Berlin")
    day_before = _only(await bot.run_due(), "🔔")
    assert day_before.body == (
        "🔔 Planungsrunde beginnt in 1 Tag (Dienstag, 5. März 2030, 15:00 (CET)).\n"
        "Call: https://meet.example.coop/plan\n"
        "Der Zugangscode wird 10 Minuten vor Beginn gepostet.\n"
        "alice carol"
    )
    assert day_before.mentions == [ALICE, CAROL], "the organiser, then who reacted 👍"
    assert CODE not in str(day_before.content)
    assert all(CODE not in str(p.content) for p in bot.fake.posted), (
        "nothing showed the code before its moment"
    )

    bot.clock.set("2030-03-05 14:50", "Europe/Berlin")
    reveal = _only(await bot.run_due(), "🔔")
    assert reveal.body == (
        "🔔 Planungsrunde beginnt in 10 Minuten (Dienstag, 5. März 2030, 15:00 (CET)).\n"
        "Call: https://meet.example.coop/plan\n"
        f"Zugangscode: {CODE}\n"
        "alice carol"
    )
    ics = await bot.say(room, BOB, "!meeting ics")
    after = bot.fake.uploads[ics.content["url"]].decode()
    assert f"DESCRIPTION:Call: https://meet.example.coop/plan\\nZugangscode: {CODE}\r\n" in after

    skipped = await bot.say(room, ALICE, "!meeting skip")
    assert skipped.body == (
        "M1 am Dienstag, 5. März 2030, 15:00 (CET) fällt aus. "
        "Nächster Termin: Dienstag, 19. März 2030, 15:00 (CET)."
    )
    with speaking("de"):  # the core's calendar service asks in the room's language
        [item] = await bot.plugin(Meetings).calendar_items(
            room, bot.clock.now(), bot.clock.now() + timedelta(days=30)
        )
    assert (item.kind, item.details) == ("Treffen", "Wiederholt sich alle 2 Wochen.")

    cancelled = await bot.say(room, BOB, "!meeting cancel")
    assert cancelled.body == "Only alice (its organiser) or a room admin can cancel M1.", "Bob's own"
    cancelled = await bot.say(room, ALICE, "!meeting cancel")
    assert cancelled.body == (
        "Abgesagt: M1 Planungsrunde (Dienstag, 19. März 2030, 15:00 (CET)), alle Termine; "
        "es gehen keine Erinnerungen raus."
    )
    bot.clock.set("2030-03-19 15:00", "Europe/Berlin")
    assert not [p for p in await bot.run_due() if p.body.startswith("🔔")], "nothing after the cancel"


async def test_meetings_and_reminders_in_spanish(fake_bot: MakeFakeBot) -> None:
    bot, room = await _room(fake_bot, "es")
    refused = await bot.say(room, CAROL, "!meeting Asamblea\ncuándo: viernes a las 15\navisar: @sala")
    assert refused.body == (
        "No puedes mencionar @room en esta sala, así que los recordatorios de la reunión tampoco. "
        "Quita @room, o deja que la programe quien sí puede: alice."
    )
    made = await bot.say(
        room,
        ALICE,
        "!meeting Reunión de coordinación\ncuándo: martes, 5 de marzo a las 15\nrecordar: 1 día, 10 minutos\n"
        f"código: {CODE}\nrevelar: 1 hora\nrepetir: cada primer martes\navisar: solo @bob:x",
    )
    assert made.body.startswith(
        "Reunión programada: M1: Reunión de coordinación\n"
        "Cuándo: martes, 5 de marzo de 2030, 15:00 (CET)\n"
        "Se repite: cada primer martes\n"
        "Código de acceso: •••••• (se revela 1 hora antes del inicio)\n"
        "Recordatorios: lunes, 4 de marzo de 2030, 15:00 (CET) (1 día antes), "
        "martes, 5 de marzo de 2030, 14:00 (CET) (1 hora antes), "
        "martes, 5 de marzo de 2030, 14:50 (CET) (10 minutos antes)\n"
        "Menciona a: bob\n"
        "Reaccionad con 👍 a este mensaje para que os mencione en sus recordatorios."
    ), made.body
    assert made.body.endswith("He eliminado tu mensaje porque mostraba el código de acceso.")
    assert CODE not in made.body and made.reply_to in bot.fake.redacted
    cancel = await bot.say(room, CAROL, "!meeting cancel M1")
    assert cancel.body == "Solo alice (quien lo organiza) o un admin de la sala puede cancelar M1."

    weekly = await bot.say(room, BOB, "!remind cada lunes a las 10 repaso semanal")
    assert weekly.body.startswith(
        "Recordatorio R1 lunes, 25 de febrero de 2030, 10:00 (CET), cada lunes a las 10:00: repaso semanal\n"
    )
    assert (await bot.say(room, BOB, "!reminders")).body == (
        "Recordatorios:\n• R1 lunes, 25 de febrero de 2030, 10:00 (CET), cada lunes a las 10:00: repaso semanal"
    )

    bot.clock.set("2030-03-05 14:00", "Europe/Berlin")  # the bot was down since before 25 February
    posted = await bot.catch_up()
    assert [p.body for p in posted if p.body.startswith("⚠️")] == [
        "⚠️ Me he perdido el recordatorio R1 (repaso semanal) que debía salir el lunes, 25 de febrero de "
        "2030, 10:00 (CET): el bot estaba desconectado.",
        "⚠️ Me he perdido el recordatorio de Reunión de coordinación (M1) que debía salir el lunes, 4 de "
        "marzo de 2030, 15:00 (CET): el bot estaba desconectado.",
    ]
    reveal = _only(posted, "🔔")
    assert reveal.body == (
        "🔔 Reunión de coordinación empieza dentro de 1 hora (martes, 5 de marzo de 2030, 15:00 (CET)).\n"
        f"Código de acceso: {CODE}\nbob"
    )
    assert reveal.mentions == [BOB], "solo @bob:x: not the organiser"
    assert (
        "próximo recordatorio martes, 5 de marzo de 2030, 14:50 (CET)"
        in (await bot.say(room, BOB, "!meetings")).body
    )

    bot.clock.set("2030-03-05 14:50", "Europe/Berlin")
    last = _only(await bot.run_due(), "🔔")
    assert last.body == (
        "🔔 Reunión de coordinación empieza dentro de 10 minutos (martes, 5 de marzo de 2030, 15:00 (CET)).\n"
        f"Código de acceso: {CODE}\nbob"
    ), "once revealed, the code is in each reminder"
    bot.clock.set("2030-03-05 15:00", "Europe/Berlin")  # it starts: on to the first Tuesday of April
    await bot.run_due()
    skipped = await bot.say(room, ALICE, "!meeting skip")
    assert skipped.body == (
        "M1 no se celebra el martes, 2 de abril de 2030, 15:00 (CEST). "
        "La próxima: martes, 7 de mayo de 2030, 15:00 (CEST)."
    )
    cancelled = await bot.say(room, ALICE, "!meeting cancel M1")
    assert cancelled.body == (
        "Cancelada: M1 Reunión de coordinación (martes, 7 de mayo de 2030, 15:00 (CEST)), "
        "todas las sesiones; no saldrá ningún recordatorio."
    )
    assert (await bot.say(room, BOB, "!reminder cancel R1")).body == (
        "Recordatorio R1 cancelado: repaso semanal"
    )
    assert (await bot.say(room, BOB, "!meetings")).body == "No hay reuniones próximas en esta sala."
    bot.clock.set("2030-05-07 15:00", "Europe/Berlin")
    assert not await bot.catch_up(), "nothing after the cancels"


@pytest.mark.parametrize(
    ("language", "when"),
    [("de", "2024-02-20 09:00"), ("es", "2027-12-28 09:00"), ("fr", "2031-06-15 13:00")],
)
async def test_the_examples_in_hints_are_taken(fake_bot: MakeFakeBot, language: str, when: str) -> None:
    bot, room = await _room(fake_bot, language, when)
    texts = bot.plugin(Meetings).translations
    with speaking(language):
        reminder_made = texts.gettext("Reminder {reminder}").split("{")[0]
        meeting_made = texts.gettext("Scheduled {details}").split("{")[0]
        when_key = texts.keyword_said("when")

    async def quoted(command: str) -> list[str]:
        said = (await bot.say(room, ALICE, command)).body
        return [next(g for g in m.groups() if g) for m in QUOTED.finditer(said)]

    async def taken(command: str, made: str) -> None:
        said = (await bot.say(room, ALICE, command)).body
        assert said.startswith(made), f"{command!r} got {said!r}"

    # "try 'in 10 minutes stand-up', 'tomorrow 9am send invoices' or 'every monday 10am weekly check'"
    examples = await quoted("!remind zzz")
    assert len(examples) == 3, examples
    for example in examples:
        await taken(f"!remind {example}", reminder_made)
    tomorrow, every = examples[1].split()[0], " ".join(examples[2].split()[:2])  # "morgen", "jeden Montag"
    [at_what_time] = await quoted(f"!remind {tomorrow} zzz")
    await taken(f"!remind {at_what_time} zzz", reminder_made)
    [repeat_at] = await quoted(f"!remind {every} zzz")
    await taken(f"!remind {repeat_at} zzz", reminder_made)
    [time_of_day] = await quoted(f"!meeting Call\n{when_key}: {tomorrow}")
    await taken(f"!meeting Call\n{when_key}: {time_of_day}", meeting_made)


@pytest.mark.parametrize(
    ("language", "command", "repeats", "nobody"),
    [
        (
            "de",
            "!meeting Runde\nwann: Dienstag 15 Uhr\nwiederholen: jeden Dienstag\nbenachrichtigen: keine",
            "Wiederholung: jeden Dienstag",
            "Erwähnt: niemand (benachrichtigen: niemand): seine Erinnerungen benachrichtigen niemanden",
        ),
        (
            "es",
            "!meeting Ronda\ncuándo: martes a las 15\nrepetir: cada martes\navisar: ninguno",
            "Se repite: cada martes",
            "Menciona a: nadie (avisar: nadie): sus recordatorios no avisan a nadie",
        ),
        (
            "fr",
            "!meeting Tour\nquand: mardi 15h\nrépéter: chaque mardi\nprévenir: personne",
            "Répétition : chaque mardi",
            "Mentionne : personne (prévenir: personne) : ses rappels ne préviennent personne",
        ),
    ],
)
async def test_weekday_repeats_and_none_in_the_rooms_words(
    fake_bot: MakeFakeBot, language: str, command: str, repeats: str, nobody: str
) -> None:
    bot, room = await _room(fake_bot, language)
    lines = (await bot.say(room, ALICE, command)).body.split("\n")
    assert lines[2:3] == [repeats] and nobody in lines, lines
    english = await bot.say(
        room, ALICE, "!meeting Round\nwhen: Tuesday 3pm\nrepeat: every Tuesday\nnotify: none"
    )
    assert english.body.split("\n")[2] == repeats, "English is read too, and answered in the room's words"
