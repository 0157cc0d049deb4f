"""The CoTech story once in German through the real homeserver: the poll with the seed's typo, votes
with German words, the close, the call made from its winner with its code sent in a direct message
and kept hidden until the reminder that reveals it, a "still active?" round and a signup list with
a removal; read from the room as its members see it. (Both languages, every line: FakeBot in
tests/plugins/test_cotech_story.py.) The bot runs on a clock the test moves, so weeks pass in a
second; the dates people type are worked out from it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from matrixbot.plugins.checkins import Checkins
from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.meetings import Meetings
from matrixbot.plugins.signups import Signups

from matrixbot.testing import FakeClock
from matrixbot.testing.chat import Seen
from matrixbot.testing.testbot import TestBot

CODE = "486072"
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)  # fmt: skip


def german(day: date) -> str:
    """As a member types it: "Dienstag, 2. März"."""
    return f"{WEEKDAYS[day.weekday()]}, {day.day}. {MONTHS[day.month - 1]}"


def in_room(t: TestBot, room: str, start: str):
    return lambda e: e.sender == t.user_id and e.room_id == room and e.body.startswith(start)


async def run_at(t: TestBot, clock: FakeClock, when: datetime) -> None:
    clock.set(when)
    await t.parts.scheduler.run_due()


async def test_the_cotech_story_in_german_through_synapse(start_bot, chat) -> None:
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    t = await start_bot(
        plugins=[DatePoll, Meetings, Checkins, Signups], clock=clock, timezone="Europe/Berlin"
    )
    alice, bob, carol = await chat("alice"), await chat("bob"), await chat("carol")
    room = await t.room_with(alice, bob, carol, power_levels={"users": {t.user_id: 50}})
    assert (
        await t.ask(alice, room, "!set language de")
    ).body == "Ich schreibe in diesem Raum jetzt auf Deutsch."
    await t.ask(alice, room, "!set my language de")

    first = clock.now().date() + timedelta(days=60)
    first = first.replace(day=min(first.day, 28))  # a day every year has, for the typo's year
    typo = date(2014, first.month, first.day)
    written = WEEKDAYS[(typo.weekday() + 1) % 7]  # not its weekday
    tally = await t.ask(
        alice,
        room,
        f"!poll MoU-Call\n{german(first)} 15-16 Uhr\n{german(first + timedelta(days=1))} 15-16 Uhr\n"
        f"{written}, {typo.day}. {MONTHS[typo.month - 1]} 2014 15-16 Uhr",
    )
    assert (
        f"⚠️ Der {typo.day}. {MONTHS[typo.month - 1]} 2014 war ein {WEEKDAYS[typo.weekday()]}, kein {written}; "
        "meintest du " in tally.body
    ), tally.body
    assert (
        await t.ask(bob, room, "!vote 1 vielleicht 2")
    ).body == "Deine Stimme bei P1: ja zu 1, vielleicht zu 2."
    assert (await t.ask(carol, room, "!vote 1")).body == "Deine Stimme bei P1: ja zu 1."
    await alice.say(room, "!poll close P1")
    closed = await alice.wait_for(in_room(t, room, "P1: MoU-Call ist geschlossen."), timeout=10)
    assert closed.body.split("\n")[1].startswith(f"Ergebnis: 1. {german(first)} ")
    assert "(2 ja, 0 vielleicht)" in closed.body

    made = await t.ask(alice, room, "!meeting from-poll P1\nurl: https://meet.example.coop/mou")
    assert made.body.startswith(f"Treffen geplant: M1: MoU-Call\nWann: {german(first)} "), made.body
    direct = await alice.create_room(invite=[t.user_id], direct=True)
    await alice.wait_for_membership(direct, t.user_id, "join", timeout=20)
    told = await t.ask(alice, direct, f"!meeting code M1 {CODE}")
    assert told.body == (
        "Der Zugangscode von M1 (MoU-Call) ist gesetzt. Er wird 10 Minuten vor Beginn im Raum bekanntgegeben."
    )
    shown = await t.ask(bob, room, "!meeting M1")
    assert "Zugangscode: ••••••" in shown.body and CODE not in shown.body

    started = await t.ask(alice, room, "!checkin start Seid ihr noch aktiv?\nschließt: 2 Wochen")
    assert started.body.startswith("Check-in C1 gestartet: 3 Mitglieder gefragt."), started.body
    assert (await t.ask(bob, room, "!here alles gut")).body == "Danke, für Check-in C1 notiert."

    meetup = first + timedelta(days=10)
    listed = await t.ask(
        alice,
        room,
        f"!signup new Treffen in Leeds\nwann: {meetup.day}. {MONTHS[meetup.month - 1]} 10 Uhr\n"
        "ort: Leeds\nvorträge: 2\nplätze: 2",
    )
    assert listed.body.startswith(f"📋 S1 Treffen in Leeds\nWann: {german(meetup)} "), listed.body
    assert (
        await t.ask(bob, room, "!signup talk Genossenschaftsrecht")
    ).body == "Du hast Vortrags-Slot 1 bei S1."
    assert (await t.ask(carol, room, "!signup attend")).body == "Du kommst zu S1."
    removed = await t.ask(alice, room, f"!signup remove S1 {carol.user_id}")
    assert (
        "hat dich von S1 Treffen in Leeds genommen (deinen Platz). Zum erneuten Anmelden: !signup attend S1."
        in (removed.body)
    )
    assert carol.user_id in removed.mentions

    [close] = [j.due_at for j in await t.plugin(Checkins).jobs.pending() if j.handler == "close"]
    await run_at(t, clock, close)
    summary = await alice.wait_for(in_room(t, room, "Check-in C1 ist beendet"), timeout=10)
    assert ": Seid ihr noch aktiv?\n1 von 3 hat geantwortet.\n" in summary.body, summary.body
    assert "— geantwortet am " in summary.body and ": alles gut" in summary.body

    day_before, reveal = [j.due_at for j in await t.plugin(Meetings).jobs.pending() if j.handler == "remind"]
    await run_at(t, clock, day_before)
    warned = await alice.wait_for(in_room(t, room, "🔔 MoU-Call beginnt in 1 Tag"), timeout=10)
    assert "Der Zugangscode wird 10 Minuten vor Beginn gepostet." in warned.body
    await run_at(t, clock, reveal)
    revealed = await alice.wait_for(in_room(t, room, "🔔 MoU-Call beginnt in 10 Minuten"), timeout=10)
    assert f"Zugangscode: {CODE}" in revealed.body

    await alice.until_synced()
    before: list[Seen] = [
        e for e in alice.events(room) if e.sender == t.user_id and e.type == "m.room.message"
    ]
    assert all(CODE not in e.body for e in before if e.event_id != revealed.event_id), "hidden until then"
    assert not [e.body for e in before if "Your " in e.body or "the bot" in e.body], "nothing in English"
