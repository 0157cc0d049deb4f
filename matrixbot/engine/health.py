"""GET /health and GET /metrics on a small HTTP listener, when `http.listen` is set.

/health answers 200 when the last sync succeeded within SYNC_MAX_AGE and the scheduler runs
(and the database reports no fault), else 503; the JSON body says which part is failing, so a
supervisor (Docker's HEALTHCHECK, a load balancer, a person with curl) can tell why. It says the
instance's role too: a standby (another instance on the same database leads) runs no scheduler and
is healthy while it syncs and can reach the database (to take over); /metrics has `matrixbot_role`.

The listener must never cost the bot its homeserver connection, nor its log, whoever reaches the
port. 1,100 half-sent requests once took every file descriptor of a process limited to 1,024: the
bot could not reconnect to its homeserver for 68 s, and each failed `accept()` logged a traceback
(323 MB in 96 s). So it holds at most `MAX_CONNECTIONS` connections and accepts no more until one
ends (the rest wait in the kernel's queue, costing the process nothing); a request's line and
headers must arrive within `HEAD_TIMEOUT` seconds and `MAX_HEAD` bytes; a body is never read
(both pages are GETs); every answer closes its connection and must be taken within
`WRITE_TIMEOUT`. A bad request gets a 400 and no log line; failing `accept()`s are one warning,
and one more when it works again. The pages read only what the bot holds in memory: /metrics never
waits on the database, it serves the inbox backlog as last read, and starts a new read (one at a
time) for the next scrape.

Room calendars (`/calendar/…`, matrixbot/calendar/http.py) are served here too, once the bot is
live (`serve_calendars`; until then they answer 503): they do wait on the database, so they have
their own bounds (at most a few gathered at once, each within a time limit) and never hold the
connections /health and /metrics need.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import time
from typing import Any, Protocol

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from matrixbot import metrics
from matrixbot.calendar.http import PREFIX, CalendarRoutes, Request, plain, request_headers
from matrixbot.engine.tasks import watch
from matrixbot.errors import StartupError

log = logging.getLogger(__name__)

SYNC_MAX_AGE = 60.0
"""Seconds since the last good sync after which the bot counts as not keeping up (long polls take 30)."""
MAX_CONNECTIONS = 32
"""Connections served at once; more wait in the kernel's accept queue (a scraper and a health check need two)."""
HEAD_TIMEOUT = 5.0
"""Seconds a client has to send its request line and headers."""
WRITE_TIMEOUT = 5.0
"""Seconds a client has to take the answer."""
MAX_HEAD = 8192
"""Bytes of request line and headers read at most."""
ACCEPT_PAUSE = 1.0
"""Seconds to wait after a failed `accept()` (out of descriptors) before trying again."""


class Status(Protocol):
    """What the listener reads of the bot it reports on (the bot is one: engine/bot.py)."""

    @property
    def role(self) -> str:
        """One of `metrics.ROLES`: "leader", "standby" or "starting"."""
        ...

    @property
    def last_sync(self) -> float | None:
        """time.monotonic() of the last sync handled in full, None before the first."""
        ...

    @property
    def scheduling(self) -> bool:
        """Whether the scheduler's alarm runs."""
        ...

    @property
    def storage_fault(self) -> str | None:
        """Why the database cannot be written now, or None."""
        ...

    @property
    def room_count(self) -> int: ...

    async def inbox_backlog(self) -> int | None:
        """Events stored and not handled yet (None: nothing to read them from); may wait on the database."""
        ...


def health_of(bot: Status) -> tuple[bool, dict[str, Any]]:
    """Whether the bot is healthy, and a small report of each part."""
    last_ok = bot.last_sync
    age = None if last_ok is None else time.monotonic() - last_ok
    sync_ok = age is not None and age <= SYNC_MAX_AGE
    role = bot.role
    scheduler_ok = bot.scheduling or role == "standby"  # a standby schedules nothing until it leads
    fault = bot.storage_fault
    healthy = sync_ok and scheduler_ok and fault is None
    report = {
        "status": "ok" if healthy else "failing",
        "role": role,
        "sync": {"ok": sync_ok, "seconds_since_last": None if age is None else round(age, 1)},
        "scheduler": {"ok": scheduler_ok},
        "database": {"ok": fault is None, "fault": fault},
    }
    return healthy, report


def response(status: int, reason: str, content_type: str, body: bytes) -> bytes:
    """A whole HTTP/1.1 answer that closes its connection."""
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


def _plain(status: int, reason: str) -> bytes:
    return response(status, reason, "text/plain; charset=utf-8", f"{reason}\n".encode())


def request_target(head: bytes) -> tuple[str, str] | bytes:
    """The method and path of a request head, or the answer to a malformed one (400)."""
    line = head.split(b"\r\n", 1)[0]
    parts = line.split(b" ")
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/1.") or not parts[1].startswith(b"/"):
        return _plain(400, "Bad Request")
    try:
        method, target = parts[0].decode("ascii"), parts[1].decode("ascii")
    except UnicodeDecodeError:
        return _plain(400, "Bad Request")
    return method, target.split("?", 1)[0]


