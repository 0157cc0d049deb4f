"""`!help` and `!help COMMAND` of every built-in command, as a member reads them, against a golden
file: a change to a usage line, a summary or an example shows up here as a diff to review.

The usage lines are derived from the handlers' signatures, so a changed argument changes the help
too. When the change is meant, write the golden file again and review its diff:

    MATRIXBOT_REFRESH_HELP=1 .venv/bin/python -m pytest -q tests/plugins/test_help_snapshot.py
    git diff tests/plugins/help.golden.txt
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from matrixbot.engine.registry import discover
from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock

GOLDEN = Path(__file__).with_name("help.golden.txt")
ALICE = "@alice:x"


async def help_texts(fake_bot: MakeFakeBot) -> str:
    """Every built-in plugin on (installed third-party ones, such as the example, left out)."""
    built_in = [p for p in discover() if p.__module__.startswith("matrixbot.plugins.")]
    bot = await fake_bot(plugins=built_in, clock=FakeClock("2024-02-20 12:00", "Europe/London"))
    room = bot.room(ALICE)
    listing = (await bot.say(room, ALICE, "!help")).body
    names = sorted(set(re.findall(r"^• !([\w-]+)", listing, re.M)))
    parts = [f"=== !help ===\n{listing}"]
    parts += [f"=== !help {name} ===\n{(await bot.say(room, ALICE, f'!help {name}')).body}" for name in names]
    return "\n\n".join(parts) + "\n"


async def test_the_help_of_every_command_is_as_reviewed(fake_bot: MakeFakeBot) -> None:
    shown = await help_texts(fake_bot)
    if os.environ.get("MATRIXBOT_REFRESH_HELP"):
        GOLDEN.write_text(shown, encoding="utf-8")
    assert shown.count("=== !help ") > 20, "the help lists too few commands"
    assert shown == GOLDEN.read_text(encoding="utf-8"), (
        "the help changed: review it, then write the golden file again (see this test's docstring)"
    )
