"""End-to-end encryption: the crypto store, key upkeep, device trust, and unreadable events.

matrix-nio (with vodozemac) does the cryptography; this module keeps it safe to run unattended:
- the store lives in `data_dir/crypto` with a random pickle key of its own (not nio's default),
  and a missing or unreadable store is a start-up error that says what to do;
- after each sync the bot uploads, queries and claims keys as nio's own `sync_forever` would;
- with `trust: all` room keys go to every device of the room's members; with `verified-only`
  unverified devices are ignored (they get no keys) until an owner verifies them;
- an event it cannot decrypt is kept, its key requested, retried after every sync, and if it is
  still unreadable after `NOTICE_AFTER` the room is told once how to fix it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nio
from nio.store import DefaultStore

from matrixbot.config import Config
from matrixbot.errors import StartupError
from matrixbot.matrix.events import TXN_KEY

log = logging.getLogger(__name__)

NOTICE_AFTER = 60.0
"""Seconds an event may stay unreadable (waiting for its key) before the room is told."""
GIVE_UP_AFTER = 24 * 3600.0


class CryptoStore(DefaultStore):
    """nio's crypto store, minus a database round trip after every sync.

    nio saves "the rooms found encrypted in this sync" after each sync, almost always an empty
    set; that write was most of nio's sync handling in the reply-latency benchmark.
    """

    def save_encrypted_rooms(self, rooms: Iterable[str]) -> None:
        rooms = list(rooms)
        if rooms:
            super().save_encrypted_rooms(rooms)


class BotClient(nio.AsyncClient):
    """nio's client, but an encrypted post keeps its transaction id (`TXN_KEY`) in the clear part
    too, beside its `m.relates_to`: an instance taking over from another device reads it from the
    room's history without the room's keys (matrix/earlier.py). The homeserver sees the id anyway,
    in the request's path; it is a digest of what the post answers, and a count."""

    def encrypt(self, room_id: str, message_type: str, content: dict[Any, Any]) -> tuple[str, dict[str, Any]]:
        kind, encrypted = super().encrypt(room_id, message_type, content)
        if TXN_KEY in content:
            encrypted[TXN_KEY] = content[TXN_KEY]
        return kind, encrypted


def crypto_dir(config: Config) -> Path:
    return config.data_dir / "crypto"


def pickle_key(config: Config) -> str:
    """The crypto store's passphrase: random, created once, kept beside the store (mode 0600)."""
    path = crypto_dir(config) / "pickle_key"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


def check_store(config: Config, device_id: str, known_device: str | None) -> None:
    """Refuse to start when the store of a device that had one is gone: the bot would come up
    unable to read anything sent to it before, silently."""
    store = crypto_dir(config) / f"{config.user_id}_{device_id}.db"
    if known_device == device_id and not store.exists():
        raise StartupError(
            f"the encryption store {store} of device {device_id} is missing, so encrypted messages "
            "cannot be read. Restore it (and pickle_key) from a backup of the data directory, or "
            f"delete {config.data_dir / 'session.json'} to start as a new device (rooms will share "
            "keys with the new device for new messages)."
        )


def load_store(client: nio.AsyncClient, config: Config) -> None:
    try:
        client.load_store()
    except Exception as exc:
        raise StartupError(
            f"the encryption store in {crypto_dir(config)} cannot be opened ({type(exc).__name__}): it is "
            "damaged or its pickle_key does not match. Restore both from a backup, or delete "
            f"{config.data_dir / 'session.json'} to start as a new device."
        ) from None
    if client.olm is None:
        raise StartupError(f"the encryption store in {crypto_dir(config)} could not be loaded")


async def upkeep(client: nio.AsyncClient) -> None:
    """Upload, query and claim keys, and send queued to-device messages (after every sync)."""
    if client.olm is None:
        return
    if client.should_upload_keys:
        await client.keys_upload()
    if client.should_query_keys:
        await client.keys_query()
    if client.should_claim_keys:
        await client.keys_claim(client.get_users_for_key_claiming())
    await client.send_to_device_messages()


def apply_trust(client: nio.AsyncClient, room_id: str, trust: str) -> None:
    """With `verified-only`, unverified devices of the room's members are ignored (no keys)."""
    if client.olm is None or trust != "verified-only":
        return
    room = client.rooms.get(room_id)
    if room is None:
        return
    for user_id in room.users:
        for device in client.device_store.active_user_devices(user_id):
            if not device.verified and not device.ignored and not device.blacklisted:
                client.ignore_device(device)


