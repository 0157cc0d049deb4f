"""Answers in flight together: while a member's answer is on its way, the room's next command is
handled and another member's answer goes too; one member's answers go in their order; an event
counts as handled once its answers are sent and the room's earlier events are marked, so a stop
(or a `kill -9`) with answers in flight leaves them, and what came after, for the next start."""

from __future__ import annotations

import asyncio
from typing import Any

import nio

from matrixbot.testing import FakeBot
from matrixbot.testing.pytest_plugin import MakeFakeBot
from tests.matrix.answers import error_answer

ALICE, BOB = "@alice:x", "@bob:x"


class HeldSends:
    """The fake homeserver's sends, each held until let go (or answered with an error)."""

    def __init__(self, bot: FakeBot) -> None:
        self._send = bot.fake.send
        self.started: list[str] = []  # the commands answered, in the order their sends began
        self._gates: dict[str, asyncio.Future[nio.ErrorResponse | None]] = {}
        bot.fake.send = self.send  # type: ignore[method-assign]

    async def send(self, room_id: str, event_type: str, content: dict[str, Any], txn_id: str) -> Any:
        command = content["m.relates_to"]["m.in_reply_to"]["event_id"]
        gate = self._gates.setdefault(command, asyncio.get_running_loop().create_future())
        self.started.append(command)
        failure = await asyncio.shield(gate)
        return failure or await self._send(room_id, event_type, content, txn_id)

    def release(self, command: str, failure: nio.ErrorResponse | None = None) -> None:
        self._gates.setdefault(command, asyncio.get_running_loop().create_future()).set_result(failure)

    async def until_started(self, *commands: str) -> None:
        for _ in range(200):
            if all(c in self.started for c in commands):
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"never started: {set(commands) - set(self.started)}")


async def _states(bot: FakeBot, *event_ids: str) -> list[str]:
    await bot.parts.inbox.flush()
    rows = [
        await bot.database.fetch_value("SELECT state FROM inbox WHERE event_id = ?", (e,)) for e in event_ids
    ]
    return [str(r) for r in rows]


async def test_two_members_answers_are_in_flight_together_and_one_members_wait_their_turn(
    fake_bot: MakeFakeBot,
) -> None:
    bot = await fake_bot(plugins=[])
    room = bot.room(ALICE, BOB)
    held = HeldSends(bot)
    first = (await bot.backlog(room, ALICE, "!help")).event_id
    other = (await bot.backlog(room, BOB, "!help")).event_id
    second = (await bot.backlog(room, ALICE, "!plugins")).event_id
    catching_up = asyncio.create_task(bot.catch_up())

    await held.until_started(first, other)  # bob's command handled while alice's answer is held
    await asyncio.sleep(0.05)
    assert second not in held.started, "alice's second answer waits for her first"
    assert await _states(bot, first, other, second) == ["pending"] * 3

    held.release(other)
    await asyncio.sleep(0.05)
    assert await _states(bot, first, other) == ["pending", "pending"], "marked in the room's order"

    held.release(first)
    await held.until_started(second)
    held.release(second)
    posted = await catching_up
    assert [p.reply_to for p in posted] == [other, first, second]
    assert await _states(bot, first, other, second) == ["done"] * 3


async def test_a_stop_with_an_answer_in_flight_leaves_it_and_the_later_events_for_the_next_start(
    fake_bot: MakeFakeBot,
) -> None:
    bot = await fake_bot(plugins=[])
    room = bot.room(ALICE, BOB)
    homeserver = bot.fake.send
    held = HeldSends(bot)
    first = (await bot.backlog(room, ALICE, "!help")).event_id
    other = (await bot.backlog(room, BOB, "!help")).event_id
    catching_up = asyncio.create_task(bot.catch_up())
    await held.until_started(first, other)
    held.release(other)  # bob's answer is sent; alice's is still on its way as the bot stops

    bot.parts.lifecycle.closing.set()
    held.release(first, error_answer(502))
    await catching_up
    assert await _states(bot, first, other) == ["pending", "pending"]

    bot.parts.lifecycle.closing.clear()  # the next start: both handled again, in order
    bot.fake.send = homeserver  # type: ignore[method-assign]
    posted = await bot.catch_up()
    assert [p.reply_to for p in posted] == [first], "bob's answer, sent before, is not posted twice"
    assert await _states(bot, first, other) == ["done", "done"]
