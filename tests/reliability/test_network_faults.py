"""Network faults between the bot and its homeserver: nothing lost, nothing doubled, no hammering.

The bot talks to the real Synapse only through `FaultProxy`, which for about two and a half
minutes drops connections, answers 502/504, stalls answers for 30 s, cuts sync answers in half
and answers 429. Meanwhile a person sends `!remind` commands straight to Synapse and the
reminders they set fall due. Everything is counted from the room's history afterwards.

    .venv/bin/python -m pytest -q -m slow tests/reliability/test_network_faults.py -s
"""

from __future__ import annotations

import asyncio
import itertools
import random
import statistics
import time
from collections import Counter

import pytest
from matrixbot.plugins.meetings import Meetings

from matrixbot.engine.sync import SYNC_DEADLINE
from matrixbot.testing.testbot import TestBot
from tests.reliability.faultproxy import FaultProxy
from tests.reliability.figures import record
from tests.reliability.history import body, reply_to, room_history

pytestmark = pytest.mark.slow

SEED = 1313
FAULT_SECONDS = 150
COMMANDS = 50
RATES = {"drop": 0.04, "502": 0.025, "504": 0.025, "stall": 0.02, "cut": 0.06, "429": 0.04}
STALLED_SYNC_GIVEN_UP = SYNC_DEADLINE + 5
"""A sync answer held back 30 s is given up by then (not after nio's 60 s request timeout)."""
MIN_RETRY_GAP = 0.45
"""Seconds the bot waits at least before asking for a sync again after a failed one."""
MAX_SYNCS_PER_SECOND = 20
"""Each new event ends a long-poll, so a burst (commands, the bot's answers and reminders, each
echoed back) takes a sync each, about ten in a second at worst here; a loop retrying failures
without waiting would make hundreds."""
MAX_SYNCS_PER_SECOND_ON_AVERAGE = 2.0


