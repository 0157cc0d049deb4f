"""More than 2,000 events while the bot is down: a command sent before them is still answered (the
gap is fetched back to the last sync, bounded in time, not in a count). On the real Synapse.

    .venv/bin/python -m pytest -q -m slow tests/reliability/test_long_gap.py -s
"""

from __future__ import annotations

import asyncio
import time

import pytest
from matrixbot.plugins.meetings import Meetings

from matrixbot.testing.pytest_plugin import MakeChat, StartBot
from tests.reliability.figures import record

pytestmark = pytest.mark.slow

CHATTER = 2100


async def test_a_command_before_2100_messages_sent_while_down_is_answered(
    start_bot: StartBot, chat: MakeChat
) -> None:
    t = await start_bot(plugins=[Meetings])
    alice = await chat("alice")
    room = await t.room_with(alice)
    await t.ask(alice, room, "!help")
    await t.stop()

    command = await alice.say(room, "!remind in 1 hour send the invoices")
    sem = asyncio.Semaphore(8)

    async def chatter(n: int) -> None:
        async with sem:
            await alice.say(room, f"chatter {n}")

    started = time.monotonic()
    await asyncio.gather(*(chatter(n) for n in range(CHATTER)))
    sent_in = time.monotonic() - started
    await t.resume()
    answer = await alice.wait_for_reply(command, sender=t.user_id, timeout=60)
    assert "send the invoices" in answer.body and "Reminder R1" in answer.body
    record(
        "long gap",
        f"a `!remind` sent before {CHATTER} messages (sent in {sent_in:.0f} s) while the bot was down: "
        "answered 1/1 after the restart",
    )
