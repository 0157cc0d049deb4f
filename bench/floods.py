"""Floods one member can make, and how long another room's `!help` waits meanwhile (issue 28).

They run on a homeserver of their own, which limits every account's messages to the rate of the
unreadable flood (0.5 a second, burst 1: Synapse's admin API sets a per-user limit only in whole
messages a second), with the limit lifted for everyone but the bot during that flood: the people
always, the bot (and maubot) during the many-room floods. Our bot is one process for all of them.

The many-room flood: one member sends N twenty-option `!poll`s spread over K fresh rooms of theirs
(16 requests in flight), while alice sends `!help` in her own room, 0.5 s after each answer, from
the flood's first send until its last answer and twice more. Before rooms took turns, a member
with more busy rooms than the bot has slots (16) stalled the sync loop: 400 polls over 20 rooms
made `!help` wait 4.8 s at p50. maubot gets the same floods after its `!ping` (same bodies, rooms
of its own) with alice's `!ping` timed the same way: information only, as a `!ping` costs maubot
one reply where a poll costs our bot a 20-date parse and two sends.

The unreadable flood is in `bench.unreadable`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import secrets
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import quote

from bench import commands, maubot_peer
from bench.clients import TimedClient
from bench.env import BenchEnv
from bench.internals import NOTICE_AFTER, Account, Synapse
from bench.launch import launch
from bench.sizes import Sizes
from bench.stats import Spread
from bench.timing import Asked, answered_once, asking
from bench.unreadable import UnreadableFlood, notices, unreadable_flood

IN_FLIGHT = 16
"""The flooding member's requests in flight at once."""
ANSWER_TIMEOUT_S = 300.0
"""A command not answered within this is counted lost (the issue saw 28 s before the fix)."""


@dataclass(frozen=True)
class RoomFlood:
    polls: int
    rooms: int
    waits: Spread
    """The other room's `!help`: milliseconds from send to answer seen."""
    took_s: float
    """From the flood's first send to its last answer seen."""
    sent: int = 0
    """Commands: the flood's and the other room's."""
    answered_once: int = 0
    maubot: RoomFlood | None = None
    """The same flood sent to maubot (`!ping` and the same bodies), its `!ping` timed meanwhile."""

    @property
    def name(self) -> str:
        return f"{self.polls} polls over {self.rooms} rooms"


@dataclass(frozen=True)
class Floods:
    rooms: list[RoomFlood]
    unreadable: list[UnreadableFlood]


class RateLimits:
    """Lifts and restores the homeserver's message limit per account, as its admin."""

    def __init__(self, synapse: Synapse) -> None:
        self.synapse = synapse
        self.admin = synapse.register(f"admin-{secrets.token_hex(3)}", admin=True)

    async def lift(self, user_id: str) -> None:
        await asyncio.to_thread(self._override, "POST", user_id, {"messages_per_second": 0, "burst_count": 0})

    async def restore(self, user_id: str) -> None:
        """Back to the limit of the homeserver's config."""
        await asyncio.to_thread(self._override, "DELETE", user_id, None)

    def _override(self, method: str, user_id: str, body: dict[str, int] | None) -> None:
        request = urllib.request.Request(
            f"{self.synapse.url}/_synapse/admin/v1/users/{quote(user_id)}/override_ratelimit",
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"Bearer {self.admin.access_token}"},
        )
        with urllib.request.urlopen(request, timeout=30):
            pass


async def measure_floods(env: BenchEnv, sizes: Sizes) -> Floods:
    workdir = env.dir("floods")
    limit = {"per_second": sizes.flood_bot_rate, "burst_count": 1}
    synapse = Synapse(workdir / "synapse", extra_config={"rc_message": limit})
    await asyncio.to_thread(synapse.start)
    hs = BenchEnv(synapse, keep=True, workdir=workdir)  # removed with `env`'s work directory
    try:
        await hs.start()
        limits = RateLimits(synapse)
        mallory = await hs.connect("mallory")
        for user_id in (hs.alice.user_id, hs.bob.user_id, mallory.user_id, hs.bot.user_id, hs.maubot.user_id):
            await limits.lift(user_id)
        return await _measure(hs, limits, mallory, sizes)
    finally:
        await hs.close()
        await asyncio.to_thread(synapse.stop)


