"""`ChatClient`: a person in a Matrix chat, driven by code.

Tests, the demo's terminal chat and benchmarks use it as the human side of a conversation with the
bot. It is a real matrix-nio client against a real homeserver (see `matrixbot.testing.synapse`): a
background sync task records every timeline event of every room into one ordered log, and
`wait_for` blocks on that log, woken by the sync task, without polling.

    alice = await ChatClient.connect(hs.url, hs.register("alice"))
    room = await alice.create_room(invite=[bot_id])
    alice.mark()
    asked = await alice.say(room, "!help")
    answer = await alice.wait_for_reply(asked, sender=bot_id)

In encrypted mode the client behaves like Element: it encrypts everything it sends to an
encrypted room (reactions too, which nio's `room_send` would leave in clear), trusts every device it
meets, and records the decrypted type and content of what it receives.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import inspect
import json
import logging
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse
from uuid import uuid4

import nio
from nio.api import Api, MessageDirection, RoomPreset
from nio.event_builders import EnableEncryptionBuilder
from nio.exceptions import EncryptionError

from matrixbot.matrix.markup import FSI, PDI
from matrixbot.testing.synapse import Account

__all__ = ["ChatClient", "MatrixRequestError", "Seen"]

log = logging.getLogger(__name__)

#: How long one sync long-poll may wait on the server. `until_synced` cuts it short when needed.
SYNC_TIMEOUT_MS = 30_000
#: Timeline events per room and sync; Synapse's default of 10 loses messages sent in a burst.
TIMELINE_LIMIT = 100
#: At most this many /messages pages are fetched to fill one gap in a limited timeline.
_MAX_GAP_PAGES = 10
#: Undecryptable events kept for another try once their room key arrives.
_MAX_PENDING_DECRYPTION = 500
_BACKOFF_START = 0.1
_BACKOFF_MAX = 5.0
_DUMP_EVENTS = 25


class MatrixRequestError(RuntimeError):
    """The homeserver refused a request the client made on the person's behalf."""

    def __init__(self, what: str, response: object) -> None:
        self.status_code = getattr(response, "status_code", None)
        self.response = response
        message = getattr(response, "message", None) or repr(response)
        super().__init__(f"{what} failed: {self.status_code} {message}")


@dataclass
class Seen:
    """One event the client saw, normalised.

    `type` and `content` are those of the decrypted event when it arrived encrypted (`encrypted`
    is then True); an event that could not be decrypted (yet) has type `m.room.encrypted`, and if
    its key arrives later the decrypted event is logged again, with the same `event_id`.
    Invites are logged from the invite's stripped state (`event_id` may be empty there).
    """

    event_id: str
    room_id: str
    sender: str
    type: str
    content: dict[str, Any]
    ts: int
    state_key: str | None = None
    encrypted: bool = False
    source: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    #: Index in the client's log: `wait_for(..., after=seen.position + 1)` looks at what came next.
    position: int = field(default=-1, compare=False)

    @property
    def body(self) -> str:
        """The body as a person reads it: without the invisible marks that isolate user values
        (FSI … PDI); `content["body"]` has them."""
        body = self.content.get("body")
        return body.replace(FSI, "").replace(PDI, "") if isinstance(body, str) else ""

    @property
    def msgtype(self) -> str | None:
        msgtype = self.content.get("msgtype")
        return msgtype if isinstance(msgtype, str) else None

    @property
    def formatted_body(self) -> str | None:
        formatted = self.content.get("formatted_body")
        return formatted if isinstance(formatted, str) else None

    @property
    def relates_to(self) -> dict[str, Any]:
        relates_to = self.content.get("m.relates_to")
        return relates_to if isinstance(relates_to, dict) else {}

    @property
    def reply_to(self) -> str | None:
        """The event this one answers (`m.in_reply_to`), also inside a thread."""
        in_reply_to = self.relates_to.get("m.in_reply_to")
        if isinstance(in_reply_to, dict) and isinstance(in_reply_to.get("event_id"), str):
            return str(in_reply_to["event_id"])
        return None

    @property
    def thread_root(self) -> str | None:
        if self.relates_to.get("rel_type") == "m.thread":
            root = self.relates_to.get("event_id")
            return root if isinstance(root, str) else None
        return None

    @property
    def mentions(self) -> list[str]:
        mentions = self.content.get("m.mentions")
        user_ids = mentions.get("user_ids") if isinstance(mentions, dict) else None
        return [u for u in user_ids if isinstance(u, str)] if isinstance(user_ids, list) else []

    @property
    def redacts(self) -> str | None:
        """For `m.room.redaction`: the redacted event (in `content` from room v11, top level before)."""
        redacts = self.content.get("redacts", self.source.get("redacts"))
        return redacts if isinstance(redacts, str) else None

    @property
    def membership(self) -> str | None:
        if self.type != "m.room.member":
            return None
        membership = self.content.get("membership")
        return membership if isinstance(membership, str) else None

    def describe(self) -> str:
        """One readable line, for failure messages."""
        detail = ""
        if self.type == "m.room.message":
            detail = f"{self.msgtype} {self.body[:120]!r}"
        elif self.membership is not None:
            detail = f"{self.state_key} {self.membership}"
        elif self.type == "m.reaction":
            detail = f"{self.relates_to.get('key')!r} on {self.relates_to.get('event_id')}"
        elif self.type == "m.room.redaction":
            detail = f"of {self.redacts}"
        else:
            detail = _short_json(self.content)
        extra = []
        if self.reply_to:
            extra.append(f"reply_to={self.reply_to}")
        if self.thread_root:
            extra.append(f"thread={self.thread_root}")
        if self.encrypted:
            extra.append("encrypted")
        tail = f" [{', '.join(extra)}]" if extra else ""
        return f"{self.room_id} {self.sender} {self.type} {detail}{tail} ({self.event_id or 'no id'})"


