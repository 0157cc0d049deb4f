"""A hot standby, for real: two `matrixbot run` processes on one account and one PostgreSQL database,
each with its own data_dir (so its own device), against the real Synapse, encryption on.

- The crash loop between the two: whichever leads is `kill -9`ed at random moments (and started
  again, as a standby) while commands arrive and reminders fall due. Every command must be answered
  exactly once and every reminder posted exactly once, counted from the room as a member's client
  (decrypting) saw it; how long each take-over took (from the kill until the other instance's
  /health said it led, caught up and scheduling) is recorded.
- A leader cut off from its database: its session holding the lock is cut and it cannot connect
  again (its connections go through a relay that now refuses new ones; the one its work goes
  through stays open). It must stop posting at once (fencing: nothing from its device after the
  cut, read from the room's history as the homeserver keeps it), the standby must take over and
  answer, and once the old leader can reach the database again it must find another leading and
  exit non-zero.

Sizes: MATRIXBOT_STANDBY_COMMANDS, MATRIXBOT_STANDBY_REMINDERS; MATRIXBOT_STANDBY_SEED repeats a run.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import random
import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from matrixbot.testing import Postgres
from matrixbot.testing.chat import ChatClient
from matrixbot.testing.pytest_plugin import MakeAccount, MakeChat
from matrixbot.testing.synapse import Synapse
from tests.ops.test_processes import free_port
from tests.reliability.bot_process import BotProcess
from tests.reliability.figures import record
from tests.reliability.history import reply_to, room_history
from tests.storage.pgproxy import Gate

pytestmark = pytest.mark.slow

COMMANDS = int(os.environ.get("MATRIXBOT_STANDBY_COMMANDS", "150"))
REMINDERS = int(os.environ.get("MATRIXBOT_STANDBY_REMINDERS", "50"))
SEED = int(os.environ.get("MATRIXBOT_STANDBY_SEED", str(random.randrange(1_000_000))))
PACE = 0.3
"""Seconds between two commands, on average."""
UPTIME = (2.0, 6.0)
"""Seconds a leader runs, once the other instance stands by again, before it is killed."""
REMINDER_DELAY = (10, 30)
TAKEOVER_LIMIT = 15.0


async def health(port: int) -> dict[str, Any]:
    """An instance's /health report ({} while it does not answer)."""
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session,
            session.get(f"http://127.0.0.1:{port}/health") as answer,
        ):
            report: dict[str, Any] = await answer.json(content_type=None)
            return report
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return {}


def port_of(bot: BotProcess) -> int:
    assert bot.http_port is not None
    return bot.http_port


async def until_role(bot: BotProcess, role: str, timeout: float = 60.0) -> float:
    """Seconds until `bot`'s /health says it has `role` and is healthy (a leader: caught up and
    scheduling; a standby: syncing)."""
    began = time.monotonic()
    while True:
        report = await health(port_of(bot))
        if report.get("role") == role and report.get("status") == "ok":
            return time.monotonic() - began
        if bot.process is not None and bot.process.returncode is not None:
            raise AssertionError(
                f"{bot.data_dir.name} ended ({bot.process.returncode}):\n{bot.log_text()[-3000:]}"
            )
        if time.monotonic() - began > timeout:
            raise AssertionError(f"{bot.data_dir.name} not {role} within {timeout:g} s: {report}")
        await asyncio.sleep(0.05)


def instance(synapse: Synapse, account: Any, data_dir: Path, database: str) -> BotProcess:
    return BotProcess(
        synapse.url, account, data_dir, plugins=("meetings",), database=database, http_port=free_port()
    )


@asynccontextmanager
async def two_instances(
    synapse: Synapse, account: MakeAccount, chat: MakeChat, tmp_path: Path, urls: tuple[str, str]
) -> AsyncIterator[tuple[BotProcess, BotProcess, ChatClient, str]]:
    """`a` leading and `b` standing by (started in that order), and alice in an encrypted room with
    the bot: created once both devices are known, so her room keys go to both."""
    bot_account = await asyncio.to_thread(account, "bot")
    a = instance(synapse, bot_account, tmp_path / "a", urls[0])
    b = instance(synapse, bot_account, tmp_path / "b", urls[1])
    try:
        await a.start()
        await until_role(a, "leader")
        await b.start()
        await until_role(b, "standby")
        alice = await chat("alice", encrypted=True)
        room = await alice.create_room(invite=[a.user_id], encrypted=True)
        await alice.wait_for_membership(room, a.user_id, "join", timeout=60)
        await alice.wait_for_reply(await alice.say(room, "!help"), sender=a.user_id, timeout=60)
        yield a, b, alice, room
    finally:
        await asyncio.gather(a.stop(), b.stop())


