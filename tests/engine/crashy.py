"""A test plugin whose command fails, beside one that works: one failing handler stops nothing."""

from __future__ import annotations

from matrixbot.api.commands import command
from matrixbot.api.context import Context
from matrixbot.api.plugin import Plugin
from matrixbot.matrix.markup import h


class Crashy(Plugin):
    """A plugin with a command that raises, to show one failing handler stops nothing."""

    name = "crashy"
    description = "Fails on purpose."

    @command("boom")
    async def boom(self, ctx: Context) -> None:
        """Raise an error."""
        raise RuntimeError("secret internals")

    @command("echo")
    async def echo(self, ctx: Context, text: str) -> None:
        """Repeat a word."""
        await ctx.reply(f"echo {h(text)}")
