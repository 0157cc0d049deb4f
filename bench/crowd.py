"""Many rooms, and one crowded room, made quickly on the bench's homeserver.

Rooms are public (`public_chat`), so members join without an invite; requests go through the
client API with `CONCURRENCY` in flight together (the bench's Synapse has its rate limits lifted),
which lets Synapse persist events of different rooms side by side. Accounts for a crowded room are
registered through the shared-secret admin API on worker threads, just as many at once.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import aiohttp

from bench.internals import Account, Synapse

CONCURRENCY = 16
"""Requests in flight together while seeding."""

T = TypeVar("T")


class Seeder:
    """Raw client-API calls with the accounts' tokens; `close()` when done."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120))

    async def close(self) -> None:
        await self._session.close()

    async def _post(self, account: Account, path: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {account.access_token}"}
        for attempt in range(5):
            async with self._session.post(self._url + path, json=body, headers=headers) as answer:
                found: dict[str, Any] = await answer.json()
                if answer.status == 200:
                    return found
                if answer.status < 500 and answer.status != 429:
                    raise RuntimeError(f"POST {path} failed: {answer.status} {found}")
            await asyncio.sleep(0.5 * 2**attempt)
        raise RuntimeError(f"POST {path} kept failing: {found}")

    async def create_room(self, creator: Account, name: str) -> str:
        made = await self._post(
            creator, "/_matrix/client/v3/createRoom", {"preset": "public_chat", "name": name}
        )
        return str(made["room_id"])

    async def join(self, account: Account, room_id: str) -> None:
        await self._post(account, f"/_matrix/client/v3/join/{room_id}", {})

    async def rooms(self, creator: Account, members: Sequence[Account], count: int, name: str) -> list[str]:
        """`count` rooms made by `creator` (named `name N`), each joined by every one of `members`."""
        made = await _together(
            [functools.partial(self.create_room, creator, f"{name} {n}") for n in range(count)]
        )
        await self.join_all(members, made)
        return made

    async def join_all(self, members: Sequence[Account], room_ids: Sequence[str]) -> None:
        """Each member joins each room; a room's joins go one after the other (Synapse persists a
        room's events in order anyway), different rooms' at once."""

        async def fill(room_id: str) -> None:
            for member in members:
                await self.join(member, room_id)

        await _together([functools.partial(fill, r) for r in room_ids])


async def register_many(synapse: Synapse, prefix: str, count: int) -> list[Account]:
    """`count` new accounts (`prefix-N`), registered on worker threads, CONCURRENCY at once."""
    return await _together(
        [functools.partial(asyncio.to_thread, synapse.register, f"{prefix}-{n}") for n in range(count)]
    )


async def _together(work: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
    """Run each piece of `work`, at most CONCURRENCY at once; results in the order of `work`."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(piece: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            return await piece()

    return list(await asyncio.gather(*(one(piece) for piece in work)))
