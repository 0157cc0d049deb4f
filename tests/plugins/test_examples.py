"""Every example the bot gives is taken by the bot itself, whatever the date: each declared example
of every command (`example=`, which its help shows), and each example an error hint shows (worked
out from the clock), said back to the bot at several dates in different years and zones, is
answered without a warning about its date.

"Try e.g. 'Tuesday 2 July 3pm'" was refused in 2027 ("2 July 2027 is a Friday, not a Tuesday")."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator

import pytest
from matrixbot.plugins.core import CorePlugin
from matrixbot.plugins.devices import DevicesPlugin

from matrixbot.api.commands import Command, parse_invocation, resolve
from matrixbot.engine.registry import discover
from matrixbot.testing.fakebot import FakeBot
from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock

ALICE, BOB = "@alice:x", "@bob:x"
CLOCKS = [
    ("2024-02-20 09:00", "Europe/London"),
    ("2026-11-25 22:30", "Pacific/Auckland"),  # late at night: "today" has few hours left
    ("2027-12-28 09:00", "America/Los_Angeles"),  # a week ahead is next year
    ("2031-06-15 13:00", "Europe/London"),
    ("2028-05-01 12:00", "Europe/Berlin"),  # "away until 1 May" was refused on the day
]
WARNINGS = re.compile(  # what the bot says of a date it does not take as it is
    r"is an? [A-Z][a-z]+day, not|is in the past|⚠️ in the past|There is no [0-9]+ [A-Z]|years ahead"
    r"|before 1970|from the other dates|already past|has passed|could not read|could not find"
    r"|At what time|give a time of day|went wrong|[Ll]ine [0-9]"
)
MADE = {  # what each date-reading command says when it takes what it was given
    r"!poll fix ": "replaces",
    r"!poll [^⏎]+⏎": "Not voted yet",
    r"!busy add ": "Busy date",
    r"!remind ": "Reminder R",
    r"!meeting edit": "Updated",
    r"!meeting (?!edit|cancel|skip|ics|code|from-poll)[^⏎]+⏎": "Scheduled",
    r"!signup new ": "📋",
    r"!checkin start ": "Started check-in",
    r"!checkin away ": "Noted: away until",
}
SETUP = [  # the things the help's examples name by id (P3, M3, S2, C3, R7), made first
    *["!poll Setup⏎3-4pm Monday⏎3-4pm Tuesday⏎3-4pm Thursday"] * 3,
    *["!meeting Setup⏎when: Thursday 3pm⏎repeat: weekly"] * 3,
    *["!signup new Setup⏎when: Saturday 6pm⏎talks: 4"] * 2,
    *["!checkin start Still here?⏎every: 3 months"] * 3,
    *["!remind tomorrow 9am setup"] * 7,
    *["!busy add Setup 17-19 May"] * 2,
    "!vote P3 1 3",  # a tie, for the examples that settle one once P3 is closed
]
LAST = ("close", "pick", "runoff", "cancel", "stop", "disable", "remove", "withdraw", "reopen", "from-poll")
"""Examples that end or need an ended thing: said after the others, in this order."""


def declared(spec: Command[...]) -> Iterator[Command[...]]:
    """A command and its subcommands (each once)."""
    yield spec
    for sub in dict.fromkeys(spec.subcommands.values()):
        yield from declared(sub)


def made(command: str) -> str | None:
    return next((said for start, said in MADE.items() if re.match(start, command)), None)


def test_every_example_runs_its_own_command_and_no_docstring_hides_one() -> None:
    """An example is declared (`example=`), not written into a docstring, and the command it is
    shown for is the one it runs."""
    classes = [
        CorePlugin,
        DevicesPlugin,
        *(p for p in discover() if p.__module__.startswith("matrixbot.plugins.")),
    ]
    tops = {
        m.name: m
        for c in classes
        for _, m in inspect.getmembers(c)
        if isinstance(m, Command) and not m.parent
    }
    specs = [each for top in tops.values() for each in declared(top)]
    assert sum(1 for spec in specs if spec.example) >= 40
    for spec in specs:
        assert "Example:" not in " ".join((spec.summary, *spec.paragraphs)), (
            f"!{spec.full_name}: declare it as example="
        )
        if spec.example:
            said = parse_invocation(spec.example.replace("⏎", "\n"), "!")
            assert said is not None and said.name in tops, spec.example
            found = resolve(tops[said.name], said.args, said.body).spec
            assert found is spec, f"{spec.example!r} runs !{found.full_name}, not !{spec.full_name}"


async def check(bot: FakeBot, room: str, command: str) -> str | None:
    """What is wrong with the bot's answer to `command`, or None when it took it."""
    content = {"msgtype": "m.text", "body": command.replace("⏎", "\n")}
    reply = "\n".join(p.body for p in await bot.send(room, ALICE, "m.room.message", content))
    expected = made(command)
    if WARNINGS.search(reply) or (expected is not None and expected not in reply):
        return f"{command!r} got {reply!r}"
    return None