class ChatClient:
    """A person in a chat: sends like a client and records everything it sees, in order."""

    def __init__(self, client: nio.AsyncClient, account: Account, *, store_dir: Path | None) -> None:
        self.nio = client
        self.account = account
        self.user_id = account.user_id
        self.encrypted = client.olm is not None
        self._owned_store_dir = store_dir
        self._log: list[Seen] = []
        self._recorded_ids: set[str] = set()
        self._known_rooms: set[str] = set()
        self._pending_decryption: list[tuple[nio.MegolmEvent, str]] = []
        self._mark = 0
        self._changed = asyncio.Condition()
        self._crypto_lock = asyncio.Lock()
        self._filter_id: str | None = None
        self._rounds_started = 0
        self._rounds_done = 0
        self._wake = False
        self._poll: asyncio.Task[Any] | None = None
        self._sync_task: asyncio.Task[None] | None = None
        self._last_sync_error: str | None = None
        self._closed = False
        self._pause_requested = False

    # -- life cycle ---------------------------------------------------------------------------

    @classmethod
    async def connect(
        cls,
        homeserver_url: str,
        account: Account,
        *,
        encrypted: bool = False,
        store_dir: Path | None = None,
    ) -> ChatClient:
        """Log in with the account's access token and return once the first sync is recorded.

        `store_dir` keeps the crypto store (encrypted mode only); None uses a temporary directory
        that `close()` removes.
        """
        owned: Path | None = None
        if encrypted:
            if store_dir is None:
                store_dir = owned = Path(tempfile.mkdtemp(prefix="chatclient-"))
            store_dir.mkdir(parents=True, exist_ok=True)
        config = nio.AsyncClientConfig(
            encryption_enabled=encrypted,
            store_sync_tokens=encrypted,
            max_timeouts=5,
        )
        client = nio.AsyncClient(
            homeserver_url,
            account.user_id,
            device_id=account.device_id,
            store_path=str(store_dir) if encrypted else "",
            config=config,
        )
        if encrypted:
            client.restore_login(account.user_id, account.device_id, account.access_token)
        else:
            client.user_id, client.access_token = account.user_id, account.access_token
        chat = cls(client, account, store_dir=owned)
        try:
            await chat._start()
        except BaseException:
            await chat.close()
            raise
        return chat

    async def _start(self) -> None:
        uploaded = _check(
            await self.nio.upload_filter(room={"timeline": {"limit": TIMELINE_LIMIT}}),
            nio.UploadFilterResponse,
            "uploading the sync filter",
        )
        self._filter_id = uploaded.filter_id
        if self.encrypted:
            await self._crypto_housekeeping()
        self._sync_task = asyncio.create_task(self._sync_loop(), name=f"sync {self.user_id}")
        await self._wait_state(lambda: self._rounds_done >= 1, within=30.0, what="the first sync")

    async def close(self) -> None:
        """Stop syncing and close the HTTP session (and remove a temporary crypto store)."""
        if self._closed:
            return
        self._closed = True
        task, self._sync_task = self._sync_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.nio.close()
        if self._owned_store_dir is not None:
            shutil.rmtree(self._owned_store_dir, ignore_errors=True)

    @contextlib.asynccontextmanager
    async def offline(self) -> AsyncIterator[None]:
        """Stop syncing for a while, like a phone without signal; syncing resumes where it stopped.

        The sync loop is stopped between two rounds, never in the middle of one.
        """
        task = self._sync_task
        if task is None:
            raise RuntimeError("this ChatClient is closed or already offline")
        self._pause_requested = True
        if self._poll is not None and not self._poll.done():
            self._poll.cancel()
        await task
        self._sync_task = None
        try:
            yield
        finally:
            self._pause_requested = False
            if not self._closed:
                self._wake = True
                self._sync_task = asyncio.create_task(self._sync_loop(), name=f"sync {self.user_id}")

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- rooms --------------------------------------------------------------------------------

    async def create_room(
        self,
        *,
        name: str | None = None,
        invite: Sequence[str] = (),
        encrypted: bool = False,
        power_levels: dict[str, Any] | None = None,
        direct: bool = False,
    ) -> str:
        """Create a room (private, or a trusted private DM when `direct`) and wait until synced."""
        created = _check(
            await self.nio.room_create(
                name=name,
                invite=list(invite),
                is_direct=direct,
                preset=RoomPreset.trusted_private_chat if direct else RoomPreset.private_chat,
                initial_state=[EnableEncryptionBuilder().as_dict()] if encrypted else [],
                power_level_override=power_levels,
            ),
            nio.RoomCreateResponse,
            "creating a room",
        )
        room_id: str = created.room_id
        await self.until_synced()
        await self.wait_for_membership(room_id, self.user_id, "join")
        return room_id

    async def invite(self, room_id: str, user_id: str) -> None:
        _check(await self.nio.room_invite(room_id, user_id), nio.RoomInviteResponse, f"inviting {user_id}")

    async def join(self, room_id: str) -> None:
        """Join (or accept an invite to) a room; returns once the client's own sync has the room."""
        _check(await self.nio.join(room_id), nio.JoinResponse, f"joining {room_id}")
        await self.until_synced()
        await self.wait_for_membership(room_id, self.user_id, "join")

    async def leave(self, room_id: str) -> None:
        _check(await self.nio.room_leave(room_id), nio.RoomLeaveResponse, f"leaving {room_id}")
        await self.until_synced()
        await self.wait_for_membership(room_id, self.user_id, "leave")

    async def set_power_level(self, room_id: str, user_id: str, level: int) -> None:
        """Read-modify-write `m.room.power_levels`; returns once the client's own sync has it."""
        current = _check(
            await self.nio.room_get_state_event(room_id, "m.room.power_levels"),
            nio.RoomGetStateEventResponse,
            "reading power levels",
        )
        content = copy.deepcopy(current.content)
        content.setdefault("users", {})[user_id] = level
        put = _check(
            await self.nio.room_put_state(room_id, "m.room.power_levels", content),
            nio.RoomPutStateResponse,
            f"setting the power level of {user_id}",
        )
        await self.wait_for(lambda e: e.event_id == put.event_id, after=0)

    # -- sending ------------------------------------------------------------------------------

    async def say(
        self,
        room_id: str,
        body: str,
        *,
        html: str | None = None,
        thread_root: str | None = None,
        reply_to: str | None = None,
        msgtype: str = "m.text",
        mentions: Sequence[str] | None = None,
    ) -> str:
        """Send a message and return its event id.

        In a thread, `m.in_reply_to` points at `reply_to`, or at the root when not given, with
        `is_falling_back: false`. `mentions` fills `m.mentions.user_ids`.
        """
        content: dict[str, Any] = {"msgtype": msgtype, "body": body}
        if html is not None:
            content["format"] = "org.matrix.custom.html"
            content["formatted_body"] = html
        if thread_root is not None:
            content["m.relates_to"] = {
                "rel_type": "m.thread",
                "event_id": thread_root,
                "is_falling_back": False,
                "m.in_reply_to": {"event_id": reply_to or thread_root},
            }
        elif reply_to is not None:
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
        if mentions is not None:
            content["m.mentions"] = {"user_ids": list(mentions)}
        return await self.send(room_id, "m.room.message", content)

    async def send(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        """Send any room event (encrypted in an encrypted room) and return its event id."""
        if self._room_is_encrypted(room_id):
            if not self.encrypted:
                raise ValueError(f"{room_id} is encrypted: connect this ChatClient with encrypted=True")
            async with self._crypto_lock:
                await self._prepare_room_keys(room_id)
                event_type, content = self.nio.encrypt(room_id, event_type, content)
        method, path, data = Api.room_send(self.nio.access_token, room_id, event_type, content, uuid4())
        sent = _check(
            await self.nio._send(nio.RoomSendResponse, method, path, data, (room_id,)),
            nio.RoomSendResponse,
            f"sending {event_type}",
        )
        event_id: str = sent.event_id
        return event_id

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        relation = {"rel_type": "m.annotation", "event_id": event_id, "key": key}
        return await self.send(room_id, "m.reaction", {"m.relates_to": relation})

    async def redact(self, room_id: str, event_id: str, reason: str | None = None) -> None:
        _check(
            await self.nio.room_redact(room_id, event_id, reason),
            nio.RoomRedactResponse,
            f"redacting {event_id}",
        )

    # -- what was seen ------------------------------------------------------------------------

    def mark(self) -> int:
        """Remember the current log position: `wait_for` and `assert_quiet` look from here on."""
        self._mark = len(self._log)
        return self._mark

    def events(self, room_id: str | None = None, *, since: int = 0) -> list[Seen]:
        return [e for e in self._log[since:] if room_id is None or e.room_id == room_id]

    def membership(self, room_id: str, user_id: str) -> str | None:
        """The latest membership of `user_id` in `room_id` this client has seen."""
        for event in reversed(self._log):
            if event.room_id == room_id and event.state_key == user_id and event.membership:
                return event.membership
        return None

    async def wait_for(
        self,
        predicate: Callable[[Seen], bool],
        *,
        timeout: float = 10.0,
        after: int | None = None,
    ) -> Seen:
        """The first logged event from `after` (default: the last `mark()`) matching `predicate`.

        Raises AssertionError listing the recent events if none arrives within `timeout` seconds.
        """
        start = self._mark if after is None else after
        event = await self.next_event(predicate, timeout=timeout, after=start)
        if event is None:
            raise AssertionError(
                f"{self.user_id} saw no event matching {_describe(predicate)} "
                f"within {timeout:g} s (searched from #{start})\n{self._dump(start)}"
            )
        return event

    async def next_event(
        self,
        predicate: Callable[[Seen], bool],
        *,
        timeout: float,
        after: int | None = None,
    ) -> Seen | None:
        """The first logged event from `after` (default: the last `mark()`) matching `predicate`, or
        None when none arrives within `timeout` seconds (the demo's "no more answers")."""
        position = self._mark if after is None else after
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with self._changed:
            while True:
                for event in self._log[position:]:
                    if predicate(event):
                        return event
                position = len(self._log)
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_for_reply(
        self,
        event_id: str,
        *,
        sender: str | None = None,
        timeout: float = 10.0,
    ) -> Seen:
        """The first `m.room.message` answering `event_id` (`m.in_reply_to`, in a thread or not)."""

        def is_reply(event: Seen) -> bool:
            return (
                event.type == "m.room.message"
                and event.reply_to == event_id
                and (sender is None or event.sender == sender)
            )

        is_reply.__qualname__ = f"reply to {event_id}" + (f" from {sender}" if sender else "")
        return await self.wait_for(is_reply, timeout=timeout, after=0)

    async def wait_for_membership(
        self,
        room_id: str,
        user_id: str,
        membership: str = "join",
        *,
        timeout: float = 10.0,
    ) -> None:
        """Wait until this client has seen `user_id`'s membership in `room_id` become `membership`.

        In an encrypted room, wait for the other side's join before saying something they must
        be able to decrypt: room keys go only to members the sender's client knows.
        """
        await self._wait_state(
            lambda: self.membership(room_id, user_id) == membership,
            within=timeout,
            what=f"{user_id} {membership} in {room_id}",
        )

    async def assert_quiet(
        self, predicate: Callable[[Seen], bool], *, for_seconds: float, after: int | None = None
    ) -> None:
        """Assert that no matching event is logged from `after` (default: last mark) for a while.

        Ends with `until_synced()`, so whatever the server had by the end of the window counts.
        """
        start = self._mark if after is None else after
        try:
            found = await self.wait_for(predicate, timeout=for_seconds, after=start)
        except AssertionError:
            found = None
        if found is not None:
            raise _Unexpected(found)
        await self.until_synced()
        for event in self._log[start:]:
            if predicate(event):
                raise _Unexpected(event)

    async def until_synced(self, *, timeout: float = 30.0) -> None:
        """Wait for a sync round that started after this call, so the log has all the server had.

        A long-poll in flight is cut short and the next request asks for an immediate answer.
        """
        if self._sync_task is None:
            raise RuntimeError(f"{self.user_id} is not syncing (closed, or inside offline())")
        wanted = self._rounds_started + 1
        self._wake = True
        if self._poll is not None and not self._poll.done():
            self._poll.cancel()
        await self._wait_state(lambda: self._rounds_done >= wanted, within=timeout, what="a sync round")

    # -- sync ---------------------------------------------------------------------------------

    async def _sync_loop(self) -> None:
        """Sync forever, with a capped backoff on errors (nio's `sync_forever` has none)."""
        backoff = _BACKOFF_START
        while not self._pause_requested:
            self._rounds_started += 1
            round_number = self._rounds_started
            prompt = self._wake or round_number == 1
            self._wake = False
            try:
                response = await self._sync_once(0 if prompt else SYNC_TIMEOUT_MS)
                if response is None:
                    continue
                if not isinstance(response, nio.SyncResponse):
                    raise MatrixRequestError("sync", response)
                await self._record_sync(response)
                if self.encrypted:
                    await self._crypto_housekeeping()
                    self._retry_decryption()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self._last_sync_error = f"{type(error).__name__}: {error}"
                log.warning("%s: sync failed, retrying in %.1f s: %s", self.user_id, backoff, error)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _BACKOFF_MAX)
                continue
            backoff = _BACKOFF_START
            async with self._changed:
                self._rounds_done = round_number
                self._changed.notify_all()

    async def _sync_once(self, timeout_ms: int) -> nio.SyncResponse | nio.SyncError | None:
        """One /sync; None if `until_synced` cut the long-poll short.

        nio's `sync()` reads the answer and updates its state in one go, so it cannot be cancelled
        safely. Here only the wait for the answer's headers is cancellable; nothing is lost then,
        as the next request repeats it from the same token.
        """
        method, path = Api.sync(
            self.nio.access_token,
            # Not nio's stored token: a new ChatClient starts with a full sync, so that it knows
            # every room (nio keeps rooms in memory only) and its log starts complete.
            since=self.nio.next_batch or None,
            timeout=timeout_ms or None,
            filter=self._filter_id,
        )
        url = list(urlparse(path))
        query = parse_qs(url[4])
        query.pop("access_token", None)
        url[4] = urlencode(query, doseq=True)
        headers = {"Authorization": f"Bearer {self.nio.access_token}"}
        self._poll = asyncio.ensure_future(
            self.nio.send(method, urlunparse(url), None, headers, timeout=timeout_ms / 1000 + 15)
        )
        try:
            transport = await self._poll
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            return None
        finally:
            self._poll = None
        response = await self.nio.create_matrix_response(nio.SyncResponse, transport)
        if isinstance(response, nio.SyncResponse):
            await self.nio.receive_response(response)
            return response
        return response if isinstance(response, nio.SyncError) else nio.SyncError(repr(response))

    async def _record_sync(self, response: nio.SyncResponse) -> None:
        for room_id, invite in response.rooms.invite.items():
            for event in invite.invite_state:
                # nio pops "content" out of an invite member event's source and keeps it apart.
                if isinstance(event, nio.InviteMemberEvent) and event.state_key == self.user_id:
                    self._append(_seen({**event.source, "content": event.content}, room_id))
        for room_id, info in response.rooms.join.items():
            timeline = info.timeline
            if timeline.limited and room_id in self._known_rooms and timeline.prev_batch:
                for event in await self._fill_gap(room_id, timeline.prev_batch):
                    self._record_event(event, room_id)
            self._known_rooms.add(room_id)
            for event in timeline.events:
                self._record_event(event, room_id)
        for room_id, info in response.rooms.leave.items():
            for event in info.timeline.events:
                self._record_event(event, room_id)
            self._known_rooms.discard(room_id)

    async def _fill_gap(self, room_id: str, token: str) -> list[Any]:
        """Events between the previous sync and a limited timeline, oldest first."""
        found: list[Any] = []
        for _ in range(_MAX_GAP_PAGES):
            page = await self.nio.room_messages(
                room_id, start=token, direction=MessageDirection.back, limit=TIMELINE_LIMIT
            )
            if not isinstance(page, nio.RoomMessagesResponse):
                self._last_sync_error = f"filling a timeline gap in {room_id}: {page}"
                break
            for event in page.chunk:
                if getattr(event, "source", {}).get("event_id") in self._recorded_ids:
                    return found[::-1]
                found.append(event)
            if not page.chunk or not page.end:
                break
            token = page.end
        return found[::-1]

    def _record_event(self, event: Any, room_id: str) -> None:
        source: dict[str, Any] = getattr(event, "source", None) or {}
        if isinstance(event, nio.MegolmEvent):
            if len(self._pending_decryption) >= _MAX_PENDING_DECRYPTION:
                self._pending_decryption.pop(0)
            self._pending_decryption.append((event, room_id))
            self._append(_seen(source, room_id, encrypted=True), remember=False)
            return
        self._append(_seen(source, room_id, encrypted=bool(getattr(event, "decrypted", False))))

    def _retry_decryption(self) -> None:
        """Room keys can arrive after their messages; log such a message once it can be read."""
        olm = self.nio.olm
        if olm is None:
            return
        still_pending: list[tuple[nio.MegolmEvent, str]] = []
        for event, room_id in self._pending_decryption:
            try:
                decrypted = olm.decrypt_megolm_event(event, room_id)
            except EncryptionError:
                still_pending.append((event, room_id))
                continue
            self._append(_seen(getattr(decrypted, "source", {}), room_id, encrypted=True))
        self._pending_decryption = still_pending

    def _append(self, seen: Seen, *, remember: bool = True) -> None:
        if seen.event_id and seen.event_id in self._recorded_ids:
            return
        if remember and seen.event_id:
            self._recorded_ids.add(seen.event_id)
        seen.position = len(self._log)
        self._log.append(seen)

    # -- encryption ---------------------------------------------------------------------------

    async def _crypto_housekeeping(self) -> None:
        """What nio's `sync_forever` does between syncs: keys up, keys down, to-device out."""
        async with self._crypto_lock:
            if self.nio.should_upload_keys:
                _check(await self.nio.keys_upload(), nio.KeysUploadResponse, "uploading keys")
            if self.nio.should_query_keys:
                _check(await self.nio.keys_query(), nio.KeysQueryResponse, "querying keys")
            if self.nio.should_claim_keys:
                _check(
                    await self.nio.keys_claim(self.nio.get_users_for_key_claiming()),
                    nio.KeysClaimResponse,
                    "claiming keys",
                )
            for sent in await self.nio.send_to_device_messages():
                _check(sent, nio.ToDeviceResponse, "sending to-device messages")
            self._trust_everyone()

    async def _prepare_room_keys(self, room_id: str) -> None:
        """Make sure every member's devices are known, trusted and hold our current room key."""
        room = self.nio.rooms[room_id]
        if not room.members_synced:
            _check(await self.nio.joined_members(room_id), nio.JoinedMembersResponse, "loading members")
        if self.nio.should_query_keys:
            _check(await self.nio.keys_query(), nio.KeysQueryResponse, "querying keys")
        self._trust_everyone()
        if self.nio.olm is not None and self.nio.olm.should_share_group_session(room_id):
            _check(
                await self.nio.share_group_session(room_id, ignore_unverified_devices=True),
                nio.ShareGroupSessionResponse,
                f"sharing the room key of {room_id}",
            )

    def _trust_everyone(self) -> None:
        """A test person trusts every device it meets, as if they had all been verified."""
        olm = self.nio.olm
        if olm is None:
            return
        for device in self.nio.device_store:
            if not olm.is_device_verified(device):
                self.nio.verify_device(device)

    def _room_is_encrypted(self, room_id: str) -> bool:
        room = self.nio.rooms.get(room_id)
        return bool(room is not None and room.encrypted)

    # -- helpers ------------------------------------------------------------------------------

    async def _wait_state(self, condition: Callable[[], bool], *, within: float, what: str) -> None:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(condition), within)
            except TimeoutError:
                raise AssertionError(
                    f"{self.user_id}: no {what} within {within:g} s\n{self._dump(max(0, self._mark - 5))}"
                ) from None

    def _dump(self, start: int) -> str:
        first = max(start, len(self._log) - _DUMP_EVENTS)
        lines = [f"  #{i} {self._log[i].describe()}" for i in range(first, len(self._log))]
        if not lines:
            lines = ["  (no events)"]
        elif first > start:
            lines.insert(0, f"  ... {first - start} earlier events")
        status = f"sync rounds done: {self._rounds_done}; last sync error: {self._last_sync_error or 'none'}"
        if self._pending_decryption:
            status += f"; undecryptable events waiting for keys: {len(self._pending_decryption)}"
        return "\n".join([f"events seen by {self.user_id} ({status}):", *lines])


