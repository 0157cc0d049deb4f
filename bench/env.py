"""The bench's world: a throwaway Synapse on loopback, the people, and rooms with bots in them."""

from __future__ import annotations

import asyncio
import secrets
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import nio

from bench.clients import Member, TimedClient
from bench.internals import Account, Synapse


class BenchEnv:
    """One Synapse and the accounts every benchmark shares; `close()` removes everything it made."""

    def __init__(
        self, synapse: Synapse | None = None, *, keep: bool = False, workdir: Path | None = None
    ) -> None:
        """With `synapse` given (a running one, e.g. the test suite's), use it and leave it running.

        `keep` leaves the work directory (logs, bots' stores) behind for a post-mortem; `workdir`
        (default: a new temporary one) is where they go.
        """
        self.keep = keep
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="matrixbot-bench-"))
        self._own_synapse = synapse is None
        self.synapse = synapse or Synapse(self.workdir / "synapse")
        self.clients: list[TimedClient] = []
        self._members: list[Member] = []

    async def start(self) -> None:
        if self._own_synapse:
            await asyncio.to_thread(self.synapse.start)
        self.bot = self._register("bot")
        self.echo = self._register("echo")
        self.maubot = self._register("maubot")
        self.alice = await self.connect("alice")
        self.bob = await self.connect("bob")

    def _register(self, name: str) -> Account:
        """Accounts get a random suffix, so a shared homeserver never sees a name twice."""
        return self.synapse.register(f"{name}-{secrets.token_hex(3)}")

    async def connect(self, name: str) -> TimedClient:
        client = await TimedClient.connect(self.synapse.url, self._register(name))
        assert isinstance(client, TimedClient)
        self.clients.append(client)
        return client

    def members(self, count: int) -> list[Member]:
        """`count` members who only send (bursts by many people), the same ones on every call."""
        while len(self._members) < count:
            self._members.append(Member(self.url, self._register(f"member{len(self._members) + 1}")))
        return self._members[:count]

    @property
    def url(self) -> str:
        return self.synapse.url

    def dir(self, name: str) -> Path:
        path = self.workdir / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    async def rooms_with(
        self,
        owner: TimedClient,
        guests: Sequence[Account],
        count: int = 1,
        *,
        members: Sequence[TimedClient] = (),
    ) -> list[str]:
        """`count` rooms created by `owner`, with `guests` (bot accounts) joined through the API.

        The bot need not be running: it finds itself a member when it starts.
        """
        rooms = []
        for _ in range(count):
            room_id = await owner.create_room(
                invite=[g.user_id for g in guests] + [m.user_id for m in members]
            )
            rooms.append(room_id)
        for guest in guests:
            await _join_all(self.url, guest, rooms)
        for member in members:
            for room_id in rooms:
                await member.join(room_id)
        for room_id in rooms:
            for guest in guests:
                await owner.wait_for_membership(room_id, guest.user_id, "join", timeout=30)
        return rooms

    @property
    def synapse_pid(self) -> int:
        """The homeserver's process: the one whose command line names its config file."""
        wanted = str(self.synapse.config_path).encode()
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit():
                try:
                    if wanted in (proc / "cmdline").read_bytes().split(b"\0"):
                        return int(proc.name)
                except OSError:
                    continue
        raise RuntimeError("the homeserver's process is gone")

    async def close(self) -> None:
        for client in self.clients:
            await client.close()
        for member in self._members:
            await member.close()
        if self._own_synapse:
            self.synapse.stop()
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)


async def _join_all(url: str, account: Account, room_ids: Sequence[str]) -> None:
    client = nio.AsyncClient(url, account.user_id)
    client.user_id, client.access_token = account.user_id, account.access_token
    try:
        for room_id in room_ids:
            joined = await client.join(room_id)
            if not isinstance(joined, nio.JoinResponse):
                raise RuntimeError(f"{account.user_id} could not join {room_id}: {joined}")
    finally:
        await client.close()
