"""The bot survives its homeserver going away, and the command line fails in one line."""

from __future__ import annotations

import asyncio
import sys
import time

from matrixbot.testing.chat import ChatClient
from matrixbot.testing.synapse import Synapse
from matrixbot.testing.testbot import TestBot


async def test_homeserver_outage_does_not_kill_the_bot(tmp_path):
    server = Synapse(tmp_path / "hs")
    await asyncio.to_thread(server.start)
    bot = alice = None
    try:
        bot_account = await asyncio.to_thread(server.register, "bot")
        person = await asyncio.to_thread(server.register, "alice")
        bot = await TestBot.start(server, bot_account, tmp_path / "bot")
        alice = await ChatClient.connect(server.url, person)
        room = await bot.room_with(alice)
        await bot.ask(alice, room, "!plugins")
        await asyncio.to_thread(server.stop)
        await asyncio.sleep(5)  # long enough for the bot's retries to back off
        await asyncio.to_thread(server.start)  # same port, same database
        back = time.time()
        reply = await bot.ask(alice, room, "!help", timeout=30)
        assert "!help" in reply.body
        assert reply.ts / 1000 - back < 5, "the bot hears its homeserver again within seconds of its return"
        assert bot.bot is not None and bot.bot.fatal is None
    finally:
        if alice is not None:
            await alice.close()
        if bot is not None:
            await bot.stop()
        await asyncio.to_thread(server.stop)


async def test_custom_prefix(start_bot, chat):
    t = await start_bot(prefix="?")
    alice = await chat("alice")
    room = await t.room_with(alice)
    reply = await t.ask(alice, room, "?help")
    assert "?enable PLUGIN" in reply.body


async def run_cli(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "matrixbot",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_bad_or_missing_config_is_a_one_line_error(tmp_path):
    code, _, err = await run_cli("check-config", "--config", str(tmp_path / "absent.yaml"))
    assert code == 2 and err.count("\n") == 1 and "no such file" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("homeserver: http://127.0.0.1:1\nuser_id: '@bot:x'\npassword: p\nprefx: '?'\n")
    code, _, err = await run_cli("check-config", "--config", str(bad))
    assert code == 2 and err.strip() == "matrixbot: config error: unknown key 'prefx'; did you mean 'prefix'?"
    code, _, err = await run_cli("run", "--config", str(bad))
    assert code == 2 and "Traceback" not in err