class _Unexpected(AssertionError):
    def __init__(self, event: Seen) -> None:
        super().__init__(f"an event arrived that should not have: {event.describe()}")
        self.event = event


def _seen(source: dict[str, Any], room_id: str, *, encrypted: bool = False) -> Seen:
    content = source.get("content")
    return Seen(
        event_id=str(source.get("event_id", "")),
        room_id=room_id,
        sender=str(source.get("sender", "")),
        type=str(source.get("type", "")),
        content=content if isinstance(content, dict) else {},
        ts=int(source.get("origin_server_ts", 0) or 0),
        state_key=source.get("state_key"),
        encrypted=encrypted,
        source=source,
    )


def _check(response: Any, expected: type | tuple[type, ...], what: str) -> Any:
    if not isinstance(response, expected):
        raise MatrixRequestError(what, response)
    return response


def _describe(predicate: Callable[..., Any]) -> str:
    name = getattr(predicate, "__qualname__", "") or repr(predicate)
    if "<lambda>" in name:
        with contextlib.suppress(OSError, TypeError):
            return inspect.getsource(predicate).strip()
    return name


def _short_json(value: object, limit: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def edit_by(sender: str, original: str, *texts: str) -> Callable[[Seen], bool]:
    """A `wait_for` test: `sender`'s edit (`m.replace`) of `original` whose new text, as a person
    reads it, has every one of `texts` (a live tally, a signup list)."""

    def matches(event: Seen) -> bool:
        relation = event.relates_to
        if event.sender != sender or relation.get("rel_type") != "m.replace":
            return False
        new = event.content.get("m.new_content")
        body = new.get("body") if isinstance(new, dict) else None
        if relation.get("event_id") != original or not isinstance(body, str):
            return False
        body = body.replace(FSI, "").replace(PDI, "")
        return all(text in body for text in texts)

    return matches
