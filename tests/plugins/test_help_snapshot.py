"""`!help` and `!help COMMAND` of every built-in command, as a member reads them, against a golden
file; and the README's plugin command tables, against the declarations. A change to a usage line,
a summary or an example shows up here as a diff to review.

The usage lines are derived from the handlers' signatures, so a changed argument changes the help
too. When the change is meant, write the golden file and the README's tables again, and review
their diff:

    MATRIXBOT_REFRESH_HELP=1 .venv/bin/python -m pytest -q tests/plugins/test_help_snapshot.py
    git diff tests/plugins/help.golden.txt README.md
"""

from __future__ import annotations

import inspect
import os
import re
from pathlib import Path

from matrixbot.api.catalog import ALWAYS_ON
from matrixbot.api.commands import Command
from matrixbot.api.plugin import Plugin
from matrixbot.engine.registry import discover
from matrixbot.testing.pytest_plugin import MakeFakeBot
from matrixbot.time import FakeClock

GOLDEN = Path(__file__).with_name("help.golden.txt")
README = Path(__file__).parents[2] / "README.md"
TABLES = re.compile(r"(<!-- commands:start -->\n).*?(<!-- commands:end -->)", re.S)
REFRESH = bool(os.environ.get("MATRIXBOT_REFRESH_HELP"))
ALICE = "@alice:x"


def built_in() -> list[type[Plugin]]:
    """The plugins shipped in `plugins/` (installed third-party ones, such as the example, left out)."""
    return [p for p in discover() if p.__module__.startswith("matrixbot.plugins.")]


async def help_texts(fake_bot: MakeFakeBot) -> str:
    bot = await fake_bot(plugins=built_in(), clock=FakeClock("2024-02-20 12:00", "Europe/London"))
    room = bot.room(ALICE)
    listing = (await bot.say(room, ALICE, "!help")).body
    names = sorted(set(re.findall(r"^• !([\w-]+)", listing, re.M)))
    parts = [f"=== !help ===\n{listing}"]
    parts += [f"=== !help {name} ===\n{(await bot.say(room, ALICE, f'!help {name}')).body}" for name in names]
    return "\n\n".join(parts) + "\n"


def command_tables() -> str:
    """A table per plugin: each command and subcommand, its usage and what it does (the core's own
    commands have a table of their own in the README, with who may use them)."""
    out = []
    for plugin in sorted((p for p in built_in() if p.name not in ALWAYS_ON), key=lambda p: p.name):
        tops = [m for _, m in inspect.getmembers(plugin) if isinstance(m, Command) and not m.parent]
        specs = [*tops, *(s for top in tops for s in dict.fromkeys(top.subcommands.values()))]
        rows = [
            f"| `{cell(spec.usage_line('!', subcommands=False))}` | "
            f"{cell(spec.summary + (f' Example: {spec.example}' if spec.example else ''))} |"
            for spec in sorted(specs, key=lambda s: s.full_name)
        ]
        details = f"([details](plugins/{plugin.name}/README.md))"
        out.append(
            f"**{plugin.name}**: {plugin.description} {details}\n\n| command | what |\n| --- | --- |\n"
            + "\n".join(rows)
        )
    return "\n\n".join(out) + "\n"


def cell(text: str) -> str:
    return text.replace("|", "\\|")


async def test_the_help_of_every_command_is_as_reviewed(fake_bot: MakeFakeBot) -> None:
    shown = await help_texts(fake_bot)
    if REFRESH:
        GOLDEN.write_text(shown, encoding="utf-8")
    assert shown.count("=== !help ") > 20, "the help lists too few commands"
    assert shown == GOLDEN.read_text(encoding="utf-8"), (
        "the help changed: review it, then write the golden file again (see this test's docstring)"
    )


def test_the_readme_lists_the_commands_as_declared() -> None:
    readme = README.read_text(encoding="utf-8")
    assert TABLES.search(readme), "the README has lost its <!-- commands:start/end --> markers"
    tables = command_tables()
    if REFRESH:
        README.write_text(
            TABLES.sub(lambda m: f"{m.group(1)}\n{tables}\n{m.group(2)}", readme), encoding="utf-8"
        )
        readme = README.read_text(encoding="utf-8")
    assert f"<!-- commands:start -->\n\n{tables}\n<!-- commands:end -->" in readme, (
        "the README's command tables differ from the declarations: write them again (see this test's docstring)"
    )
