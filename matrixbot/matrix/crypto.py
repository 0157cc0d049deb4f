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


@dataclass
class Decryptor:
    """Keeps events that could not be decrypted and retries them when keys may have arrived."""

    client: nio.AsyncClient
    pending: dict[str, Unreadable] = field(default_factory=dict)

    async def hold(
        self, source: dict[str, Any], room_id: str, now: float, first_seen: float | None = None
    ) -> None:
        event = nio.MegolmEvent.from_dict(source)
        if not isinstance(event, nio.MegolmEvent):
            return
        event.room_id = room_id
        self.pending[event.event_id] = Unreadable(event, room_id, first_seen or now)
        with contextlib.suppress(nio.LocalProtocolError):  # already requested for this session
            await self.client.request_room_key(event)

    def retry(self) -> list[tuple[str, str, dict[str, Any], float]]:
        """Events that can be read now: (event_id, room_id, decrypted source, first seen)."""
        readable = []
        for event_id, item in list(self.pending.items()):
            try:
                decrypted = self.client.decrypt_event(item.event)
            except nio.EncryptionError:
                continue
            if isinstance(decrypted, nio.Event) and not isinstance(
                decrypted, nio.BadEvent | nio.UnknownBadEvent
            ):
                del self.pending[event_id]
                readable.append((event_id, item.room_id, decrypted.source, item.first_seen))
        return readable

    def overdue(self, now: float) -> list[Unreadable]:
        """Events unreadable for longer than NOTICE_AFTER that the room was not told about yet."""
        due = [u for u in self.pending.values() if not u.told and now - u.first_seen >= NOTICE_AFTER]
        for item in due:
            item.told = True
        for event_id, item in list(self.pending.items()):
            if now - item.first_seen > GIVE_UP_AFTER:
                del self.pending[event_id]
        return due
