"""The made-up encrypted flood (issue 28): a member sends N `m.room.encrypted` events with invented
megolm fields (no keys needed, and a plain room does) while the homeserver lets the bot post only
0.5 messages a second; meanwhile alice's `!help` in another room is timed.

Before the fix the bot posted one notice per event from inside its sync loop, so every room waited
behind them: 40 events delayed `!help` by up to 74.5 s. Now the room gets one summary per sender,
from the room's lane, `NOTICE_AFTER` (60 s) after the events came, since a key may still be on its
way.

Every message the bot posts counts against the limit, its answers to alice too, so she asks
1 / rate + 0.5 seconds (2.5 s) after each answer: her own answers never wait for the limit. The one
notice does take the bot's turn at the homeserver, so an answer due within 2 s after it waits, and
Synapse holds a refused send 0.5 s before it answers 429. The flood is measured until the notice
is seen, and two asks more.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import commands
from bench.clients import TimedClient
from bench.internals import Seen
from bench.stats import Spread
from bench.timing import Asked, asking

NOTICE = "could not read"
"""In the bot's notice about messages it could not read (matrixbot/engine/unreadable.py)."""
ASK_SLACK_S = 0.5
"""alice's next `!help` comes this much later than the limit would let the bot answer it."""
NOTICE_SLACK_S = 30.0
"""The notice is waited for this long after it is due, then counted as missing."""


@dataclass(frozen=True)
class UnreadableFlood:
    events: int
    rate: float
    """Messages a second the homeserver let the bot post."""
    waits: Spread
    """The other room's `!help`: milliseconds from send to answer seen."""
    notice_s: float
    """From the first made-up event sent to the notice seen (nan: none came)."""
    notice_after_s: float
    """How long the bot waited for a key before telling the room (`NOTICE_AFTER` as shipped)."""
    notices: int = 0
    """Notices the flooded room got (counted once everything settled)."""
    asked: int = 0
    answered_once: int = 0

    @property
    def name(self) -> str:
        return f"{self.events} made-up encrypted events (bot limited to {self.rate:g} msg/s)"


def made_up() -> dict[str, Any]:
    """The content of an "encrypted" event nobody can read: invented megolm session and ciphertext."""
    return {
        "algorithm": "m.megolm.v1.aes-sha2",
        "sender_key": secrets.token_urlsafe(32),
        "session_id": secrets.token_urlsafe(32),
        "ciphertext": secrets.token_urlsafe(64),
        "device_id": "MADEUP",
    }


def is_notice(bot_id: str, room_id: str) -> Callable[[Seen], bool]:
    def notice(event: Seen) -> bool:
        return (
            event.room_id == room_id
            and event.sender == bot_id
            and event.type == "m.room.message"
            and NOTICE in event.body
        )

    return notice


def notices(client: TimedClient, bot_id: str, room_id: str) -> int:
    """The bot's notices about unreadable messages in `room_id`, as `client` saw them."""
    return sum(1 for event in client.events(room_id) if is_notice(bot_id, room_id)(event))


async def unreadable_flood(
    alice: TimedClient,
    own: str,
    mallory: TimedClient,
    bot_id: str,
    room_id: str,
    events: int,
    *,
    rate: float,
    notice_after_s: float,
) -> tuple[UnreadableFlood, Asked]:
    """`events` made-up encrypted events from mallory into `room_id`, alice's `!help` timed in `own`
    until the bot's notice is seen; notices and answers are counted once everything settled."""
    position = len(mallory.events())
    notice = is_notice(bot_id, room_id)

    async def send_them() -> float:
        for _ in range(events):
            await mallory.send(room_id, "m.room.encrypted", made_up())
        seen = await mallory.next_event(notice, timeout=notice_after_s + NOTICE_SLACK_S, after=position)
        return mallory.arrived[seen.event_id] if seen is not None else math.nan

    began = time.time()
    seen_at, asked = await asking(alice, own, commands.HELP, 1 / rate + ASK_SLACK_S, send_them())
    flood = UnreadableFlood(events, rate, Spread.of(asked.waits), seen_at - began, notice_after_s)
    return flood, asked