async def test_network_faults_lose_and_double_nothing(synapse, account, chat, tmp_path):
    proxy = FaultProxy(synapse.url, seed=SEED, rates=RATES, retry_after_ms=2000)
    await proxy.start()
    bot = None
    try:
        bot = await TestBot.start(
            synapse, account("bot"), tmp_path / "bot", plugins=[Meetings], homeserver=proxy.url
        )
        alice = await chat("alice")
        room = await bot.room_with(alice)
        await bot.ask(alice, room, "!help remind")

        pick = random.Random(SEED)
        commands: dict[str, str] = {}  # command event id -> reminder text
        began = time.monotonic()
        proxy.faulty = True
        for n in range(COMMANDS):
            delay = pick.randint(3, 30)
            text = f"n{n:03d}"
            commands[await alice.say(room, f"!remind in {delay} seconds {text}")] = text
            await asyncio.sleep(
                max(0.0, began + (n + 1) * (FAULT_SECONDS - 35) / COMMANDS - time.monotonic())
            )
        await asyncio.sleep(max(0.0, began + FAULT_SECONDS - time.monotonic()))
        proxy.faulty = False
        fault_window = time.monotonic() - began

        history = await _settled_history(synapse.url, alice.account, room, bot.user_id, len(commands))
    finally:
        if bot is not None:
            await bot.stop()
        await proxy.close()

    from_bot = [e for e in history if e["sender"] == bot.user_id and e["type"] == "m.room.message"]
    answers = Counter(reply_to(e) for e in from_bot)
    posted = Counter(body(e).splitlines()[0] for e in from_bot if body(e).startswith("⏰"))
    unanswered = [c for c in commands if answers[c] == 0]
    answered_twice = [c for c in commands if answers[c] > 1]
    lost = [t for t in commands.values() if posted[f"⏰ {t}"] == 0]
    doubled = [t for t in commands.values() if posted[f"⏰ {t}"] > 1]
    by_id = {e["event_id"]: e for e in history}
    latencies = sorted(
        (e["origin_server_ts"] - by_id[reply_to(e)]["origin_server_ts"]) / 1000
        for e in from_bot
        if reply_to(e) in commands
    )
    marked_late = sum(1 for e in from_bot if "This reminder was due" in body(e))

    syncs = proxy.requests("/sync")
    gaps = _gaps_after_faults(syncs)
    busiest = _busiest_second(syncs)
    span = syncs[-1].at - syncs[0].at
    stalled = [b.at - a.at for a, b in itertools.pairwise(syncs) if a.fault == "stall"]
    print(
        f"\nnetwork faults, seed {SEED}: {len(proxy.seen)} requests through the proxy "
        f"({len(syncs)} syncs) in {fault_window:.0f} s of faults plus the drain; "
        f"faults injected: {dict(sorted(proxy.faults.items()))} (total {sum(proxy.faults.values())})\n"
        f"commands: {len(commands)} sent, {len(commands) - len(unanswered)} answered, "
        f"{len(unanswered)} unanswered, {len(answered_twice)} answered twice; "
        f"reminders: {len(commands)} set, {len(commands) - len(lost)} posted, {len(lost)} lost, "
        f"{len(doubled)} doubled, {marked_late} marked late\n"
        f"answer latency: median {statistics.median(latencies):.1f} s, max {latencies[-1]:.1f} s; "
        f"shortest wait before a sync after a failed one: "
        + ", ".join(f"{kind} {min(values):.2f} s" for kind, values in sorted(gaps.items()))
        + f"; syncs per second: at most {busiest}, on average {len(syncs) / span:.2f}; "
        f"next sync after a stalled one: {', '.join(f'{g:.1f} s' for g in stalled) or 'no sync stalled'}"
    )
    record(
        "network faults",
        f"{sum(proxy.faults.values())} faults in {len(proxy.seen)} requests "
        f"({', '.join(f'{k} {v}' for k, v in sorted(proxy.faults.items()))}): "
        f"{len(commands)} commands, {len(unanswered)} unanswered, {len(answered_twice)} answered twice; "
        f"{len(commands)} reminders, {len(lost)} lost, {len(doubled)} doubled; "
        f"at most {busiest} syncs in a second",
    )
    assert not unanswered and not answered_twice, f"unanswered {unanswered}, answered twice {answered_twice}"
    assert not lost and not doubled, f"reminders lost {lost}, doubled {doubled}"
    assert sum(proxy.faults.values()) >= 20 and len(proxy.faults) == 6, f"too few faults: {proxy.faults}"
    assert min(gaps.get("429", [2.0])) >= 1.9, "after a 429 the bot waits as long as it was told (2 s)"
    for kind, values in gaps.items():
        assert min(values) >= MIN_RETRY_GAP, f"after a {kind} the bot asked again within {min(values):.2f} s"
    assert all(gap <= STALLED_SYNC_GIVEN_UP for gap in stalled), (
        f"a stalled sync kept the bot deaf: {stalled}"
    )
    assert busiest <= MAX_SYNCS_PER_SECOND, f"{busiest} syncs in one second: the sync loop hammers"
    assert len(syncs) / span <= MAX_SYNCS_PER_SECOND_ON_AVERAGE


async def _settled_history(homeserver, reader, room_id, bot_user_id, expected, *, within=75.0):
    """The room's history once the bot has posted `expected` reminders and answers (or `within` s passed)."""
    deadline = time.monotonic() + within
    while True:
        history = await room_history(homeserver, reader.access_token, room_id)
        mine = [e for e in history if e["sender"] == bot_user_id and e["type"] == "m.room.message"]
        reminders = sum(1 for e in mine if body(e).startswith("⏰"))
        answers = sum(1 for e in mine if reply_to(e))
        if (reminders >= expected and answers >= expected + 1) or time.monotonic() > deadline:
            await asyncio.sleep(3)  # anything doubled would come now
            return await room_history(homeserver, reader.access_token, room_id)
        await asyncio.sleep(2)


def _gaps_after_faults(syncs):
    """For each fault kind met by a sync: seconds until the next sync request.

    aiohttp sends an idempotent request (a GET /sync) once more at once when its kept-alive
    connection was reset (aiohttp/client.py, `retry_persistent_connection`): after a drop, one
    quick request may be that retry, not the bot's, and the bot saw no failure. It is let through
    once; if that retry meets a fault too, the bot's own wait after it is counted.
    """
    gaps: dict[str, list[float]] = {}
    library_may_retry = True
    for this, following in itertools.pairwise(syncs):
        gap = following.at - this.at
        if this.fault == "drop" and library_may_retry and gap < MIN_RETRY_GAP:
            library_may_retry = False
            continue
        library_may_retry = True
        if this.fault and this.fault != "stall":
            gaps.setdefault(this.fault, []).append(gap)
    return gaps


def _busiest_second(syncs):
    times = [s.at for s in syncs]
    most, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most
