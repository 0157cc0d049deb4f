"""A TCP relay between the bot and a real PostgreSQL server, on loopback, that can cut the
connection at the one moment a test needs: when the client sends COMMIT, either before passing it
on (the server never commits) or after the server answered it (the server committed; the client
never hears so).

asyncpg sends a bare `COMMIT` as a simple query: a `Q` message whose text is `COMMIT`.
"""

from __future__ import annotations

import asyncio
import contextlib

COMMIT = b"Q\x00\x00\x00\x0bCOMMIT\x00"


class CommitCutter:
    def __init__(self, port: int) -> None:
        self._upstream = port
        self.cut: str | None = None
        """'before' or 'after': how the next COMMIT is cut (then back to None); None: relay all."""
        self.cuts = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def url(self, upstream_url: str) -> str:
        """`upstream_url` (a database on the real server) reached through this relay."""
        return upstream_url.replace(f":{self._upstream}/", f":{self.port}/")

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter) -> None:
        server_in, server_out = await asyncio.open_connection("127.0.0.1", self._upstream)
        back = asyncio.create_task(self._pipe(server_in, client_out))
        self._tasks.add(back)
        try:
            while data := await client_in.read(65536):
                if COMMIT in data and self.cut is not None:
                    how, self.cut = self.cut, None
                    self.cuts += 1
                    if how == "after":
                        back.cancel()  # the server's answer is held back from the client
                        await asyncio.gather(back, return_exceptions=True)
                        server_out.write(data)
                        await server_out.drain()
                        await server_in.read(65536)  # the server's COMMIT answer: committed
                    break  # 'before': the server never gets the COMMIT
                server_out.write(data)
                await server_out.drain()
        finally:
            back.cancel()
            for writer in (client_out, server_out):
                writer.close()
            self._tasks.discard(back)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
            sink.close()  # the server closed: so does the relay, towards the client


class Gate:
    """A TCP relay to a real PostgreSQL server that can refuse new connections (`refusing`: closed
    at once, as a server that cannot be reached) and fall silent on the open ones (`silence()`:
    nothing passes either way and nothing is closed, as a network that drops every packet)."""

    def __init__(self, port: int, *, host: str = "127.0.0.1") -> None:
        """Relays to `port` on loopback, listening on `host` (and a port of its own)."""
        self._upstream = port
        self.host = host
        self.refusing = False
        self.port = 0
        self._server: asyncio.Server | None = None
        self._silenced: list[asyncio.Event] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def url(self, upstream_url: str) -> str:
        return upstream_url.replace(f"127.0.0.1:{self._upstream}", f"{self.host}:{self.port}")

    def silence(self) -> None:
        """From now on the connections open now pass nothing (new ones pass as before)."""
        for flowing in self._silenced:
            flowing.clear()
        self._silenced = []

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter) -> None:
        if self.refusing:
            client_out.close()
            return
        server_in, server_out = await asyncio.open_connection("127.0.0.1", self._upstream)
        flowing = asyncio.Event()
        flowing.set()
        self._silenced.append(flowing)
        pipes = [
            asyncio.create_task(self._pipe(client_in, server_out, flowing)),
            asyncio.create_task(self._pipe(server_in, client_out, flowing)),
        ]
        self._tasks.update(pipes)
        await asyncio.gather(*pipes, return_exceptions=True)

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter, flowing: asyncio.Event) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await source.read(65536):
                await flowing.wait()
                sink.write(data)
                await sink.drain()
        await flowing.wait()
        sink.close()
