"""Bad input: the command parser, every time parser entry point, and the bot's answers to it.

The rules are in `fuzzing.py`; the plugins' `key: value` bodies are in `test_bad_input_bodies*.py`.
"""

from __future__ import annotations

import inspect
import json
import time
from functools import partial

import pytest
from hypothesis import strategies as st
from matrixbot.plugins.checkins import Checkins
from matrixbot.plugins.core.plugin import CorePlugin
from matrixbot.plugins.datepoll import DatePoll
from matrixbot.plugins.datepoll.parse import split_busy
from matrixbot.plugins.devices.plugin import DevicesPlugin
from matrixbot.plugins.meetings import Meetings
from matrixbot.plugins.meetings.parse import parse_reminder
from matrixbot.plugins.signups import Signups

from matrixbot.api.commands import Command
from matrixbot.api.invocation import parse_invocation, resolve
from matrixbot.time import FakeClock, parse_recurrence
from tests.reliability.fuzzing import CLOCK, SIZES, TEXT, TIMES, ZONE, check, fuzz

# -- the time parser -----------------------------------------------------------------------------

TIME_ENTRY_POINTS = {
    "parse": lambda text: TIMES.parse(text, ZONE),
    "parse_past": lambda text: TIMES.parse(text, ZONE, future=False),
    "parse_duration": TIMES.parse_duration,
    "parse_durations": TIMES.parse_durations,
    "parse_period": TIMES.parse_period,
    "parse_recurrence": parse_recurrence,
    "parse_reminder": lambda text: parse_reminder(text, TIMES, ZONE, CLOCK.now()),
    "split_busy": lambda text: split_busy(text, TIMES, ZONE),
}


@pytest.mark.parametrize("examples", SIZES)
@pytest.mark.parametrize("entry", TIME_ENTRY_POINTS)
def test_time_parser(entry: str, examples: int) -> None:
    fuzz(TEXT, examples, TIME_ENTRY_POINTS[entry])


def test_the_reported_remind_is_bounded() -> None:
    """`!remind 1 1 1 … x` (600 words) took 20 s: the search for a time tried every leading run."""
    text = " ".join(["1"] * 600) + " x"
    for entry in ("parse_reminder", "split_busy", "parse", "parse_durations", "parse_recurrence"):
        check(partial(TIME_ENTRY_POINTS[entry], text))


# -- the command parser --------------------------------------------------------------------------


def _specs() -> dict[str, Command[...]]:
    found: dict[str, Command[...]] = {}
    for plugin in (CorePlugin, DevicesPlugin, DatePoll, Meetings, Checkins, Signups):
        for _, spec in inspect.getmembers(plugin, lambda m: isinstance(m, Command)):
            if not spec.parent:
                for name in (spec.name, *spec.aliases):
                    found[name] = spec
    return found


SPECS = _specs()
COMMAND = st.tuples(
    st.sampled_from(sorted(SPECS)) | st.text(max_size=10), TEXT, st.sampled_from(["", "\n"]), TEXT
)


def _command(parts: tuple[str, str, str, str]) -> None:
    name, args, newline, body = parts
    invocation = parse_invocation(f"!{name} {args}{newline}{body}", "!")
    if invocation is None or invocation.name not in SPECS:
        return
    resolved = resolve(SPECS[invocation.name], invocation.args)
    spec, rest = resolved.spec, resolved.args
    spec.bind(object(), rest, invocation.body)


@pytest.mark.parametrize("examples", SIZES)
def test_command_parser(examples: int) -> None:
    fuzz(COMMAND, examples, _command)


def test_every_command_is_fuzzed() -> None:
    assert {"poll", "vote", "remind", "busy", "meeting", "checkin", "signup", "help"} <= set(SPECS)


# -- the same, through the bot (FakeBot: the real core, no homeserver) ---------------------------

ALICE, BOB = "@alice:x", "@bob:x"
SORRY = "Sorry, something went wrong"
MAX_EVENT = 4096
"""Bytes an answer to bad input may take; Matrix refuses events over 64 KiB."""


@pytest.fixture
async def bot(tmp_path):
    from matrixbot.testing.fakebot import FakeBot

    fake = await FakeBot.create(
        tmp_path, plugins=[DatePoll, Meetings, Checkins, Signups], clock=FakeClock("2024-02-20 12:00", ZONE)
    )
    yield fake
    await fake.stop()


def _size(posted) -> int:
    return len(json.dumps(posted.content, ensure_ascii=False).encode())


