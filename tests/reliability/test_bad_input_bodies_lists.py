"""Bad input in the `key: value` bodies of check-ins and sign-up lists (rules in `fuzzing.py`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import strategies as st
from matrixbot.plugins.checkins.parse import parse_start
from matrixbot.plugins.signups.model import Details
from matrixbot.plugins.signups.parse import EDIT_KEYS, parse_edit, parse_new

from matrixbot.api.arguments import Body
from tests.reliability.fuzzing import CLOCK, SIZES, TEXT, TIMES, ZONE, fuzz, lines

CURRENT = Details("Gathering", TIMES.parse("13 June 2024 6pm", ZONE), slot=timedelta(minutes=20))
BODIES = {
    "checkins": (
        ("who", "every", "nudge", "closes"),
        lambda title, body: parse_start(title, body, TIMES, ["@ann:x", "@bob:x"], ZONE, CLOCK.now()),
    ),
    "signups": (EDIT_KEYS, lambda title, body: parse_new(title, body, TIMES, ZONE)),
    "signups_edit": (EDIT_KEYS, lambda title, body: parse_edit(body, CURRENT, TIMES)),
}


@pytest.mark.parametrize("examples", SIZES)
@pytest.mark.parametrize("plugin", BODIES)
def test_plugin_bodies(plugin: str, examples: int) -> None:
    keys, parse = BODIES[plugin]
    fuzz(st.tuples(TEXT, lines(keys)), examples, lambda pair: parse(pair[0], Body(pair[1])))
