"""The examples the bot shows in German, Spanish and French are taken by the bot itself, in a
room of that language: each translated `example=` of the translated plugins (core, devices,
datepoll), and the examples its "could not read" hints give, worked out from the clock. Taken:
the answer says nothing of the date it was given (what it would say is read from the catalogs:
a weekday that does not match, in the past, a day that does not exist, could not read…)."""

from __future__ import annotations

import re

import pytest

from matrixbot.i18n import Translations, declared, speaking, texts
from matrixbot.testing.fakebot import FakeBot
from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock

ALICE, BOB = "@alice:x", "@bob:x"
TRANSLATED = ("core", "devices", "datepoll")
SETUP = [  # the things the examples name by id (P3, busy date 2), made first
    *["!poll Setup\n3-4pm Monday\n3-4pm Tuesday\n3-4pm Wednesday\n3-4pm Thursday\n3-4pm Friday"] * 3,
    *["!busy add Setup 17-19 May"] * 2,
    "!vote P3 1 2",  # a tie, for the examples that settle one once P3 is closed
]
LAST = ("close", "pick", "runoff", "disable", "remove", "reopen")
QUOTED = re.compile(r"„([^“]+)“|«([^»]+)»|« ([^»]+) »")


DATEPOLL = Translations("matrixbot.plugins.datepoll")
WARNINGS = [  # what the bot says of a date it does not take as it is (matrixbot's catalog, datepoll's)
    (texts, "{date} was a {weekday}, not a {written}; did you mean {fixes}?"),
    (texts, "{date} is a {weekday}, not a {written}; did you mean {fixes}?"),
    (texts, "{date} is {distance} from the other dates; did you mean {fixes}?"),
    (texts, "{date} is {distance} from the other dates: is that the date you meant?"),
    (texts, "{when} is in the past."),
    (texts, "There is no {day} {month}: it has {length} days."),
    (texts, "{date} is more than {years} years ahead: give a date up to {latest}."),
    (texts, "'{text}' is already past: give a deadline ahead, e.g. '{weeks}' or '{example}'."),
    (texts, "I could not read '{text}' as a date or time"),
    (texts, "I could not read '{part}' in '{text}' as a date or time"),
    (DATEPOLL, "in the past"),  # an option's flag, said after ⚠️
    (DATEPOLL, "I could not find a date at the end of that: write the name, then the dates, e.g. {example}."),
]


def warnings(language: str) -> re.Pattern[str]:
    """The warnings as the language says them, as one pattern (each placeholder: anything)."""
    with speaking(language):
        said = [("⚠️ " if m == "in the past" else "") + catalog.gettext(m) for catalog, m in WARNINGS]
    return re.compile("|".join(".*?".join(map(re.escape, re.split(r"\{\w+\}", s))) for s in said))


async def check(bot: FakeBot, room: str, command: str, language: str) -> str | None:
    """What is wrong with the bot's answer to `command`, or None when it took it."""
    posted = await bot.send(
        room, ALICE, "m.room.message", {"msgtype": "m.text", "body": command.replace("⏎", "\n")}
    )
    reply = "\n".join(p.body for p in posted if not p.edits)
    if warnings(language).search(reply):
        return f"{command!r} got {reply!r}"
    return None


@pytest.fixture(
    params=[("de", "2024-02-20 09:00"), ("es", "2027-12-28 09:00"), ("fr", "2031-06-15 13:00")],
    ids=lambda p: p[0],
)
async def room(request: pytest.FixtureRequest, fake_bot: MakeFakeBot) -> tuple[FakeBot, str, str]:
    language, when = request.param
    bot = await fake_bot(plugins=None, clock=FakeClock(when, "Europe/Berlin"), timezone="Europe/Berlin")
    room = bot.room(ALICE, BOB, admins=[ALICE])
    await bot.say(room, ALICE, f"!set language {language}")
    for command in SETUP:
        assert await check(bot, room, command, language) is None
    return bot, room, language


async def test_every_translated_example_is_taken(room: tuple[FakeBot, str, str]) -> None:
    bot, room_id, language = room
    examples = []
    for name in TRANSLATED:
        plugin = bot.parts.registry.plugins[name]
        for top in plugin.commands():
            for spec in [top, *dict.fromkeys(top.subcommands.values())]:
                if spec.example:
                    with speaking(language):
                        examples.append(declared(spec.example, plugin.translations))
    assert len(examples) >= 15 and any(
        "vielleicht" in e or "quizás" in e or "peut-être" in e for e in examples
    )
    examples.sort(
        key=lambda e: min((LAST.index(w) for w in re.split(r"[\s⏎!]+", e) if w in LAST), default=-1)
    )
    assert warnings(language).search(warnings_said(language)), "the check is not blind"
    failed = [problem for e in examples if (problem := await check(bot, room_id, e, language))]
    assert not failed, "\n".join(failed)


async def test_the_examples_a_hint_gives_are_taken(room: tuple[FakeBot, str, str]) -> None:
    bot, room_id, language = room
    hint = (await bot.say(room_id, ALICE, "!poll Call\nblursday 3pm\n3-4pm tomorrow")).body
    shown = [next(g for g in m.groups() if g) for m in QUOTED.finditer(hint)]
    assert len(shown) == 4, hint  # the text, the word not known, and the two examples
    for example in shown[2:]:
        assert await check(bot, room_id, f"!poll Call\n{example}\n9:00 tomorrow", language) is None
        assert await check(bot, room_id, f"!busy add Away {example}", language) is None
    deadline = (
        await bot.say(room_id, ALICE, "!poll Call\n3-4pm tomorrow\n9:00 tomorrow\ncloses: yesterday")
    ).body
    for example in [next(g for g in m.groups() if g) for m in QUOTED.finditer(deadline)][1:]:
        assert (
            await check(
                bot, room_id, f"!poll Call\n3-4pm tomorrow\n9:00 tomorrow\ncloses: {example}", language
            )
            is None
        )
    days = (await bot.say(room_id, ALICE, "!busy add Nothing here")).body
    example = days[days.index("!busy add") :].rstrip(".")
    assert await check(bot, room_id, example, language) is None


def warnings_said(language: str) -> str:
    """A warning as the bot says it, to show the pattern finds one."""
    with speaking(language):
        return texts.gettext("{when} is in the past.").format(when="x")
