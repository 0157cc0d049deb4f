"""A command's Context carries the services of the plugin that handles it (not the core's)."""

from datetime import timedelta

from matrixbot import Context, JobRun, Message, Plugin, command, job
from matrixbot.testing.fakebot import FakeBot
from matrixbot.time import FakeClock


class Later(Plugin):
    name = "later"
    description = "schedules a job from a command, for this test"

    @command("later")
    async def later(self, ctx: Context) -> None:
        """Say ping in five minutes."""
        async with self.db.transaction() as tx:
            await ctx.services.jobs.schedule(
                tx, "ping", ctx.now + timedelta(minutes=5), {"room": ctx.room_id}, room_id=ctx.room_id
            )
        await ctx.reply("Later.")

    @job("ping")
    async def ping(self, run: JobRun) -> None:
        await run.outbox.message(run.payload["room"], Message.from_html(f"ping from {self.name}"))


async def test_a_job_scheduled_through_ctx_services_runs_in_the_plugin_that_scheduled_it(tmp_path):
    clock = FakeClock("2024-02-20 12:00")
    bot = await FakeBot.create(tmp_path, plugins=[Later], clock=clock)
    try:
        room = bot.room("@alice:x")
        assert (await bot.say(room, "@alice:x", "!later")).body == "Later."
        assert await bot.database.fetch_value("SELECT plugin FROM jobs WHERE handler = 'ping'") == "later"
        clock.advance(timedelta(minutes=6))
        assert [p.body for p in await bot.run_due()] == ["ping from later"]
        assert await bot.database.fetch_value("SELECT state FROM jobs WHERE handler = 'ping'") == "done"
    finally:
        await bot.stop()
