"""A `kill -9` with a command in the inbox, encryption on: the command is answered once after restart.

After a restart nio knows no room until the first sync is processed; a reply replayed before
that failed (`No such room`) and the command was marked done, never answered.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.reliability.bot_process import encrypted_meetings_bot
from tests.reliability.figures import record

pytestmark = pytest.mark.slow

ROUNDS = 3


async def test_command_stored_at_a_kill_is_answered_once_after_restart(synapse, account, chat, tmp_path):
    async with encrypted_meetings_bot(synapse, account, chat, tmp_path) as (bot, alice, room):
        await alice.wait_for_reply(await alice.say(room, "!help"), sender=bot.user_id, timeout=60)
        for round_ in range(ROUNDS):
            high_water = await asyncio.to_thread(bot.inbox_high_water)
            killer = asyncio.create_task(
                asyncio.to_thread(bot.kill_when_stored, "!help remind", after_rowid=high_water)
            )
            await asyncio.sleep(0.05)  # the poller is running before the command is sent
            command = await alice.say(room, "!help remind")
            state = await killer
            assert await bot.reap() == -9
            assert state == "pending", f"round {round_}: the bot had already handled the command"
            await bot.start()
            await alice.wait_for_reply(command, sender=bot.user_id, timeout=60)
            await asyncio.sleep(2)  # a second answer would come right after the first
            await alice.until_synced()
            answers = [e for e in alice.events(room) if e.sender == bot.user_id and e.reply_to == command]
            assert len(answers) == 1, f"round {round_}: {len(answers)} answers to one command"
            assert answers[0].encrypted and "remind" in answers[0].body
    assert "Traceback" not in bot.log_text()
    record(
        "kill at the inbox",
        f"{ROUNDS} kills with the command stored and not handled: each answered once after the restart",
    )


async def test_reminder_due_while_killed_is_posted_once_at_restart(synapse, account, chat, tmp_path):
    """Jobs caught up at start go out into the encrypted room (after the first sync), once."""
    async with encrypted_meetings_bot(synapse, account, chat, tmp_path) as (bot, alice, room):
        command = await alice.say(room, "!remind in 3 seconds water the plants")
        await alice.wait_for_reply(command, sender=bot.user_id, timeout=60)
        bot.kill()
        assert await bot.reap() == -9
        await asyncio.sleep(5)  # it falls due while the bot is down
        await bot.start()
        await alice.wait_for(lambda e: e.sender == bot.user_id and e.msgtype == "m.text", timeout=60)
        await asyncio.sleep(2)
        await alice.until_synced()
        posts = [e for e in alice.events(room) if e.sender == bot.user_id and e.msgtype == "m.text"]
        assert len(posts) == 1 and "water the plants" in posts[0].body and posts[0].encrypted
    assert "Traceback" not in bot.log_text()
