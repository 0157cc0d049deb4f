"""The bot survives its homeserver going away."""

from __future__ import annotations

import asyncio
from pathlib import Path

from matrixbot.matrix.outages import Kind
from matrixbot.testing.chat import ChatClient
from matrixbot.testing.synapse import Synapse
from matrixbot.testing.testbot import TestBot


async def test_homeserver_outage_does_not_kill_the_bot(own_synapse: Synapse, tmp_path: Path) -> None:
    """The bot notices its homeserver gone, keeps trying, and answers once it is back. How soon it
    answers is measured by the slow suite (tests/reliability/test_outage.py)."""
    server = own_synapse
    bot = alice = None
    try:
        bot_account = await asyncio.to_thread(server.register, "bot")
        person = await asyncio.to_thread(server.register, "alice")
        bot = await TestBot.start(server, bot_account, tmp_path / "bot")
        alice = await ChatClient.connect(server.url, person)
        room = await bot.room_with(alice)
        await bot.ask(alice, room, "!plugins")
        assert bot.bot is not None
        stopped = bot.bot.clock.now()
        await asyncio.to_thread(server.stop)
        for _ in range(300):  # until a sync has failed for it
            if bot.bot.troubles.reason_since(stopped) == Kind.UNREACHABLE.value:
                break
            await asyncio.sleep(0.1)
        assert bot.bot.troubles.reason_since(stopped) == Kind.UNREACHABLE.value
        await asyncio.to_thread(server.start)  # same port, same database
        reply = await bot.ask(alice, room, "!help", timeout=30)
        assert "!help" in reply.body
        assert bot.bot is not None and bot.bot.fatal is None
    finally:
        if alice is not None:
            await alice.close()
        if bot is not None:
            await bot.stop()
