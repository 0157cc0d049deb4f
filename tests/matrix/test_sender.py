"""Only a final outcome finishes a command: a send that failed for a passing reason leaves it to do."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import nio
import pytest

from matrixbot.errors import SendError, SendPending
from matrixbot.lifecycle import Lifecycle
from matrixbot.matrix.events import RoomEvent
from matrixbot.matrix.sender import Sender
from matrixbot.testing.fakebot import FakeBot
from tests.matrix.answers import error_answer


class RefusingClient:
    """A client whose every send fails the way given (an exception raised, or an error answered)."""

    def __init__(self, failure: Exception | nio.ErrorResponse) -> None:
        self.failure = failure
        self.olm = None
        self.rooms: dict[str, object] = {}
        self.attempts = 0
        self.tried = asyncio.Event()

    async def send(
        self, room_id: str, event_type: str, content: dict[str, Any], txn_id: str
    ) -> nio.RoomSendResponse | nio.ErrorResponse:
        self.attempts += 1
        self.tried.set()
        if isinstance(self.failure, Exception):
            raise self.failure
        return self.failure


def _sender(client: RefusingClient, life: Lifecycle) -> Sender:
    return Sender(client, SimpleNamespace(), None, "nonce", life)  # type: ignore[arg-type]


async def test_unknown_room_before_the_first_sync_is_passing_and_after_it_final():
    client, life = RefusingClient(nio.LocalProtocolError("No such room with id !r:x found.")), Lifecycle()
    sender = _sender(client, life)
    with pytest.raises(SendPending, match="room not known yet"):
        await sender.send("!r:x", "m.room.message", {"body": "hi"}, "t1", retry_for=0.1)
    life.rooms_known.set()
    with pytest.raises(SendError, match="not in !r:x"):
        await sender.send("!r:x", "m.room.message", {"body": "hi"}, "t1", retry_for=0.1)


@pytest.mark.parametrize(
    ("failure", "outcome"),
    [
        (error_answer(502), SendPending),
        (error_answer(429, "M_LIMIT_EXCEEDED"), SendPending),
        (OSError("connection refused"), SendPending),
        (error_answer(403, "M_FORBIDDEN"), SendError),
    ],
)
async def test_passing_failures_are_pending_and_refusals_final(failure, outcome):
    life = Lifecycle()
    sender = _sender(RefusingClient(failure), life)
    life.rooms_known.set()
    with pytest.raises(outcome):
        await sender.send("!r:x", "m.room.message", {"body": "hi"}, "t1", retry_for=0.1)


async def test_a_command_whose_answer_could_not_be_sent_stays_in_the_inbox(tmp_path):
    bot = await FakeBot.create(tmp_path)
    try:
        room = bot.room("@alice:x")
        event = RoomEvent("$cmd", room, "@alice:x", "m.room.message", {"msgtype": "m.text", "body": "!help"})
        refusing = RefusingClient(error_answer(502))
        bot.fake.send = refusing.send  # type: ignore[method-assign, assignment]
        await bot.parts.inbox.store([event], "token")
        bot.parts.dispatcher.submit(event)
        await asyncio.wait_for(refusing.tried.wait(), 5)  # the send failed once and waits to try again
        bot.lifecycle.closing.set()
        await bot.parts.dispatcher.drain(5)
        state = await bot.database.fetch_value("SELECT state FROM inbox WHERE event_id = '$cmd'")
        assert state == "pending", "an unanswered command must be handled again at the next start"
    finally:
        await bot.stop()
