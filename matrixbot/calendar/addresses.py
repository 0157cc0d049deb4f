"""The addresses of room calendars: tokens, made at random, kept only as their SHA-256.

Each member who asks (`!calendar`) gets an address of their own: the token cannot be shown again
(only its hash is kept), so asking again makes a new one and ends the old; an address works only
while its holder is in the room; `!calendar reset` ends them all. A leaked database, or a backup
of it, therefore gives nobody a working address.

An address is looked up by the hash of the token presented. An index lookup is not constant time,
but what its timing could tell (how many leading bytes of a *hash* match a stored one) is no help
in finding a token: nobody can choose a token whose hash starts with given bytes. The hash found
is then compared with `hmac.compare_digest`, so nothing after the lookup depends on the bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from matrixbot.db import Database

TOKEN_BYTES = 24
"""192 random bits (32 URL-safe characters): past guessing, whatever the rate limits."""
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Holder:
    """Whose address a token is, and of which room."""

    room_id: str
    user_id: str
    token_hash: str


class AddressStore:
    """The SQL of `calendar_feeds` (addresses) and `calendar_off` (rooms whose admins ended the feed)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def holder(self, token: str) -> Holder | None:
        """Who holds `token`, or None for a token never issued or ended since."""
        digest = token_hash(token)
        row = await self._db.fetch_one(
            "SELECT room_id, user_id, token_hash FROM calendar_feeds WHERE token_hash = ?", (digest,)
        )
        if row is None or not hmac.compare_digest(row["token_hash"], digest):
            return None
        return Holder(row["room_id"], row["user_id"], digest)

    async def issue(
        self, room_id: str, user_id: str, now: datetime, *, reset: bool = False
    ) -> tuple[str, int]:
        """A new token for `user_id` in the room, and how many addresses ended with it: their own
        earlier one, or (`reset`) every address of the room."""
        token = new_token()
        async with self._db.transaction() as tx:
            if reset:
                ended = await tx.execute("DELETE FROM calendar_feeds WHERE room_id = ?", (room_id,))
            else:
                ended = await tx.execute(
                    "DELETE FROM calendar_feeds WHERE room_id = ? AND user_id = ?", (room_id, user_id)
                )
            await tx.execute(
                "INSERT INTO calendar_feeds (token_hash, room_id, user_id, created_at) VALUES (?, ?, ?, ?)",
                (token_hash(token), room_id, user_id, now.timestamp()),
            )
            await tx.execute("DELETE FROM calendar_off WHERE room_id = ?", (room_id,))
        return token, ended

    async def is_off(self, room_id: str) -> bool:
        found = await self._db.fetch_value("SELECT 1 FROM calendar_off WHERE room_id = ?", (room_id,))
        return found is not None

    async def turn_off(self, room_id: str, now: datetime) -> int:
        """End every address of the room, forget what it served, and issue none until turned on."""
        async with self._db.transaction() as tx:
            ended = await tx.execute("DELETE FROM calendar_feeds WHERE room_id = ?", (room_id,))
            await tx.execute("DELETE FROM calendar_items WHERE room_id = ?", (room_id,))
            await tx.execute(
                "INSERT INTO calendar_off (room_id, since) VALUES (?, ?) ON CONFLICT (room_id) DO NOTHING",
                (room_id, now.timestamp()),
            )
        return ended

    async def turn_on(self, room_id: str) -> bool:
        return await self._db.execute("DELETE FROM calendar_off WHERE room_id = ?", (room_id,)) > 0
