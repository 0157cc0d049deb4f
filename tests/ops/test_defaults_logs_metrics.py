"""Built-in plugins on by default, JSON logs with context and no secrets, metrics at the hooks."""

from __future__ import annotations

import io
import json
import logging

import nio
import pytest

from matrixbot import metrics
from matrixbot.api.commands import command
from matrixbot.api.context import Context
from matrixbot.api.plugin import Plugin
from matrixbot.config import Config
from matrixbot.engine.registry import BUILTIN_PLUGINS, discover
from matrixbot.logformat import formatter_for
from matrixbot.logsetup import SECRETS
from matrixbot.testing.fakebot import FakeBot
from matrixbot.time import FakeClock

ALICE = "@alice:fake"


class Leaky(Plugin):
    """A plugin whose command fails with a secret in the error."""

    name = "leaky"
    description = "Fails with a secret."

    @command("leak")
    async def leak(self, ctx: Context) -> None:
        """Fail."""
        raise RuntimeError("access code 4815162342 and password=hunter22")


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
async def builtin_bot(tmp_path):
    config = Config(
        homeserver="http://fake.invalid", user_id="@bot:fake", password="unused", data_dir=tmp_path
    )
    assert config.default_plugins is None
    bot = FakeBot(config, clock=FakeClock(), plugins=[*discover(), Leaky])
    await bot.start()
    yield bot
    await bot.stop()


async def test_without_default_plugins_the_builtins_are_on_and_third_party_ones_off(builtin_bot):
    room = builtin_bot.room(ALICE)
    enabled = await builtin_bot.parts.registry.enabled(room)
    assert set(BUILTIN_PLUGINS) <= enabled, "the four built-in plugins must be on by default"
    assert "leaky" not in enabled, "a third-party plugin stays off until enabled"
    reply = await builtin_bot.say(room, ALICE, "!polls")
    assert "no open" in reply.body.lower() or "poll" in reply.body.lower()


async def test_help_in_a_room_with_nothing_on_says_so_and_names_enable(tmp_path):
    bot = await FakeBot.create(tmp_path, plugins=[Leaky], default_plugins=())
    try:
        room = bot.room(ALICE)
        reply = await bot.say(room, ALICE, "!help")
        assert "No plugins are on in this room" in reply.body and "!enable NAME" in reply.body
        assert "leaky" in reply.body
    finally:
        await bot.stop()


async def test_json_logs_carry_room_event_and_plugin_and_mask_secrets(builtin_bot):
    SECRETS.add("4815162342")
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter_for("json"))
    handler.addFilter(SECRETS)
    logging.getLogger().addHandler(handler)
    try:
        room = builtin_bot.room(ALICE, admins=[ALICE])
        await builtin_bot.say(room, ALICE, "!enable leaky")
        await builtin_bot.say(room, ALICE, "!leak")
    finally:
        logging.getLogger().removeHandler(handler)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    failed = [r for r in records if r["message"].startswith("command 'leak'")]
    assert len(failed) == 1, records
    entry = failed[0]
    assert entry["level"] == "ERROR" and entry["logger"] == "matrixbot.api.commands" and entry["time"]
    assert entry["room"] == room and entry["event_id"].startswith("$") and entry["plugin"] == "leaky"
    assert "RuntimeError" in entry["exception"]
    assert "4815162342" not in out.getvalue() and "hunter22" not in out.getvalue()


async def test_commands_are_counted_by_plugin_and_outcome_and_timed(builtin_bot):
    room = builtin_bot.room(ALICE)
    before = {
        outcome: sample("matrixbot_commands_total", plugin=plugin, outcome=outcome)
        for plugin, outcome in [("core", "ok"), ("datepoll", "refused"), ("none", "unknown")]
    }
    timed = sample("matrixbot_command_seconds_count")
    await builtin_bot.say(room, ALICE, "!help")
    await builtin_bot.say(room, ALICE, "!vote P999 1")
    await builtin_bot.say(room, ALICE, "!nosuchthing")
    assert sample("matrixbot_commands_total", plugin="core", outcome="ok") == before["ok"] + 1
    assert sample("matrixbot_commands_total", plugin="datepoll", outcome="refused") == before["refused"] + 1
    assert sample("matrixbot_commands_total", plugin="none", outcome="unknown") == before["unknown"] + 1
    assert sample("matrixbot_command_seconds_count") == timed + 3


async def test_scheduled_posts_are_counted_on_time_and_late(builtin_bot):
    room = builtin_bot.room(ALICE)
    on_time = sample("matrixbot_scheduled_jobs_total", outcome="on_time")
    late = sample("matrixbot_scheduled_jobs_total", outcome="late")
    await builtin_bot.say(room, ALICE, "!remind in 10 minutes water the plants")
    await builtin_bot.say(room, ALICE, "!remind in 20 minutes feed the cat")
    builtin_bot.clock.advance(600)
    await builtin_bot.run_due()
    builtin_bot.clock.advance(900)
    await builtin_bot.run_due()
    assert sample("matrixbot_scheduled_jobs_total", outcome="on_time") == on_time + 1
    assert sample("matrixbot_scheduled_jobs_total", outcome="late") == late + 1


async def test_send_retries_and_429s_are_counted(builtin_bot):
    room = builtin_bot.room(ALICE)
    real_send = builtin_bot.fake.send
    failures = [nio.RoomSendError("upstream down", "M_UNKNOWN")]

    async def flaky_send(*args, **kwargs):
        return failures.pop() if failures else await real_send(*args, **kwargs)

    builtin_bot.fake.send = flaky_send
    other = sample("matrixbot_send_retries_total", reason="other")
    await builtin_bot.say(room, ALICE, "!help")
    assert sample("matrixbot_send_retries_total", reason="other") == other + 1
    limited = sample("matrixbot_rate_limited_total")
    metrics.count_rate_limit(nio.RoomSendError("slow down", "M_LIMIT_EXCEEDED", retry_after_ms=10))
    metrics.count_rate_limit(nio.RoomSendError("nope", "M_FORBIDDEN"))
    assert sample("matrixbot_rate_limited_total") == limited + 1
