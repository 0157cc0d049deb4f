"""Crash loop: random `kill -9`s of the real bot process while reminders fall due and commands arrive.

Encryption on, in an encrypted room, through the real Synapse. Three members send the commands at
once, so their answers are in flight together when the kills come (the room's send window).
Everything is counted from the room's history as a member's client (decrypting) saw it: every
command answered exactly once, every reminder posted exactly once.

Run twice: with the bot's state in its SQLite file, and in PostgreSQL (a database on the session's
throwaway server; a killed bot's session is ended by the server, its open transaction rolled back).

Sizes: MATRIXBOT_CRASH_COMMANDS (plain commands) and MATRIXBOT_CRASH_REMINDERS (`!remind`
commands, each answered and then posted when due); MATRIXBOT_CRASH_SEED repeats a run.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

from matrixbot.testing.chat import ChatClient
from tests.reliability.bot_process import BotProcess, encrypted_meetings_bot
from tests.reliability.figures import record

pytestmark = pytest.mark.slow

COMMANDS = int(os.environ.get("MATRIXBOT_CRASH_COMMANDS", "500"))
REMINDERS = int(os.environ.get("MATRIXBOT_CRASH_REMINDERS", "200"))
SEED = int(os.environ.get("MATRIXBOT_CRASH_SEED", str(random.randrange(1_000_000))))
UPTIME = (1.0, 6.0)
"""Seconds the bot runs between (re)start and the next kill, drawn uniformly."""
REMINDER_DELAY = (20, 60)
"""Each reminder falls due this many seconds (drawn uniformly) after its command is handled."""
SETTLE = 150.0
"""Seconds allowed, after the last kill, for every answer and reminder to arrive."""


@dataclass
class Tally:
    kills: int = 0
    commands: dict[str, str] = field(default_factory=dict)  # event id -> body
    reminders: list[str] = field(default_factory=list)  # the tokens the reminders carry

    def answers(self, chat: ChatClient, room: str, bot: str) -> Counter[str]:
        return Counter(
            e.reply_to for e in chat.events(room) if e.sender == bot and e.reply_to in self.commands
        )

    def posts(self, chat: ChatClient, room: str, bot: str) -> Counter[str]:
        """Reminder posts (`m.text`, the answers to `!remind` are notices) per token."""
        found: Counter[str] = Counter()
        for event in chat.events(room):
            if event.sender == bot and event.msgtype == "m.text":
                found.update(token for token in self.reminders if token in event.body)
        return found


async def _killing(bot: BotProcess, rng: random.Random, stop: asyncio.Event) -> None:
    """Kill the bot at random moments (mid-start included) and start it again at once."""
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), rng.uniform(*UPTIME))
        except TimeoutError:
            bot.kill()
            assert await bot.reap() == -9
            await bot.start()


async def _send_all(members: list[ChatClient], room: str, rng: random.Random, tally: Tally) -> float:
    """Send the commands in a random order, the members sending at once (so their answers are in
    flight together, through the room's send window); return when the last reminder falls due."""
    bodies = ["!help remind"] * COMMANDS
    for i in range(REMINDERS):
        token = f"crashloop{i:05d}"
        tally.reminders.append(token)
        bodies.append(f"!remind in {rng.randint(*REMINDER_DELAY)} seconds {token}")
    rng.shuffle(bodies)

    async def send(member: ChatClient, share: list[str]) -> None:
        for body in share:
            tally.commands[await member.say(room, body)] = body

    await asyncio.gather(*(send(m, bodies[n :: len(members)]) for n, m in enumerate(members)))
    return time.monotonic() + REMINDER_DELAY[1]


async def _joined(chat: Any, alice: ChatClient, room: str, names: tuple[str, ...]) -> list[ChatClient]:
    """More members (encrypting) in alice's room."""
    joined = []
    for name in names:
        member = await chat(name, encrypted=True)
        await alice.invite(room, member.user_id)
        await member.join(room)
        joined.append(member)
    return joined


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
async def test_kill_9_loop_loses_and_doubles_nothing(synapse, account, chat, tmp_path, engine, request):
    settings = (
        {"database": request.getfixturevalue("postgres").create_database()} if engine == "postgresql" else {}
    )
    rng = random.Random(SEED)
    tally = Tally()
    started = time.monotonic()
    stop_killing = asyncio.Event()
    killer: asyncio.Task[None] | None = None
    send_s = 0.0
    async with encrypted_meetings_bot(synapse, account, chat, tmp_path, **settings) as (bot, alice, room):
        try:
            await alice.wait_for_reply(await alice.say(room, "!help"), sender=bot.user_id, timeout=60)
            members = [alice, *await _joined(chat, alice, room, ("bob", "carol"))]
            killer = asyncio.create_task(_killing(bot, rng, stop_killing))
            sending = time.monotonic()
            last_due = await _send_all(members, room, rng, tally)
            send_s = time.monotonic() - sending
            # keep killing while the reminders fall due (handled late, a reminder may be due later still)
            await asyncio.sleep(max(0.0, last_due - time.monotonic()))
            stop_killing.set()
            await killer
            if bot.process is not None and bot.process.returncode is not None:
                await bot.start()
            deadline = time.monotonic() + SETTLE
            while time.monotonic() < deadline:
                answers, posts = (
                    tally.answers(alice, room, bot.user_id),
                    tally.posts(alice, room, bot.user_id),
                )
                if len(answers) == len(tally.commands) and len(posts) == len(tally.reminders):
                    break
                await asyncio.sleep(1)
            await asyncio.sleep(3)  # a doubled post would come right after the first
            await alice.until_synced()
        finally:
            stop_killing.set()
            if killer is not None:
                await asyncio.gather(killer, return_exceptions=True)
            exit_code = await bot.stop()
    answers, posts = tally.answers(alice, room, bot.user_id), tally.posts(alice, room, bot.user_id)
    report = {
        "seed": SEED,
        "kills": bot.kills,
        "commands_sent": len(tally.commands),
        "commands_answered": len(answers),
        "commands_doubled": sum(1 for n in answers.values() if n > 1),
        "reminders_due": len(tally.reminders),
        "reminders_posted": len(posts),
        "reminders_doubled": sum(1 for n in posts.values() if n > 1),
        "send_s": round(send_s),
        "wall_s": round(time.monotonic() - started),
    }
    record(
        "crash loop" if engine == "sqlite" else "crash loop on PostgreSQL",
        f"{report['kills']} kills while {report['commands_sent']} commands arrived and "
        f"{report['reminders_due']} reminders fell due: {report['commands_answered']} commands answered, "
        f"{report['commands_doubled']} twice; {report['reminders_posted']} reminders posted, "
        f"{report['reminders_doubled']} twice ({report['wall_s']} s)",
    )
    assert exit_code == 0, "the bot did not stop cleanly at the end"
    assert bot.kills >= 3, report
    assert report["commands_answered"] == report["commands_sent"], report
    assert report["commands_doubled"] == 0, report
    assert report["reminders_posted"] == report["reminders_due"], report
    assert report["reminders_doubled"] == 0, report
