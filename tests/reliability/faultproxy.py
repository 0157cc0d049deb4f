"""A fault-injecting HTTP proxy between the bot and a real homeserver, on loopback.

Each request, while faults are on, meets at random (from a seeded generator) one of:

- `drop`: the connection is closed without an answer, before the request reaches the
  homeserver or after it did (then the homeserver acted on it, and the bot never heard);
- `502`: answered "Bad Gateway" without forwarding;
- `504`: forwarded, then answered "Gateway Timeout" (again the homeserver acted on it);
- `stall`: forwarded, and the answer held back for `stall_seconds` before it is passed on;
- `cut`: a `/sync` answer whose body is cut in half and its connection closed;
- `429`: answered `M_LIMIT_EXCEEDED` with `retry_after_ms` (and `Retry-After`) without forwarding.

Every request is recorded (time, method, path, fault) so a test can count what the bot sent and
how soon it tried again after each fault.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter
from dataclasses import dataclass

import aiohttp
from aiohttp import web

FAULTS = ("drop", "502", "504", "stall", "cut", "429")
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "content-encoding",
    "host",
    "upgrade",
}


@dataclass(frozen=True)
class Seen:
    at: float
    """`time.monotonic()` when the request arrived."""
    method: str
    path: str
    fault: str | None


class FaultProxy:
    def __init__(
        self,
        upstream: str,
        *,
        seed: int,
        rates: dict[str, float],
        stall_seconds: float = 30.0,
        max_stalls: int = 4,
        retry_after_ms: int = 2000,
    ) -> None:
        unknown = set(rates) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults: {unknown}")
        self.upstream = upstream.rstrip("/")
        self.rates = rates
        self.stall_seconds = stall_seconds
        self.max_stalls = max_stalls
        self.retry_after_ms = retry_after_ms
        self.faulty = False
        self.seen: list[Seen] = []
        self.faults: Counter[str] = Counter()
        self._random = random.Random(seed)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    async def start(self) -> str:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None, sock_read=120), auto_decompress=False
        )
        app = web.Application(client_max_size=1024**3)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def requests(self, path_part: str = "") -> list[Seen]:
        return [s for s in self.seen if path_part in s.path]

    def _pick(self, path: str) -> str | None:
        if not self.faulty:
            return None
        roll = self._random.random()
        for fault in FAULTS:
            rate = self.rates.get(fault, 0.0)
            if roll < rate:
                if fault == "cut" and not path.endswith("/sync"):
                    return None
                if fault == "stall" and self.faults["stall"] >= self.max_stalls:
                    return None
                return fault
            roll -= rate
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        fault = self._pick(request.path)
        self.seen.append(Seen(time.monotonic(), request.method, request.path, fault))
        if fault:
            self.faults[fault] += 1
        body = await request.read()
        if fault == "drop" and self._random.random() < 0.5:
            return self._drop(request)
        if fault == "502":
            return web.Response(status=502, text="Bad Gateway")
        if fault == "429":
            return web.json_response(
                {
                    "errcode": "M_LIMIT_EXCEEDED",
                    "error": "Too many requests",
                    "retry_after_ms": self.retry_after_ms,
                },
                status=429,
                headers={"Retry-After": str(self.retry_after_ms // 1000)},
            )
        status, headers, payload = await self._forward(request, body)
        if fault == "drop":
            return self._drop(request)
        if fault == "504":
            return web.Response(status=504, text="Gateway Timeout")
        if fault == "stall":
            await asyncio.sleep(self.stall_seconds)
        if fault == "cut":
            return await self._cut(request, status, headers, payload)
        return web.Response(status=status, headers=headers, body=payload)

    async def _forward(self, request: web.Request, body: bytes) -> tuple[int, dict[str, str], bytes]:
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        async with self._session.request(
            request.method, self.upstream + request.path_qs, headers=headers, data=body or None
        ) as answer:
            payload = await answer.read()
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP}
            return answer.status, kept, payload

    @staticmethod
    def _drop(request: web.Request) -> web.StreamResponse:
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError  # aiohttp gives up the request quietly; the client sees a reset

    @staticmethod
    async def _cut(
        request: web.Request, status: int, headers: dict[str, str], payload: bytes
    ) -> web.StreamResponse:
        response = web.StreamResponse(status=status, headers=headers)
        response.content_length = len(payload)
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):
            await response.write(payload[: len(payload) // 2])
        if request.transport is not None:
            request.transport.abort()
        return response