def fingerprint(client: nio.AsyncClient) -> str:
    """The bot device's ed25519 key, grouped in fours as Element shows it."""
    if client.olm is None:
        return ""
    key = client.olm.account.identity_keys["ed25519"]
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@dataclass
class Unreadable:
    """An encrypted event waiting for its key."""

    event: nio.MegolmEvent
    room_id: str
    first_seen: float
    told: bool = False


PENDING_PER_ROOM = 200
"""At most this many unreadable events are kept waiting for keys per room: anyone can send made-up
"encrypted" events, and each one kept costs a look-up after every sync. Older ones are given up."""
KEY_REQUESTS_PER_SYNC = 5
"""Room key requests sent after a sync, at most (one per megolm session): the rest wait their turn."""


@dataclass
class Decryptor:
    """Keeps events that could not be decrypted, asks for their keys, and decrypts them when the
    keys arrive. What it costs is bounded whatever members send: events kept per room, key requests
    per sync, and a retry is only a look-up until the session's key is there (nio logs a warning
    for every failed decryption, which a flood of made-up events turned into 100,000 lines)."""

    client: nio.AsyncClient
    pending: dict[str, Unreadable] = field(default_factory=dict)
    _asks: list[nio.MegolmEvent] = field(default_factory=list)
    _asked: set[tuple[str, str]] = field(default_factory=set)
    """(room, megolm session) whose key was asked for, once each."""

    async def hold(
        self, source: dict[str, Any], room_id: str, now: float, first_seen: float | None = None
    ) -> None:
        event = nio.MegolmEvent.from_dict(source)
        if not isinstance(event, nio.MegolmEvent):
            return
        event.room_id = room_id
        in_room = [k for k, u in self.pending.items() if u.room_id == room_id]
        for event_id in in_room[: max(0, len(in_room) - PENDING_PER_ROOM + 1)]:
            del self.pending[event_id]  # oldest first: dicts keep insertion order
        self.pending[event.event_id] = Unreadable(event, room_id, first_seen or now)
        session = (room_id, event.session_id or "")
        if session not in self._asked:
            self._asked.add(session)
            self._asks.append(event)

    async def ask_for_keys(self) -> None:
        """Send a few of the queued room key requests (after a sync)."""
        asks, self._asks = self._asks[:KEY_REQUESTS_PER_SYNC], self._asks[KEY_REQUESTS_PER_SYNC:]
        for event in asks:
            with contextlib.suppress(nio.LocalProtocolError):  # already requested for this session
                await self.client.request_room_key(event)

    def retry(self) -> list[tuple[str, str, dict[str, Any], float]]:
        """Events that can be read now: (event_id, room_id, decrypted source, first seen)."""
        readable = []
        olm = self.client.olm
        for event_id, item in list(self.pending.items()):
            event = item.event
            key = (item.room_id, event.sender_key or "", event.session_id or "")
            if olm is None or not olm.inbound_group_store.get(*key):
                continue  # its key has not come: no decryption attempt (and no warning logged)
            try:
                decrypted = self.client.decrypt_event(event)
            except nio.EncryptionError:
                del self.pending[event_id]  # the key is there and it still cannot be read: it never will
                continue
            del self.pending[event_id]
            if isinstance(decrypted, nio.Event) and not isinstance(
                decrypted, nio.BadEvent | nio.UnknownBadEvent
            ):
                readable.append((event_id, item.room_id, decrypted.source, item.first_seen))
        return readable

    def overdue(self, now: float) -> list[Unreadable]:
        """Events unreadable for longer than NOTICE_AFTER that the room was not told about yet, with
        the sender's other untold ones in that room (told about together)."""
        senders = {
            (u.room_id, u.event.sender)
            for u in self.pending.values()
            if not u.told and now - u.first_seen >= NOTICE_AFTER
        }
        due = [u for u in self.pending.values() if not u.told and (u.room_id, u.event.sender) in senders]
        for item in due:
            item.told = True
        for event_id, item in list(self.pending.items()):
            if now - item.first_seen > GIVE_UP_AFTER:
                del self.pending[event_id]
        return due