def posted(sender: str, text: str, event: Any) -> bool:
    return bool(event.sender == sender and text in event.body)


def unique(chat: ChatClient, room: str, sender: str) -> list[Any]:
    """`sender`'s events in `room` as `chat` saw them, each once (an event logged unreadable and
    again once its key came counts once)."""
    seen: dict[str, Any] = {}
    for event in chat.events(room):
        if event.sender == sender:
            seen[event.event_id] = event
    return list(seen.values())


async def test_kill_9_of_whichever_leads_loses_and_doubles_nothing(
    synapse, account, chat, tmp_path, postgres
):
    url = postgres.create_database()
    rng = random.Random(SEED)
    commands: dict[str, str] = {}
    tokens = [f"standby{i:04d}" for i in range(REMINDERS)]
    takeovers: list[float] = []
    started = time.monotonic()
    stop = asyncio.Event()

    async with two_instances(synapse, account, chat, tmp_path, (url, url)) as (a, b, alice, room):
        pair = [a, b]

        async def kill_leaders() -> None:
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), rng.uniform(*UPTIME))
                    return
                except TimeoutError:
                    pass
                leading = [bot for bot in pair if (await health(port_of(bot))).get("role") == "leader"]
                assert len(leading) == 1, f"one leader: {[await health(port_of(bot)) for bot in pair]}"
                leader = leading[0]
                other = pair[1 - pair.index(leader)]
                leader.kill()
                killed = time.monotonic()
                assert await leader.reap() == -9
                await until_role(other, "leader", timeout=TAKEOVER_LIMIT * 2)
                takeovers.append(time.monotonic() - killed)
                await leader.start()
                await until_role(leader, "standby")

        killer = asyncio.create_task(kill_leaders())
        try:
            bodies = ["!help remind"] * COMMANDS
            bodies += [f"!remind in {rng.randint(*REMINDER_DELAY)} seconds {token}" for token in tokens]
            rng.shuffle(bodies)
            for body in bodies:
                commands[await alice.say(room, body)] = body
                await asyncio.sleep(rng.uniform(0, 2 * PACE))
            await asyncio.sleep(REMINDER_DELAY[1])  # the last reminders fall due, kills go on
        finally:
            stop.set()
            await killer
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            posts = unique(alice, room, a.user_id)
            answered = {e.reply_to for e in posts if e.reply_to in commands}
            reminded = {t for e in posts if e.msgtype == "m.text" for t in tokens if t in e.body}
            if len(answered) == len(commands) and len(reminded) == len(tokens):
                break
            await asyncio.sleep(1)
        await asyncio.sleep(3)  # a doubled post would come right after the first
        await alice.until_synced()
        posts = unique(alice, room, a.user_id)
        kills = a.kills + b.kills
        traceback_logs = [bot.data_dir.name for bot in pair if "Traceback" in bot.log_text()]

    answers = [e.reply_to for e in posts if e.reply_to in commands]
    reminders = [t for e in posts if e.msgtype == "m.text" for t in tokens if t in e.body]
    unreadable = [e for e in posts if e.type == "m.room.encrypted"]
    report = {
        "seed": SEED,
        "kills": kills,
        "commands_sent": len(commands),
        "commands_answered": len(set(answers)),
        "commands_doubled": len(answers) - len(set(answers)),
        "reminders_due": len(tokens),
        "reminders_posted": len(set(reminders)),
        "reminders_doubled": len(reminders) - len(set(reminders)),
        "unreadable_posts": len(unreadable),
        "takeovers_s": [round(t, 2) for t in takeovers],
        "wall_s": round(time.monotonic() - started),
    }
    median, worst = (statistics.median(takeovers), max(takeovers)) if takeovers else (0.0, 0.0)
    record(
        "standby crash loop",
        f"{kills} kills of the leader while {report['commands_sent']} commands arrived and "
        f"{report['reminders_due']} reminders fell due: {report['commands_answered']} commands answered, "
        f"{report['commands_doubled']} twice; {report['reminders_posted']} reminders posted, "
        f"{report['reminders_doubled']} twice; the standby took over in {median:.1f} s (median), "
        f"{worst:.1f} s at worst ({report['wall_s']} s)",
    )
    print(json.dumps(report))
    assert kills >= 5 and len(takeovers) == kills, report
    assert worst <= TAKEOVER_LIMIT, report
    assert report["commands_answered"] == report["commands_sent"] and report["commands_doubled"] == 0, report
    assert report["reminders_posted"] == report["reminders_due"] and report["reminders_doubled"] == 0, report
    assert not unreadable, f"every post could be read by the member: {report}"
    assert not traceback_logs, f"a traceback in the log of {traceback_logs}"


