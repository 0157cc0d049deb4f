"""The calendar's routes on the bot's listener: GET /calendar/TOKEN.ics (the feed), GET
/calendar/TOKEN (the agenda page); HEAD for either.

Whatever is wrong with a request for a feed (no such token, one ended, a holder who left the room,
a malformed path), the answer is the listener's plain 404, so a prober learns nothing. A feed the
app has (If-None-Match with its ETag) is a 304 without writing it. Every answer says how to cache
it (`private, no-cache`: keep it, but ask again; an edit shows on the next fetch), sends no
Referer onwards (the address is in the URL), and is not indexed. Fetches are limited per client
before the token is looked up, and per address after (limits.py). At most `MAX_AT_ONCE` calendars
are gathered at once and each within `BUILD_TIMEOUT`; past either the answer is a 503 with
Retry-After, so calendar apps can never hold all of the listener's connections.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from matrixbot.calendar.addresses import TOKEN_SHAPE
from matrixbot.calendar.limits import (
    ADDRESS_BURST,
    ADDRESS_EVERY,
    CLIENT_BURST,
    CLIENT_EVERY,
    RateLimit,
    client_of,
    networks,
)
from matrixbot.calendar.page import CSP
from matrixbot.calendar.service import CalendarService

log = logging.getLogger(__name__)

PREFIX = "/calendar/"
MAX_AT_ONCE = 4
BUILD_TIMEOUT = 10.0
"""Seconds to gather and write one calendar before answering 503."""
CACHE_CONTROL = "private, no-cache"
_COMMON = (
    ("Cache-Control", CACHE_CONTROL),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Robots-Tag", "noindex, nofollow"),
)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Mapping[str, str]
    """Lower-case names; a header sent more than once has its values joined by ', '."""
    peer: str
    """The address the connection came from."""


def http_answer(
    status: int,
    reason: str,
    headers: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
    *,
    head: bool = False,
) -> bytes:
    """A whole HTTP/1.1 answer that closes its connection; `head`: the headers of `body` without it."""
    lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers)]
    if status != 304:
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + (b"" if head or status == 304 else body)


def plain(status: int, reason: str, *extra: tuple[str, str]) -> bytes:
    """The listener's plain answers (404, 405, 429, 503), as /health's neighbours give them."""
    return http_answer(
        status, reason, [("Content-Type", "text/plain; charset=utf-8"), *extra], f"{reason}\n".encode()
    )


NOT_FOUND = plain(404, "Not Found")


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether If-None-Match names `etag` (weak or strong, in a list, or `*`)."""
    if header is None:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


class CalendarRoutes:
    def __init__(self, service: CalendarService, trusted_proxies: Sequence[str]) -> None:
        self._service = service
        self._trusted = networks(trusted_proxies)
        self.per_address = RateLimit(ADDRESS_BURST, ADDRESS_EVERY)
        self.per_client = RateLimit(CLIENT_BURST, CLIENT_EVERY)
        self._building = 0

    async def answer(self, request: Request) -> bytes:
        """The answer to a request whose path starts with /calendar/; never raises."""
        token, dot, suffix = request.path.removeprefix(PREFIX).partition(".")
        if request.method not in ("GET", "HEAD"):
            return plain(405, "Method Not Allowed", ("Allow", "GET, HEAD"))
        client = client_of(request.peer, request.headers.get("x-forwarded-for"), self._trusted)
        if wait := self.per_client.wait(client):
            return plain(429, "Too Many Requests", ("Retry-After", str(wait)))
        if not TOKEN_SHAPE.fullmatch(token) or (dot and suffix != "ics"):
            return NOT_FOUND
        if self._building >= MAX_AT_ONCE:
            return plain(503, "Service Unavailable", ("Retry-After", "5"))
        self._building += 1
        try:
            return await asyncio.wait_for(self._serve(request, token, feed=bool(dot)), BUILD_TIMEOUT)
        except TimeoutError:
            return plain(503, "Service Unavailable", ("Retry-After", "30"))
        except Exception:
            log.exception("could not serve a room calendar")
            return plain(503, "Service Unavailable", ("Retry-After", "30"))
        finally:
            self._building -= 1

    async def _serve(self, request: Request, token: str, *, feed: bool) -> bytes:
        holder = await self._service.holder(token)
        if holder is None:
            return NOT_FOUND
        if wait := self.per_address.wait(holder.token_hash):
            return plain(429, "Too Many Requests", ("Retry-After", str(wait)))
        calendar = await self._service.calendar(holder.room_id)
        head = request.method == "HEAD"
        if feed:
            if etag_matches(request.headers.get("if-none-match"), calendar.etag):
                return http_answer(304, "Not Modified", [("ETag", calendar.etag), *_COMMON])
            body = await self._service.feed(calendar)
            kind = "text/calendar; charset=utf-8"
            return http_answer(
                200, "OK", [("Content-Type", kind), ("ETag", calendar.etag), *_COMMON], body, head=head
            )
        body = await self._service.page(calendar, token, holder)
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        headers = [("ETag", etag), *_COMMON, ("Content-Security-Policy", CSP)]
        if etag_matches(request.headers.get("if-none-match"), etag):
            return http_answer(304, "Not Modified", headers)
        html = [("Content-Type", "text/html; charset=utf-8"), *headers]
        return http_answer(200, "OK", html, body, head=head)


def request_headers(head: bytes) -> dict[str, str]:
    """The headers of a request head (lower-case names), latin-1 decoded; repeats joined by ', '."""
    found: dict[str, str] = {}
    for line in head.split(b"\r\n")[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip():
            continue
        key = name.decode("latin-1").lower()
        text = value.strip().decode("latin-1")
        found[key] = f"{found[key]}, {text}" if key in found else text
    return found
