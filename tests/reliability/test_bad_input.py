"""Bad input, fuzzed: the command parser, every time parser entry point and every plugin's
`key: value` bodies.

For any input (up to 64 KB): nothing but a `UserError` escapes; every rejection is a short
sentence; one call takes at most 100 ms. Each target runs a few hundred examples in the default
run and 10,000 in the slow one (`-m slow`).

The time bound is wall time (`time.perf_counter`) on the plain, synchronous parser, so it holds
without the time service's budget. The machine is shared: a call over the bound is run again, and
fails only if it is over the bound both times (a slow input is slow every time; a busy CPU is not).
"""

from __future__ import annotations

import contextlib
import inspect
import re
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matrixbot.builtin import CorePlugin
from matrixbot.clock import FakeClock
from matrixbot.commands import Body, CommandSpec, parse_invocation, resolve
from matrixbot.devices import DevicesPlugin
from matrixbot.errors import UserError
from matrixbot.recurrence import parse_recurrence
from matrixbot.timeparse import TimeParser
from plugins.checkins import Checkins
from plugins.checkins.parse import parse_start
from plugins.datepoll import DatePoll
from plugins.datepoll.parse import parse_choices, parse_proposal, split_busy
from plugins.meetings import Meetings
from plugins.meetings.parse import EDIT_KEYS, parse_meeting, parse_reminder
from plugins.signups import Signups
from plugins.signups.model import Details
from plugins.signups.parse import EDIT_KEYS as SIGNUP_EDIT_KEYS
from plugins.signups.parse import parse_edit, parse_new

ZONE = "Europe/London"
LIMIT = 0.100
"""Seconds one parse may take."""
MAX_REPLY = 1000
"""Characters a rejection may have: it names the problem, it does not echo the input."""
CLOCK = FakeClock("2024-02-20 12:00", ZONE)
TIMES = TimeParser(CLOCK)
TIMES.warm()

QUICK, VOLUME = 100, 10_000
SIZES = [
    pytest.param(QUICK, id="quick"),
    pytest.param(VOLUME, id="volume", marks=pytest.mark.slow),
]

TOKEN_TEXT = """1 1st 2nd 12 15 2024 2014 0 00 99 3pm 3-4pm 9am 15:00 16.30 noon midnight 12pm 13pm 25:00
    tomorrow today tonight next last this in after ago at on from to until till and between the of a an
    monday mon tuesday tues friday may june sept december every each other first second last weekly
    daily monthly fortnightly yearly day days week weeks month months year years hour hours h m min
    minutes s half an and a half bst gmt utc utc+2 gmt-5 cest pst right now - – — , ; : . / ? !
    none no off @room @bob:x https://x.org p1 P1 m3 r7 maybe yes ² ³ ٣ ١٢ ¹⁰ ½ ⅓ 𝟙 ５ <b>x</b> **bold**
    _em_ `code` <script>alert(1)</script> &amp; &lt; "q" 'q' \u202e \u200b \x00 \x1b \t"""
TOKENS = TOKEN_TEXT.split()
WORD = st.sampled_from(TOKENS) | st.text(min_size=1, max_size=6)
PHRASE = st.lists(WORD, max_size=16).map(" ".join)
LONG = (
    st.tuples(PHRASE | st.text(min_size=1, max_size=40), st.integers(1, 8000))
    .map(lambda pair: ((pair[0] or "1") + " ") * pair[1])
    .map(lambda text: text[:65536])
)
TEXT = PHRASE | st.text(max_size=120) | LONG


def lines(keys: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Bodies of `key: value` lines with the plugin's keys (and others), values from TEXT."""
    key = st.sampled_from(keys) | st.sampled_from(("clses", "whne", "x", "")) | st.text(max_size=8)
    line = st.tuples(key, TEXT).map(lambda kv: f"{kv[0]}: {kv[1]}") | TEXT
    return st.lists(line, max_size=8).map("\n".join) | LONG


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    with contextlib.suppress(UserError):
        call()
    return time.perf_counter() - start


def check(call: Callable[[], object]) -> None:
    """The rules every parse of user text keeps, for one input."""
    start = time.perf_counter()
    try:
        call()
    except UserError as exc:
        shown = exc.message[:1].upper() + exc.message[1:]  # as the dispatcher shows it
        assert len(shown) <= MAX_REPLY, f"a rejection of {len(shown)} characters echoes the input"
        assert re.match(r"[A-Z'\"]", shown), f"a rejection should start a sentence: {shown[:200]!r}"
        assert shown.rstrip().endswith((".", "?", "!")), f"not a sentence: {shown[-200:]!r}"
        assert "Traceback" not in shown and "Error:" not in shown, shown
    elapsed = time.perf_counter() - start
    if elapsed > LIMIT:
        elapsed = min(elapsed, timed(call))
    assert elapsed <= LIMIT, f"one parse took {elapsed * 1000:.0f} ms (limit {LIMIT * 1000:.0f} ms)"


def fuzz(strategy: st.SearchStrategy, examples: int, target: Callable[..., object]) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(strategy)
    def run(value: object) -> None:
        check(lambda: target(value))

    run()


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
        check(lambda entry=entry: TIME_ENTRY_POINTS[entry](text))


# -- the command parser --------------------------------------------------------------------------


def _specs() -> dict[str, CommandSpec]:
    found: dict[str, CommandSpec] = {}
    for plugin in (CorePlugin, DevicesPlugin, DatePoll, Meetings, Checkins, Signups):
        for _, member in inspect.getmembers(plugin, inspect.isfunction):
            spec = getattr(member, "__command__", None)
            if spec is not None and spec.parent is None:
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
    spec, rest = resolve(SPECS[invocation.name], invocation.args)
    spec.bind(object(), rest, invocation.body)


@pytest.mark.parametrize("examples", SIZES)
def test_command_parser(examples: int) -> None:
    fuzz(COMMAND, examples, _command)


def test_every_command_is_fuzzed() -> None:
    assert {"poll", "vote", "remind", "busy", "meeting", "checkin", "signup", "help"} <= set(SPECS)


# -- the plugins' bodies -------------------------------------------------------------------------

CURRENT = Details("Gathering", TIMES.parse("13 June 2024 6pm", ZONE), slot=timedelta(minutes=20))
BODIES = {
    "datepoll": (("closes",), lambda title, body: parse_proposal(title, body, TIMES, ZONE)),
    "datepoll_vote": (("maybe",), lambda title, body: parse_choices(title + " " + body.text, 5)),
    "meetings": (EDIT_KEYS, lambda title, body: parse_meeting(body, TIMES, ZONE)),
    "meetings_edit": (
        EDIT_KEYS,
        lambda title, body: parse_meeting(body, TIMES, ZONE, keys=EDIT_KEYS, required=()),
    ),
    "checkins": (
        ("who", "every", "nudge", "closes"),
        lambda title, body: parse_start(title, body, TIMES, ["@ann:x", "@bob:x"]),
    ),
    "signups": (SIGNUP_EDIT_KEYS, lambda title, body: parse_new(title, body, TIMES, ZONE)),
    "signups_edit": (SIGNUP_EDIT_KEYS, lambda title, body: parse_edit(body, CURRENT, TIMES)),
}


@pytest.mark.parametrize("examples", SIZES)
@pytest.mark.parametrize("plugin", BODIES)
def test_plugin_bodies(plugin: str, examples: int) -> None:
    keys, parse = BODIES[plugin]
    fuzz(st.tuples(TEXT, lines(keys)), examples, lambda pair: parse(pair[0], Body(pair[1])))