@pytest.fixture(params=CLOCKS, ids=[c[0][:4] for c in CLOCKS])
async def bot(request: pytest.FixtureRequest, fake_bot: MakeFakeBot) -> FakeBot:
    when, zone = request.param
    return await fake_bot(plugins=None, clock=FakeClock(when, zone), timezone=zone)


async def test_every_example_of_every_commands_help_is_taken(bot: FakeBot) -> None:
    room = bot.room(ALICE, BOB, admins=[ALICE])
    for command in SETUP:
        assert await check(bot, room, command) is None
    examples = []
    for plugin in bot.parts.registry.plugins.values():
        for spec in plugin.commands():
            shown = (await bot.say(room, ALICE, f"!help {spec.name}")).body
            for each in declared(spec):
                assert not each.example or f"Example: {each.example}" in shown, f"!help {spec.name}"
                examples += [each.example] if each.example else []
    assert any("!poll CoTech" in e for e in examples) and any("!checkin start" in e for e in examples)
    examples.sort(
        key=lambda e: min((LAST.index(w) for w in re.split(r"[\s⏎!]+", e) if w in LAST), default=-1)
    )
    failed = [problem for e in examples if (problem := await check(bot, room, e))]
    assert not failed, "\n".join(failed)


HINTS = [  # (a command whose answer shows examples, where each example goes)
    ("!meeting Call⏎when: blursday 3pm", ["!meeting Call⏎when: {}", "!remind {} test", "!busy add Away {}"]),
    ("!meeting Call⏎when: blursday 3pm", ["!poll Call⏎{}⏎3-4pm tomorrow", "!signup new Talks⏎when: {}"]),
    ("!meeting Call⏎when: blursday 3pm", ["!checkin away until {}"]),
    ("!meeting Call⏎when: 14 June", ["!meeting Call⏎when: {}"]),
    ("!meeting Call⏎when: today", ["!meeting Call⏎when: {}"]),
    ("!meeting Call⏎when: tomorrow", ["!meeting Call⏎when: {}"]),
    ("!remind 14 June send invoices", ["!remind {} send invoices"]),
    ("!remind today send invoices", ["!remind {} send invoices"]),
    ("!remind every monday weekly check", ["!remind {} weekly check"]),
    ("!remind blursday", ["!remind {}"]),
    (
        "!signup new Talks⏎when: 14 June⏎talks: 2⏎slot: 20 minutes",
        ["!signup new Talks⏎{}⏎talks: 2⏎slot: 20 minutes"],
    ),
    (
        "!signup new Talks⏎when: today⏎talks: 2⏎slot: 20 minutes",
        ["!signup new Talks⏎{}⏎talks: 2⏎slot: 20 minutes"],
    ),
    ("!busy add Nothing here", ["{}"]),
    ("!checkin away until yesterday", ["{}"]),
    (
        "!poll Call⏎3-4pm tomorrow⏎4-5pm tomorrow⏎closes: yesterday",
        ["!poll Call⏎3-4pm tomorrow⏎4-5pm tomorrow⏎closes: {}"],
    ),
    ("!poll Call⏎3-4pm tomorrow⏎4-5pm tomorrow⏎closes: yesterday", ["!checkin start Still here?⏎closes: {}"]),
    (
        "!poll Call⏎3-4pm tomorrow⏎4-5pm tomorrow⏎closes: yesterday",
        ["!signup new Talks⏎when: 9 July 6pm⏎closes: {}"],
    ),
    ("!poll Call⏎3-4 tomorrow⏎4-5pm tomorrow", ["!poll Call⏎{}⏎9pm tomorrow"]),
    (
        "!meeting Call⏎when: tomorrow 3pm⏎repeat: every blue moon",
        ["!meeting Call⏎when: tomorrow 3pm⏎repeat: {}"],
    ),
    ("!meeting Call⏎when: tomorrow 3pm⏎duration: a while", ["!meeting Call⏎when: tomorrow 3pm⏎duration: {}"]),
]


def shown_examples(reply: str) -> list[str]:
    """The examples in an answer: quoted after "e.g." or "Try", or a whole command after "e.g."."""
    start = re.search(r"e\.g\.|\b[Tt]ry\b", reply)
    if start is None:
        return []
    hint = reply[start.end() :]
    quoted = re.findall(r"'([^']+)'", hint)
    return quoted or re.findall(r"(![^\n]*?)\.?$", hint.strip())


async def test_every_example_in_an_error_hint_is_taken(bot: FakeBot) -> None:
    room = bot.room(ALICE, BOB, admins=[ALICE])
    failed, tried = [], 0
    for trigger, uses in HINTS:
        answer = (await bot.say(room, ALICE, trigger.replace("⏎", "\n"))).body
        examples = shown_examples(answer)
        assert examples, f"{trigger!r} showed no example: {answer!r}"
        for example in examples:
            for use in uses:
                command = use.format(example)
                tried += 1
                if problem := await check(bot, room, command):
                    failed.append(f"{problem} (from the answer to {trigger!r})")
    assert tried >= 30
    assert not failed, "\n".join(failed)
