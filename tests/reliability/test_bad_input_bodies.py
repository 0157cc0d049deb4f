"""Bad input in the `key: value` bodies of date polls and meetings (rules in `fuzzing.py`)."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from matrixbot.plugins.datepoll.parse import parse_choices, parse_proposal
from matrixbot.plugins.meetings.parse import EDIT_KEYS, parse_meeting

from matrixbot.api.arguments import Body
from tests.reliability.fuzzing import SIZES, TEXT, TIMES, ZONE, fuzz, lines

BODIES = {
    "datepoll": (("closes",), lambda title, body: parse_proposal(title, body, TIMES, ZONE)),
    "datepoll_vote": (("maybe",), lambda title, body: parse_choices(title + " " + body.text, 5)),
    "meetings": (EDIT_KEYS, lambda title, body: parse_meeting(body, TIMES, ZONE)),
    "meetings_edit": (
        EDIT_KEYS,
        lambda title, body: parse_meeting(body, TIMES, ZONE, keys=EDIT_KEYS, required=()),
    ),
}


@pytest.mark.parametrize("examples", SIZES)
@pytest.mark.parametrize("plugin", BODIES)
def test_plugin_bodies(plugin: str, examples: int) -> None:
    keys, parse = BODIES[plugin]
    fuzz(st.tuples(TEXT, lines(keys)), examples, lambda pair: parse(pair[0], Body(pair[1])))
