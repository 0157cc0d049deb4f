"""The CoTech story end to end, in a German room and in a Spanish one, on FakeBot: a date poll with
the seed's typo among its options, fixed, voted on with the language's words and closed at its
deadline; the call made from its winner, its access code sent in a direct message and kept hidden
until the reminder that reveals it; a "still active?" round; a signup list with a talk, a place and
a removal. Everything the room keeps is in the room's language, with CLDR dates, and no English
sentence slips through between the plugins. (Each plugin's own wording in full: the
test_languages.py next to it; the same story in German through Synapse: tests/i18n.)"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from matrixbot.plugins.checkins import Checkins
from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings
from matrixbot.plugins.signups import Signups

from matrixbot.testing import FakeBot, FakeClock, MakeFakeBot, Posted

ALICE, BOB, CAROL = "@alice:x", "@bob:x", "@carol:x"
CODE = "486072"
ENGLISH = (
    "Your vote",
    "is closed",
    "Voted",
    "Result:",
    "Access code",
    "Reminders:",
    "When:",
    "Where:",
    "answered",
    "Sign up",
    "removed you",
    "starts in",
    "You have",
    "You are",
    "Thanks",
    "the bot",
)
"""Pieces of the bot's English sentences across the four plugins: none may reach these rooms."""


@dataclass(frozen=True)
class Story:
    """What the people of one room type, and the lines the bot must answer with."""

    language: str
    poll: str
    typo_flag: str
    fix: str
    fixed: str
    votes: tuple[tuple[str, str, str], ...]
    closed: str
    meeting: str
    made: str
    code_set: str
    hidden: str
    reveal: str
    checkin: str
    here: tuple[str, str]
    summary: str
    signup: str
    listed: str
    talk: tuple[str, str]
    attend: str
    removed: str


GERMAN = Story(
    language="de",
    poll="!poll MoU-Call\nDienstag, 2. März 15-16 Uhr\nMittwoch, 3. März 15-16 Uhr\n"
    "Dienstag, 5. März 2014 15-16 Uhr\nschließt: 26. Februar 17 Uhr",
    typo_flag="⚠️ Der 5. März 2014 war ein Mittwoch, kein Dienstag; meintest du Dienstag, 2. März 2027 "
    "oder Freitag, 5. März 2027?",
    fix="!poll fix P1 3 Donnerstag, 4. März 15-16 Uhr",
    fixed="P1: Option 3. Donnerstag, 4. März 2027, 15:00–16:00 (CET) ersetzt Dienstag, 5. März 2014",
    votes=(
        (BOB, "!vote 1 vielleicht 2", "Deine Stimme bei P1: ja zu 1, vielleicht zu 2."),
        (CAROL, "!vote 1, 3", "Deine Stimme bei P1: ja zu 1, 3."),
    ),
    closed="P1: MoU-Call ist geschlossen.\n"
    "Ergebnis: 1. Dienstag, 2. März 2027, 15:00–16:00 (CET) (2 ja, 0 vielleicht)\n"
    "Abgestimmt haben: bob, carol",
    meeting="!meeting from-poll P1\nurl: https://meet.example.coop/mou",
    made="Treffen geplant: M1: MoU-Call\nWann: Dienstag, 2. März 2027, 15:00 (CET) (Dauer: 1 Stunde)\n",
    code_set="Der Zugangscode von M1 (MoU-Call) ist gesetzt. Er wird 10 Minuten vor Beginn im Raum bekanntgegeben.",
    hidden="Der Zugangscode wird 10 Minuten vor Beginn gepostet.",
    reveal="🔔 MoU-Call beginnt in 10 Minuten (Dienstag, 2. März 2027, 15:00 (CET)).\n"
    "Call: https://meet.example.coop/mou\n"
    f"Zugangscode: {CODE}\n",
    checkin="!checkin start Seid ihr noch aktiv?\nschließt: 2 Wochen",
    here=("!here alles gut", "Danke, für Check-in C1 notiert."),
    summary="Check-in C1 ist beendet: Seid ihr noch aktiv?\n1 von 3 hat geantwortet.\n",
    signup="!signup new Treffen in Leeds\nwann: 20. März 10 Uhr\nort: Leeds\nvorträge: 2\nplätze: 2",
    listed="📋 S1 Treffen in Leeds\nWann: Samstag, 20. März 2027, 10:00 (CET)\nWo: Leeds\n",
    talk=("!signup talk Genossenschaftsrecht", "Du hast Vortrags-Slot 1 bei S1."),
    attend="Du kommst zu S1.",
    removed="carol: alice hat dich von S1 Treffen in Leeds genommen (deinen Platz). "
    "Zum erneuten Anmelden: !signup attend S1.",
)