async def _measure(hs: BenchEnv, limits: RateLimits, mallory: TimedClient, sizes: Sizes) -> Floods:
    """Our bot (one process): the many-room floods, then, its limit back, the unreadable ones; then
    maubot's many-room floods; answers counted once, after one settling for all."""
    alice, bot_id = hs.alice, hs.bot.user_id
    [own] = await hs.rooms_with(alice, [hs.bot])
    flooded = await hs.rooms_with(mallory, [hs.bot], len(sizes.flood_unreadable))
    notice_after = sizes.flood_notice_after_s
    async with contextlib.AsyncExitStack() as running:
        started = await launch(hs, "bot", own, notice_after=notice_after)
        running.push_async_callback(started.process.stop)
        rooms = await _room_floods(hs, hs.bot, own, mallory, sizes, commands.HELP, _as_is)
        await limits.restore(bot_id)
        unreadable = [
            await unreadable_flood(
                alice,
                own,
                mallory,
                bot_id,
                room_id,
                events,
                rate=sizes.flood_bot_rate,
                notice_after_s=NOTICE_AFTER if notice_after is None else notice_after,
            )
            for room_id, events in zip(flooded, sizes.flood_unreadable, strict=True)
        ]
        theirs: list[Flooded] = []
        if sizes.flood_polls and maubot_peer.python() is not None:
            [their_own] = await hs.rooms_with(alice, [hs.maubot])
            maubot = maubot_peer.maubot(hs.dir("maubot"), hs.url, hs.maubot)
            await maubot.start()
            running.push_async_callback(maubot.stop)
            ping = maubot_peer.COMMAND
            theirs = await _room_floods(
                hs, hs.maubot, their_own, mallory, sizes, ping, lambda text: f"{ping} {text}"
            )
        await _settled(alice, mallory)
    counted = _counted(rooms, alice, mallory)
    if theirs:
        counted = [
            replace(ours, maubot=m) for ours, m in zip(counted, _counted(theirs, alice, mallory), strict=True)
        ]
    told = [
        replace(
            flood,
            notices=notices(mallory, bot_id, room_id),
            asked=len(asked.event_ids),
            answered_once=answered_once(alice, asked.event_ids),
        )
        for (flood, asked), room_id in zip(unreadable, flooded, strict=True)
    ]
    return Floods(counted, told)


def _as_is(text: str) -> str:
    return text


Flooded = tuple[RoomFlood, list[str], Asked]
"""A many-room flood before its answers are counted: the flood's commands, and the other room's."""


async def _room_floods(
    hs: BenchEnv,
    bot: Account,
    own: str,
    mallory: TimedClient,
    sizes: Sizes,
    ask: str,
    command: Callable[[str], str],
) -> list[Flooded]:
    """Each many-room flood, in fresh rooms with `bot`: polls made into commands by `command`, `ask`
    timed in `own`."""
    floods = []
    for polls, count in sizes.flood_polls:
        flooded = await hs.rooms_with(mallory, [bot], count)
        await hs.alice.first_reply(await hs.alice.say(own, ask))  # the bot is there, and idle
        plan = [
            (flooded[n % count], command(commands.poll(f"Flood {n}", sizes.flood_poll_options)))
            for n in range(polls)
        ]
        began = time.time()
        (event_ids, last), asked = await asking(
            hs.alice, own, ask, sizes.flood_ask_pause_s, _send_all(mallory, plan), timeout=ANSWER_TIMEOUT_S
        )
        floods.append((RoomFlood(polls, count, Spread.of(asked.waits), last - began), event_ids, asked))
    return floods


async def _send_all(client: TimedClient, plan: Sequence[tuple[str, str]]) -> tuple[list[str], float]:
    """Send every (room, text), `IN_FLIGHT` at a time; their event ids and when the last answer came."""
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def send(room_id: str, text: str) -> str:
        async with gate:
            return await client.say(room_id, text)

    event_ids = await asyncio.gather(*(send(room_id, text) for room_id, text in plan))
    answers = await asyncio.gather(
        *(client.first_reply(event_id, ANSWER_TIMEOUT_S) for event_id in event_ids),
        return_exceptions=True,
    )
    arrivals = [answer[1] for answer in answers if isinstance(answer, tuple)]
    return list(event_ids), max(arrivals, default=math.nan)


async def _settled(*clients: TimedClient) -> None:
    """Late doubles would show within a couple of seconds: then look at everything the server has."""
    await asyncio.sleep(2)
    for client in clients:
        await client.until_synced()


def _counted(floods: list[Flooded], alice: TimedClient, mallory: TimedClient) -> list[RoomFlood]:
    return [
        replace(
            flood,
            sent=len(event_ids) + len(asked.event_ids),
            answered_once=answered_once(mallory, event_ids) + answered_once(alice, asked.event_ids),
        )
        for flood, event_ids, asked in floods
    ]
