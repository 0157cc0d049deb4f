"""The homeserver as the bot sees it: a typed protocol of the calls it makes, and matrix-nio's
implementation of it.

The engine and the Matrix layer (sync, sender, rooms, gaps) call only `Transport`: sync, send,
redact, upload, create a room, join, leave, a room's messages and state, and close; and they read
the rooms the syncs have told of (`rooms`). End-to-end encryption stays matrix-nio's: a transport
that has it offers it as `encryption` (decrypting held events, key upkeep after a sync, the
devices a plugin may see), and sends encrypt by themselves. The test kit's `FakeClient` implements
the same protocol, so a `FakeBot` is a `Bot` built with a fake transport.

Answers are matrix-nio's response types (`nio.RoomSendResponse` or an error response), whoever
implements the protocol: they already say what happened, and the sender classifies them.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import quote

import nio

from matrixbot.config import Config
from matrixbot.datadir import make_private
from matrixbot.db import Database
from matrixbot.matrix import crypto
from matrixbot.matrix.devices import Devices
from matrixbot.matrix.session import log_in

log = logging.getLogger(__name__)


class Member(Protocol):
    @property
    def display_name(self) -> str | None: ...


class RoomState(Protocol):
    """What the syncs told of a room: its members (joined and invited), name and encryption."""

    @property
    def users(self) -> Mapping[str, Member]: ...

    @property
    def invited_users(self) -> Mapping[str, Member]: ...

    @property
    def display_name(self) -> str: ...

    @property
    def encrypted(self) -> bool: ...


class Encryption(Protocol):
    """End-to-end encryption, matrix-nio's: what the engine asks of it."""

    @property
    def decryptor(self) -> crypto.Decryptor: ...

    @property
    def fingerprint(self) -> str: ...

    async def upkeep(self) -> None:
        """Upload, query and claim keys and send queued to-device messages (after every sync)."""


class Transport(Protocol):
    """The homeserver calls the bot makes. Errors that pass (network, timeouts) are raised; what the
    homeserver answers comes back as matrix-nio's response types."""

    @property
    def user_id(self) -> str: ...

    @property
    def device_id(self) -> str: ...

    @property
    def rooms(self) -> Mapping[str, RoomState]:
        """The rooms the bot is in, as the syncs so far told of them."""
        ...

    @property
    def encryption(self) -> Encryption | None: ...

    @property
    def devices(self) -> Devices:
        """The bot's encryption session and the members' devices (none without encryption)."""
        ...

    async def connect(self, db: Database) -> None:
        """Log in (or resume the stored session) and open what the transport keeps; idempotent."""

    async def sync(
        self, *, timeout: int, sync_filter: dict[str, Any], since: str | None, full_state: bool | None
    ) -> nio.SyncResponse | nio.SyncError: ...

    async def send(
        self, room_id: str, event_type: str, content: dict[str, Any], txn_id: str
    ) -> nio.RoomSendResponse | nio.RoomSendError: ...

    async def redact(
        self, room_id: str, event_id: str, reason: str | None = None
    ) -> nio.RoomRedactResponse | nio.RoomRedactError: ...

    async def upload(
        self, data: bytes, content_type: str, filename: str, *, encrypt: bool
    ) -> tuple[nio.UploadResponse | nio.UploadError, dict[str, Any] | None]: ...

    async def create_direct_room(self, user_id: str) -> nio.RoomCreateResponse | nio.RoomCreateError: ...

    async def join(self, room_id: str, via: Sequence[str] = ()) -> bool:
        """Join by id, through the servers `via` when the bot's own does not know the room yet."""
        ...

    async def leave(self, room_id: str, reason: str | None = None) -> bool:
        """Leave (or reject an invite) with a reason the others' clients show."""
        ...

    async def messages(
        self, room_id: str, *, start: str, end: str, limit: int
    ) -> nio.RoomMessagesResponse | nio.RoomMessagesError:
        """A page of a room's events, backwards from `start` to `end`."""
        ...

    async def state(self, room_id: str) -> nio.RoomGetStateResponse | nio.RoomGetStateError: ...

    async def state_event(
        self, room_id: str, event_type: str, state_key: str = ""
    ) -> nio.RoomGetStateEventResponse | nio.RoomGetStateEventError: ...

    async def close(self) -> None: ...


class NioEncryption:
    """matrix-nio's end-to-end encryption, opened on the bot's device store."""

    def __init__(self, client: nio.AsyncClient) -> None:
        self._client = client
        self.decryptor = crypto.Decryptor(client)

    @property
    def fingerprint(self) -> str:
        return crypto.fingerprint(self._client)

    async def upkeep(self) -> None:
        await crypto.upkeep(self._client)