SPANISH = Story(
    language="es",
    poll="!poll Llamada MoU\nmartes 2 de marzo 15-16h\nmiércoles 3 de marzo 15-16h\n"
    "martes 5 de marzo de 2014 15-16h\ncierra: 26 de febrero a las 17",
    typo_flag="⚠️ El 5 de marzo de 2014 fue miércoles, no martes; ¿querías decir martes, 2 de marzo de "
    "2027 o viernes, 5 de marzo de 2027?",
    fix="!poll fix P1 3 jueves 4 de marzo 15-16h",
    fixed="P1: la opción 3. jueves, 4 de marzo de 2027, 15:00–16:00 (CET) sustituye a martes 5 de marzo de 2014",
    votes=(
        (BOB, "!vote 1 quizás 2", "Tu voto en P1: sí a 1, quizás a 2."),
        (CAROL, "!vote 1, 3", "Tu voto en P1: sí a 1, 3."),
    ),
    closed="P1: Llamada MoU está cerrada.\n"
    "Ganadora: 1. martes, 2 de marzo de 2027, 15:00–16:00 (CET) (2 sí, 0 quizás)\n"
    "Han votado: bob, carol",
    meeting="!meeting from-poll P1\nurl: https://meet.example.coop/mou",
    made="Reunión programada: M1: Llamada MoU\n"
    "Cuándo: martes, 2 de marzo de 2027, 15:00 (CET) (durante 1 hora)\n",
    code_set="El código de acceso de M1 (Llamada MoU) está fijado. Se revelará en la sala 10 minutos antes del inicio.",
    hidden="El código de acceso se publicará 10 minutos antes del inicio.",
    reveal="🔔 Llamada MoU empieza dentro de 10 minutos (martes, 2 de marzo de 2027, 15:00 (CET)).\n"
    "Llamada: https://meet.example.coop/mou\n"
    f"Código de acceso: {CODE}\n",
    checkin="!checkin start ¿Seguís activos?\ncierra: 2 semanas",
    here=("!here todo bien", "Gracias, anotado para el check-in C1."),
    summary="El check-in C1 ha cerrado: ¿Seguís activos?\n1 de 3 ha respondido.\n",
    signup="!signup new Encuentro en Leeds\ncuándo: 20 de marzo 10h\nlugar: Leeds\ncharlas: 2\nplazas: 2",
    listed="📋 S1 Encuentro en Leeds\nCuándo: sábado, 20 de marzo de 2027, 10:00 (CET)\nDónde: Leeds\n",
    talk=("!signup talk Derecho cooperativo", "Tienes el turno de charla 1 en S1."),
    attend="Vienes a S1.",
    removed="carol: alice te ha quitado de S1 Encuentro en Leeds (tu plaza). "
    "Para volver a inscribirte: !signup attend S1.",
)


def _one(posted: list[Posted], start: str) -> Posted:
    [found] = [p for p in posted if p.body.startswith(start)]
    return found


@pytest.mark.parametrize("story", [GERMAN, SPANISH], ids=lambda s: s.language)
async def test_the_cotech_story_in_the_room_s_language(fake_bot: MakeFakeBot, story: Story) -> None:
    clock = FakeClock("2027-02-15 12:00", "Europe/Berlin")
    bot: FakeBot = await fake_bot(
        plugins=[DatePoll, Meetings, Checkins, Signups], clock=clock, timezone="Europe/Berlin"
    )
    room = bot.room(ALICE, BOB, CAROL, admins=[ALICE])
    await bot.say(room, ALICE, f"!set language {story.language}")
    await bot.say(room, ALICE, f"!set my language {story.language}")  # for her direct messages

    # the poll, with the seed's typo: flagged with the poll's own dates, fixed, voted on
    tally = await bot.say(room, ALICE, story.poll)
    assert story.typo_flag in tally.body, tally.body
    fixed = await bot.say(room, ALICE, story.fix)
    assert fixed.body.startswith(story.fixed), fixed.body
    for who, vote, said in story.votes:
        assert (await bot.say(room, who, vote)).body == said
    clock.set("2027-02-26 17:00", "Europe/Berlin")
    assert _one(await bot.run_due(), story.closed.split("\n")[0]).body == story.closed

    # the call from the winner; its code by direct message, hidden until its moment
    made = await bot.say(room, ALICE, story.meeting)
    assert made.body.startswith(story.made), made.body
    direct = bot.room(ALICE)
    assert (await bot.say(direct, ALICE, f"!meeting code M1 {CODE}")).body == story.code_set
    clock.set("2027-03-01 15:00", "Europe/Berlin")
    day_before = _one(await bot.run_due(), "🔔")
    assert story.hidden in day_before.body, day_before.body
    assert all(CODE not in str(p.content) for p in bot.fake.posted if p.room_id == room), "hidden"
    clock.set("2027-03-02 14:50", "Europe/Berlin")
    reveal = _one(await bot.run_due(), "🔔")
    assert reveal.body.startswith(story.reveal), reveal.body

    # "still active?": one answer, the summary at the close
    await bot.say(room, ALICE, story.checkin)
    assert (await bot.say(room, BOB, story.here[0])).body == story.here[1]
    clock.set("2027-03-16 14:50", "Europe/Berlin")
    summary = _one(await bot.run_due(), story.summary.split(":")[0])
    assert summary.body.startswith(story.summary), summary.body

    # the meet-up's list: a talk, a place, a removal the member is told of
    listed = await bot.say(room, ALICE, story.signup)
    assert listed.body.startswith(story.listed), listed.body
    assert (await bot.say(room, BOB, story.talk[0])).body == story.talk[1]
    assert (await bot.say(room, CAROL, "!signup attend")).body == story.attend
    assert (await bot.say(room, ALICE, f"!signup remove S1 {CAROL}")).body == story.removed

    kept = [p.body for p in bot.fake.posted if p.room_id == room]
    slipped = [(piece, body) for body in kept for piece in ENGLISH if piece in body]
    assert not slipped, f"English in a {story.language} room: {slipped}"