LONG_COMMANDS = [
    "!help ",
    "!set ",
    "!enable ",
    "!poll ",
    "!poll Title\n",
    "!vote ",
    "!busy add ",
    "!busy remove ",
    "!remind ",
    "!remind tomorrow 9am ",
    "!meeting Title\nwhen: ",
    "!meeting Title\nwhen: tomorrow 3pm\nnotify: ",
    "!meeting edit\ntitle: ",
    "!signup new Title\nwhen: ",
    "!signup new Title\nwhen: 13 June 2024 6pm\nwhere: ",
    "!checkin start ",
    "!checkin start Q\nwho: ",
    "!here ",
    "!device trust ",
    "!nosuchcommand ",
]
FILLERS = ["1 ", "a", "<b>x</b> **y** ", "tomorrow 9am "]


@pytest.mark.parametrize("filler", FILLERS, ids=["ones", "one-word", "markup", "times"])
async def test_a_60kb_command_gets_a_short_clear_answer(bot, filler: str) -> None:
    room = bot.room(ALICE, admins=[ALICE])
    for prefix in LONG_COMMANDS + (["!", "!help "] if filler == "a" else []):  # a 60 KB command name
        text = prefix + filler * (60_000 // len(filler))
        start = time.perf_counter()
        reply = await bot.say(room, ALICE, text)
        took = time.perf_counter() - start
        assert SORRY not in reply.body, f"{prefix!r}: {reply.body[:200]}"
        assert _size(reply) <= MAX_EVENT, (
            f"{prefix!r} answered with {_size(reply)} bytes: it echoes the input"
        )
        assert took < 2.0, f"{prefix!r} took {took:.1f} s to answer"


async def test_empty_commands(bot) -> None:
    room = bot.room(ALICE)
    for text in ("!", "! ", "!\n", "!!", "!?", "!²"):
        posted = await bot.send(room, ALICE, "m.room.message", {"msgtype": "m.text", "body": text})
        assert posted == [], f"{text!r} is not a command, yet the bot answered {[p.body for p in posted]}"
    for text in ("!poll", "!vote", "!remind", "!busy add", "!meeting edit", "!signup new", "!checkin start"):
        reply = await bot.say(room, ALICE, text)
        assert SORRY not in reply.body and reply.body[:1].isupper(), f"{text!r}: {reply.body!r}"


async def test_unicode_digits_are_refused_clearly(bot) -> None:
    """`!vote P1 ²` was a ValueError ('²'.isdigit() but int('²') fails): "Sorry, something went wrong"."""
    room = bot.room(ALICE)
    await bot.say(
        room, ALICE, "!poll Call\n3-4pm Monday 26th February 2024\n3-4pm Tuesday 27th February 2024"
    )
    for text in (
        "!vote P1 ²",
        "!vote P1 ١",
        "!vote ³",
        "!vote P1 1 maybe ٢",
        "!busy remove ²",
        "!busy remove ٣",
    ):
        reply = await bot.say(room, ALICE, text)
        assert SORRY not in reply.body, f"{text!r}: {reply.body!r}"
        assert "option" in reply.body or "number" in reply.body, (
            f"{text!r} should say what was wrong: {reply.body!r}"
        )
    for text in ("!remind at ١٥:٠٠ tea", "!remind in ５ minutes tea", "!remind every ２ days at 9am tea"):
        reply = await bot.say(room, ALICE, text)
        assert reply.body.startswith("Write numbers with the digits 0 to 9"), f"{text!r}: {reply.body!r}"


MARK_HTML, MARK_MD = "<i>MARK</i>", "**MD**"
MARKED = [
    "!poll {m} call\n3-4pm Monday 26th February 2024\n3-4pm Tuesday 27th February 2024",
    "!remind tomorrow 9am {m}",
    "!busy add {m} 17-19 May 2024",
    "!meeting {m}\nwhen: tomorrow 3pm\nurl: https://x.org/{m}",
    "!meeting {m}\nwhen: tomorrow 3pm\nnotify: {m}",
    "!meeting {m}\nwhen: tomorrow 3pm\nremind: {m}",
    "!signup new {m}\nwhen: 13 June 2024 6pm\nwhere: {m}",
    "!checkin start {m}?",
    "!checkin org {m}",
    "!set {m} {m}",
    "!help {m}",
    "!vote {m}",
]


async def test_html_and_markdown_are_shown_as_typed(bot) -> None:
    room = bot.room(ALICE, BOB, admins=[ALICE])
    for template in MARKED:
        text = template.format(m=f"{MARK_HTML} {MARK_MD}")
        posted = await bot.send(room, ALICE, "m.room.message", {"msgtype": "m.text", "body": text})
        assert posted, f"no answer to {text!r}"
        for post in posted:
            assert SORRY not in post.body, f"{text!r}: {post.body!r}"
            assert MARK_HTML not in post.html and "<strong>MD" not in post.html, (
                f"{text!r} unescaped: {post.html}"
            )
            if "MARK" in post.html:
                assert "&lt;i&gt;MARK&lt;/i&gt;" in post.html, post.html