class NioTransport:
    """`Transport` by matrix-nio: its client, logged in on the bot's stored session and device,
    with the encryption store of that device when `e2ee.enabled`."""

    def __init__(self, config: Config, *, on_error: Callable[[nio.ErrorResponse], Awaitable[None]]) -> None:
        self._config = config
        self.nio: nio.AsyncClient = crypto.BotClient(
            config.homeserver,
            config.user_id,
            config=nio.AsyncClientConfig(
                max_timeouts=0,
                request_timeout=60,
                store_sync_tokens=False,
                encryption_enabled=config.e2ee.enabled,
                pickle_key=crypto.pickle_key(config) if config.e2ee.enabled else "",
                store=crypto.CryptoStore,
            ),
        )
        # nio annotates the callback as a coroutine object; it takes (and awaits when needed) a callable
        self.nio.add_response_callback(on_error, nio.ErrorResponse)  # type: ignore[arg-type]
        self._encryption: NioEncryption | None = None
        self._connected = False

    @property
    def user_id(self) -> str:
        return self.nio.user_id

    @property
    def device_id(self) -> str:
        return self.nio.device_id or ""

    @property
    def rooms(self) -> Mapping[str, RoomState]:
        return self.nio.rooms

    @property
    def encryption(self) -> NioEncryption | None:
        return self._encryption

    @property
    def devices(self) -> Devices:
        return Devices(self.nio)

    async def connect(self, db: Database) -> None:
        if self._connected:
            return
        session = await log_in(self.nio, self._config)
        self.nio.user_id, self.nio.device_id = session.user_id, session.device_id
        self.nio.access_token = session.access_token
        if self._config.e2ee.enabled:
            await self._open_crypto_store(session.device_id, db)
        self._connected = True

    async def _open_crypto_store(self, device_id: str, db: Database) -> None:
        """Open (or create) this device's crypto store; a lost or damaged one stops the start."""
        config = self._config
        # one row per device: a standby is another device on the same database (older: 'crypto_device')
        key = f"crypto_device.{device_id}"
        known = await db.fetch_value(
            "SELECT value FROM meta WHERE key IN ('crypto_device', ?) AND value = ?", (key, device_id)
        )
        crypto.check_store(config, device_id, known)
        self.nio.store_path = str(crypto.crypto_dir(config))
        crypto.load_store(self.nio, config)
        make_private(config.data_dir)  # nio creates its store file 0644
        await db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", (key, device_id)
        )
        self._encryption = NioEncryption(self.nio)
        await self._encryption.upkeep()

    async def sync(
        self, *, timeout: int, sync_filter: dict[str, Any], since: str | None, full_state: bool | None
    ) -> nio.SyncResponse | nio.SyncError:
        answer: nio.SyncResponse | nio.SyncError = await self.nio.sync(
            timeout=timeout, sync_filter=sync_filter, since=since, full_state=full_state
        )
        return answer

    async def send(
        self, room_id: str, event_type: str, content: dict[str, Any], txn_id: str
    ) -> nio.RoomSendResponse | nio.RoomSendError:
        trust = self._config.e2ee.trust
        crypto.apply_trust(self.nio, room_id, trust)
        answer: nio.RoomSendResponse | nio.RoomSendError = await self.nio.room_send(
            room_id, event_type, content, tx_id=txn_id, ignore_unverified_devices=trust == "all"
        )
        return answer

    async def redact(
        self, room_id: str, event_id: str, reason: str | None = None
    ) -> nio.RoomRedactResponse | nio.RoomRedactError:
        answer: nio.RoomRedactResponse | nio.RoomRedactError = await self.nio.room_redact(
            room_id, event_id, reason=reason
        )
        return answer

    async def upload(
        self, data: bytes, content_type: str, filename: str, *, encrypt: bool
    ) -> tuple[nio.UploadResponse | nio.UploadError, dict[str, Any] | None]:
        answer: tuple[nio.UploadResponse | nio.UploadError, dict[str, Any] | None] = await self.nio.upload(
            io.BytesIO(data),
            content_type=content_type,
            filename=filename,
            encrypt=encrypt,
            filesize=len(data),
        )
        return answer

    async def create_direct_room(self, user_id: str) -> nio.RoomCreateResponse | nio.RoomCreateError:
        answer: nio.RoomCreateResponse | nio.RoomCreateError = await self.nio.room_create(
            is_direct=True, invite=[user_id], preset=nio.RoomPreset.trusted_private_chat
        )
        return answer

    async def join(self, room_id: str, via: Sequence[str] = ()) -> bool:
        # nio's `join` cannot name servers to join through: the request is sent as nio would
        method, path = nio.Api.join(self.nio.access_token, room_id)
        path += "".join(f"&server_name={quote(server)}" for server in via)
        response = await self.nio._send(nio.JoinResponse, method, path, nio.Api.to_json({}))
        return isinstance(response, nio.JoinResponse)

    async def leave(self, room_id: str, reason: str | None = None) -> bool:
        # nio's `room_leave` cannot send a reason
        method, path = nio.Api.room_leave(self.nio.access_token, room_id)
        body = nio.Api.to_json({"reason": reason} if reason else {})
        response = await self.nio._send(nio.RoomLeaveResponse, method, path, body)
        return isinstance(response, nio.RoomLeaveResponse)

    async def messages(
        self, room_id: str, *, start: str, end: str, limit: int
    ) -> nio.RoomMessagesResponse | nio.RoomMessagesError:
        answer: nio.RoomMessagesResponse | nio.RoomMessagesError = await self.nio.room_messages(
            room_id, start=start, end=end, direction=nio.MessageDirection.back, limit=limit
        )
        return answer

    async def state(self, room_id: str) -> nio.RoomGetStateResponse | nio.RoomGetStateError:
        answer: nio.RoomGetStateResponse | nio.RoomGetStateError = await self.nio.room_get_state(room_id)
        return answer

    async def state_event(
        self, room_id: str, event_type: str, state_key: str = ""
    ) -> nio.RoomGetStateEventResponse | nio.RoomGetStateEventError:
        answer: (
            nio.RoomGetStateEventResponse | nio.RoomGetStateEventError
        ) = await self.nio.room_get_state_event(room_id, event_type, state_key)
        return answer

    async def close(self) -> None:
        await self.nio.close()