class HealthServer:
    """The bot's HTTP endpoints; started before login so a port clash stops the start at once."""

    def __init__(self, bot: Status, listener: socket.socket) -> None:
        self._bot = bot
        self._listener = listener
        self._slots = asyncio.Semaphore(MAX_CONNECTIONS)
        self._connections: set[asyncio.Task[None]] = set()
        self._reading: asyncio.Task[None] | None = None
        self._starved = False
        self._calendars: CalendarRoutes | None = None
        self._accepting = asyncio.get_running_loop().create_task(self._accept_forever())
        watch(self._accepting, "the health listener")
        self._read_backlog()

    @classmethod
    async def start(cls, bot: Status, host: str, port: int) -> HealthServer:
        try:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            listener = socket.create_server((host, port), family=family, backlog=128)
        except OSError as exc:
            raise StartupError(f"http.listen {host}:{port}: {exc.strerror or exc}") from None
        listener.setblocking(False)
        return cls(bot, listener)

    def serve_calendars(self, routes: CalendarRoutes) -> None:
        """Answer /calendar/… from now on (the bot knows its rooms and their members)."""
        self._calendars = routes

    async def stop(self) -> None:
        self._accepting.cancel()
        tasks = [self._accepting, *self._connections, *([self._reading] if self._reading else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._listener.close()

    async def _accept_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._slots.acquire()
            try:
                conn, address = await loop.sock_accept(self._listener)
            except OSError as exc:  # EMFILE, ENFILE, ENOBUFS: the process or the system is out of room
                self._slots.release()
                if not self._starved:
                    log.warning(
                        "http.listen: cannot accept connections (%s); trying each second", exc.strerror
                    )
                self._starved = True
                await asyncio.sleep(ACCEPT_PAUSE)
                continue
            if self._starved:
                log.warning("http.listen: accepting connections again")
                self._starved = False
            task = loop.create_task(self._serve(conn, str(address[0])))
            self._connections.add(task)
            task.add_done_callback(self._connections.discard)

    async def _serve(self, conn: socket.socket, peer: str) -> None:
        """One request, one answer, then the connection is closed; a client that is slow, hangs up
        or sends nonsense costs a slot for at most HEAD_TIMEOUT + WRITE_TIMEOUT, and no log line."""
        loop = asyncio.get_running_loop()
        try:
            with conn:
                conn.setblocking(False)
                head = await asyncio.wait_for(self._read_head(loop, conn), HEAD_TIMEOUT)
                if head is not None:
                    answer = await self._respond(head, peer)
                    await asyncio.wait_for(loop.sock_sendall(conn, answer), WRITE_TIMEOUT)
                    with contextlib.suppress(OSError):
                        conn.shutdown(socket.SHUT_WR)
        except (OSError, TimeoutError):
            pass
        finally:
            self._slots.release()

    @staticmethod
    async def _read_head(loop: asyncio.AbstractEventLoop, conn: socket.socket) -> bytes | None:
        """The request line and headers (at most MAX_HEAD bytes); None when the client hung up first."""
        data = b""
        while b"\r\n\r\n" not in data and len(data) < MAX_HEAD:
            chunk = await loop.sock_recv(conn, MAX_HEAD - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    async def _respond(self, head: bytes, peer: str) -> bytes:
        """The answer to a whole request head: a calendar's (which may wait), or one of `_answer`'s."""
        target = request_target(head) if b"\r\n\r\n" in head else None
        if isinstance(target, tuple) and target[1].startswith(PREFIX):
            if self._calendars is None:
                return plain(503, "Service Unavailable", ("Retry-After", "10"))
            return await self._calendars.answer(Request(*target, request_headers(head), peer))
        return self._answer(head)

    def _answer(self, head: bytes) -> bytes:
        if b"\r\n\r\n" not in head:
            return _plain(400, "Bad Request")  # past MAX_HEAD
        target = request_target(head)
        if isinstance(target, bytes):
            return target
        method, path = target
        if path not in ("/health", "/metrics"):
            return _plain(404, "Not Found")
        if method != "GET":
            return _plain(405, "Method Not Allowed")
        if path == "/health":
            healthy, report = health_of(self._bot)
            body = json.dumps(report).encode()
            return response(
                200 if healthy else 503, "OK" if healthy else "Service Unavailable", "application/json", body
            )
        return response(200, "OK", CONTENT_TYPE_LATEST, self._metrics())

    def _metrics(self) -> bytes:
        bot = self._bot
        last_ok = bot.last_sync
        metrics.SYNC_AGE.set(float("nan") if last_ok is None else time.monotonic() - last_ok)
        metrics.SCHEDULER_RUNNING.set(int(bot.scheduling))
        metrics.ROOMS.set(bot.room_count)
        for role in metrics.ROLES:
            metrics.ROLE.labels(role).set(int(role == bot.role))
        self._read_backlog()  # for the next scrape: this one serves the last value read
        return generate_latest(metrics.REGISTRY)

    def _read_backlog(self) -> None:
        """Start reading the inbox backlog from the database, unless a read is still under way
        (a held lock or a full disk can keep one waiting; nothing else waits for it)."""
        if self._reading is None or self._reading.done():
            self._reading = asyncio.get_running_loop().create_task(self._backlog())
            watch(self._reading, "reading the inbox backlog")

    async def _backlog(self) -> None:
        backlog = await self._bot.inbox_backlog()
        if backlog is not None:  # None: closed or failing, the last value stays
            metrics.INBOX_BACKLOG.set(backlog)
