"""A ChatClient that timestamps every event when its sync delivers it, and waits on those times;
and members who only send, for bursts sent by many people.

Arrival times are `time.time()` in this process; bots and the homeserver run on the same machine,
so they share the clock with the due times the bot stores.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict

import nio

from bench.internals import Account, ChatClient, Seen


class TimedClient(ChatClient):
    """Records `arrived[event_id]` and the replies (by the event they answer) as they come in."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.arrived: dict[str, float] = {}
        self.replies: dict[str, list[tuple[Seen, float]]] = defaultdict(list)
        self.reply_count: Counter[str] = Counter()
        self._event_waiters: dict[str, asyncio.Future[float]] = {}
        self._reply_waiters: dict[str, asyncio.Future[tuple[Seen, float]]] = {}

    def _append(self, seen: Seen, *, remember: bool = True) -> None:
        now = time.time()
        if seen.event_id and seen.event_id in self.arrived:
            return
        super()._append(seen, remember=remember)
        if not seen.event_id:
            return
        self.arrived[seen.event_id] = now
        waiter = self._event_waiters.pop(seen.event_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(now)
        answered = seen.reply_to
        if answered is not None and seen.type == "m.room.message":
            self.replies[answered].append((seen, now))
            self.reply_count[answered] += 1
            reply_waiter = self._reply_waiters.pop(answered, None)
            if reply_waiter is not None and not reply_waiter.done():
                reply_waiter.set_result((seen, now))

    async def arrival(self, event_id: str, timeout: float = 30.0) -> float:
        """When this client's sync delivered `event_id` (waits for it)."""
        if event_id in self.arrived:
            return self.arrived[event_id]
        future = self._event_waiters.setdefault(event_id, asyncio.get_running_loop().create_future())
        return await asyncio.wait_for(asyncio.shield(future), timeout)

    async def first_reply(self, event_id: str, timeout: float = 30.0) -> tuple[Seen, float]:
        """The first message answering `event_id` and when it arrived."""
        if self.replies.get(event_id):
            return self.replies[event_id][0]
        future = self._reply_waiters.setdefault(event_id, asyncio.get_running_loop().create_future())
        return await asyncio.wait_for(asyncio.shield(future), timeout)


class Member:
    """A member who only sends: no sync of their own, so that a crowd of them adds nothing to the
    homeserver's load but their messages. What they send, and its answers, an observer's sync sees."""

    def __init__(self, homeserver_url: str, account: Account) -> None:
        self.account = account
        self.user_id = account.user_id
        self._nio = nio.AsyncClient(homeserver_url, account.user_id)
        self._nio.user_id, self._nio.access_token = account.user_id, account.access_token

    async def say(self, room_id: str, body: str) -> str:
        sent = await self._nio.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": body})
        if not isinstance(sent, nio.RoomSendResponse):
            raise RuntimeError(f"{self.user_id} could not send in {room_id}: {sent}")
        return sent.event_id

    async def close(self) -> None:
        await self._nio.close()