async def test_a_leader_cut_off_from_the_database_stops_posting_and_the_standby_takes_over(
    synapse, account, chat, tmp_path, postgres: Postgres
):
    url = postgres.create_database()
    gate = Gate(postgres.port)  # the leader's way to the database
    await gate.start()
    commands: list[str] = []
    tokens = [f"cut{n}" for n in range(6)]
    async with two_instances(synapse, account, chat, tmp_path, (gate.url(url), url)) as (a, b, alice, room):
        device_a = json.loads((a.data_dir / "session.json").read_text())["device_id"]

        async def send(count: int) -> None:
            for n in range(count):
                commands.append(await alice.say(room, f"!help remind {n}"))
                await asyncio.sleep(0.4)

        for n, token in enumerate(tokens):  # falling due 2 to 7 s after the cut
            commands.append(await alice.say(room, f"!remind in {5 + n} seconds {token}"))
        sending = asyncio.create_task(send(25))
        await asyncio.sleep(3)
        gate.refusing = True  # it cannot connect again; the connection its work goes through stays
        holder = postgres.sql(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 1835167604"
        ).strip()
        cut = time.time()
        postgres.sql(f"SELECT pg_terminate_backend({holder})")
        took = await until_role(b, "leader", timeout=TAKEOVER_LIMIT * 2)
        await asyncio.sleep(5)
        fenced = await health(port_of(a))
        assert a.process is not None and a.process.returncode is None, (
            "it waits, fenced, while it cannot tell"
        )
        gate.refusing = False  # it reaches the database again, and finds another leading
        code = await asyncio.wait_for(a.reap(), 30)
        await sending
        for command in commands:
            await alice.wait_for_reply(command, sender=a.user_id, timeout=60)
        for token in tokens:
            await alice.wait_for(functools.partial(posted, a.user_id, token), timeout=60)
        await asyncio.sleep(3)
        await alice.until_synced()
        reminded = [
            t for e in unique(alice, room, a.user_id) if e.msgtype == "m.text" for t in tokens if t in e.body
        ]
        history = await room_history(synapse.url, alice.nio.access_token, room)
        log_a = a.log_text()
    await gate.close()

    from_bot = [e for e in history if e["sender"] == a.user_id and e["type"] == "m.room.encrypted"]
    after_cut = [
        e
        for e in from_bot
        if e["content"].get("device_id") == device_a and e["origin_server_ts"] / 1000 > cut + 1
    ]
    answers = [str(reply_to(e)) for e in from_bot if reply_to(e) in commands]
    by_b = [e for e in from_bot if e["content"].get("device_id") != device_a and reply_to(e) in commands]
    last_line = log_a.strip().splitlines()[-1]
    record(
        "leader cut from the database",
        f"{len(commands)} commands, one every 0.4 s, and {len(tokens)} reminders due 2-7 s after the cut; "
        f"the leader's lock session cut 3 s in and its reconnections refused: it posted "
        f"{len(after_cut)} messages after the cut and waited, fenced; the standby led {took:.1f} s after "
        f"the cut; {len(set(answers))} commands answered, {len(answers) - len(set(answers))} twice; "
        f"{len(set(reminded))} reminders posted, {len(reminded) - len(set(reminded))} twice; the old leader "
        f"exited with code {code} once it saw another leading",
    )
    assert not after_cut, f"the cut-off leader posted after the cut: {after_cut}"
    assert fenced.get("status") == "failing" and fenced.get("role") == "leader", fenced
    assert took <= TAKEOVER_LIMIT
    assert sorted(set(answers)) == sorted(commands) and len(answers) == len(commands), "each answered once"
    assert sorted(reminded) == sorted(tokens), "each reminder posted once"
    assert by_b, "the standby answered after the take-over"
    assert code == 1 and "another instance of the bot holds the leader's lock" in last_line, log_a[-2000:]
