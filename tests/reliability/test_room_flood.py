"""One member with more rooms than the bot has slots cannot make another room wait: 200 ten-option
`!poll`s spread over 20 rooms, then alice's `!help` in her own room. Rooms take turns, one piece of
work each, so her answer comes after a few of the flood's, not after most of them (before, the
17th busy room stalled the sync loop until a whole room's queue was done). Counted from the order
of the answers the homeserver stamped; the latency figure is recorded (and benched, not asserted).

    .venv/bin/python -m pytest -q -m slow tests/reliability/test_room_flood.py -s
"""

from __future__ import annotations

import asyncio
import time

import pytest
from matrixbot.plugins.datepoll import DatePoll

from matrixbot.testing.pytest_plugin import MakeChat, StartBot
from tests.reliability.figures import record

pytestmark = pytest.mark.slow

ROOMS, POLLS = 20, 10
POLL = "!poll Flood {n}\n" + "\n".join(f"3pm {day} June 2030" for day in range(1, 11))


async def test_a_members_many_rooms_do_not_make_another_room_wait(
    start_bot: StartBot, chat: MakeChat
) -> None:
    t = await start_bot(plugins=[DatePoll])
    mallory, alice = await chat("mallory"), await chat("alice")
    flooded = [await t.room_with(mallory) for _ in range(ROOMS)]
    own = await t.room_with(alice)
    await t.ask(alice, own, "!help")

    sem = asyncio.Semaphore(16)

    async def send(room: str, n: int) -> None:
        async with sem:
            await mallory.say(room, POLL.format(n=n))

    await asyncio.gather(*(send(room, n) for n in range(POLLS) for room in flooded))
    asked = time.monotonic()
    help_id = await alice.say(own, "!help")
    answer = await alice.wait_for_reply(help_id, sender=t.user_id, timeout=120)
    waited = time.monotonic() - asked

    def flood_answer(e: object) -> bool:
        return getattr(e, "sender", "") == t.user_id and getattr(e, "body", "").startswith("P")

    await mallory.wait_for(
        lambda e: len([x for x in mallory.events() if flood_answer(x)]) >= ROOMS * POLLS, timeout=300
    )
    asked_ts = next(e.ts for e in alice.events(own) if e.event_id == help_id)
    pending = sorted(e.ts for e in mallory.events() if flood_answer(e) and e.ts > asked_ts)
    ahead = sum(1 for ts in pending if ts < answer.ts)
    record(
        "room flood",
        f"{ROOMS * POLLS} ten-option polls over {ROOMS} rooms, then a `!help` elsewhere: answered after "
        f"{ahead} of the {len(pending)} flood answers still to come, {waited:.1f} s after it was sent",
    )
    assert len(pending) >= ROOMS, "the flood must still be under way when alice asks"
    assert ahead < len(pending) / 2, f"the other room waited behind {ahead} of {len(pending)} flood answers"
