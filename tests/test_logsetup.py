"""No secret in the log at any level: libraries that echo what the bot handles are held back, and
the secret filter masks every access code the meetings plugin knows."""

from __future__ import annotations

from datetime import timedelta

from matrixbot.plugins.meetings import Meetings

from matrixbot.logsetup import SECRETS
from matrixbot.testing.fakebot import FakeBot
from matrixbot.time import FakeClock

CODE = "582913"


async def test_the_whole_meeting_flow_at_debug_logs_no_code_and_no_command_text(tmp_path, debug_log):
    clock = FakeClock("2024-02-20 12:00", "Europe/London")
    bot = await FakeBot.create(tmp_path, plugins=[Meetings], clock=clock)
    try:
        room = bot.room("@alice:x", "@bob:x")
        made = await bot.say(
            room,
            "@alice:x",
            f"!meeting Board call\nwhen: tomorrow 3pm\nurl: https://meet.example.coop/b\ncode: {CODE}\n"
            "remind: 10 minutes",
        )
        assert "M1" in made.body
        assert "Board call" in (await bot.say(room, "@bob:x", "!meetings")).body
        assert (
            "Updated M1" in (await bot.say(room, "@alice:x", "!meeting edit M1\ntitle: Board meeting")).body
        )
        await bot.say(room, "@bob:x", "!meeting ics M1")
        clock.advance(timedelta(hours=26, minutes=50))
        assert any(CODE in p.body for p in await bot.run_due()), "the reminder reveals the code"
    finally:
        await bot.stop()
    text = debug_log.getvalue()
    leaks = [line for line in text.splitlines() if CODE in line or "Board" in line]
    assert not leaks, f"{len(leaks)} of {len(text.splitlines())} DEBUG log lines show user text: {leaks[:2]}"
    assert "DEBUG matrixbot.engine.dispatch: command 'meeting'" in text, "the log was at DEBUG"


async def test_codes_stored_before_a_start_and_set_by_direct_message_are_masked(tmp_path, monkeypatch):
    monkeypatch.setattr(SECRETS, "_secrets", set())
    bot = await FakeBot.create(tmp_path, plugins=[Meetings])
    room = bot.room("@alice:x", "@bob:x")
    await bot.say(room, "@alice:x", f"!meeting Call\nwhen: tomorrow 3pm\ncode: {CODE}")
    await bot.stop()

    monkeypatch.setattr(SECRETS, "_secrets", set())
    bot = await FakeBot.create(tmp_path, plugins=[Meetings])
    try:
        assert CODE not in SECRETS.mask(f"failed with {CODE}"), "a stored code is masked from the start"
        direct = bot.room("@alice:x")  # the bot and one person: a direct chat
        set_code = await bot.say(direct, "@alice:x", "!meeting code M1 440917")
        assert "is set" in set_code.body
        assert "440917" not in SECRETS.mask("code 440917"), "a code set by direct message is masked"
    finally:
        await bot.stop()
