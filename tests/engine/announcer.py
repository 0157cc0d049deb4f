"""A test plugin that posts a scheduled announcement; it can kill its own process right after
posting (before the job is marked done), to prove a crash there never posts twice."""

from __future__ import annotations

import os
import signal
from datetime import timedelta

from matrixbot.api.arguments import Rest
from matrixbot.api.commands import command
from matrixbot.api.context import Context
from matrixbot.api.jobs import JobRun
from matrixbot.api.plugin import Plugin, job
from matrixbot.matrix.markup import Message, h


class Announcer(Plugin):
    name = "announcer"
    description = "Scheduled announcements (a test plugin)."

    @command("announce")
    async def announce(self, ctx: Context, seconds: int, text: Rest) -> None:
        """Post TEXT in SECONDS seconds."""
        due = self.clock.now() + timedelta(seconds=seconds)
        async with self.db.transaction() as tx:
            await self.jobs.schedule(
                tx, "post", due, {"text": text, "due": due.timestamp()}, room_id=ctx.room_id
            )
        await ctx.reply(f"scheduled {h(text)} at {due.timestamp():.3f}")

    @job("post")
    async def post(self, run: JobRun) -> None:
        state = {"late": " (late)", "missed": " (missed)"}.get(run.state, "")
        assert run.job.room_id is not None
        message = Message.from_html(h(run.payload["text"]) + state)
        posted = await run.outbox.message(run.job.room_id, message, notify=True)
        if self.config.get("crash_after_send"):
            await posted.event_id()  # the post went out; the job is not marked done yet
            os.kill(os.getpid(), signal.SIGKILL)
