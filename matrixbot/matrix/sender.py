"""Posting to rooms: every send checked, retried when the failure passes, never posted twice.

Each handler posts through an `Outbox` whose transaction ids derive from what triggered it (the
command's event id, or the job's id) and a counter. A handler that is run again after a crash
therefore sends the same transaction ids, and the homeserver returns the event it already has
instead of posting a second one (Synapse keeps transaction ids for 24 hours per device).

Every post also carries its transaction id in its content (`TXN_KEY`): an instance that takes over
from another device reads them back from the rooms' history (`earlier`, matrix/earlier.py), since
the homeserver's memory of them is the old device's. And nothing is sent while this instance cannot
confirm that it leads (`Lifecycle.lease`): the send waits, as for a homeserver away.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

import nio

from matrixbot import metrics
from matrixbot.db import Database
from matrixbot.errors import MessageTooLarge, SendError, SendPending
from matrixbot.i18n import _
from matrixbot.lifecycle import Lifecycle
from matrixbot.matrix.earlier import EarlierPosts, HistoryUnreadable
from matrixbot.matrix.events import TXN_KEY, RoomEvent
from matrixbot.matrix.markup import Message
from matrixbot.matrix.outages import (
    NETWORK_ERRORS,
    Backoff,
    Kind,
    Trouble,
    TroubleLog,
    trouble_from_exception,
    trouble_from_response,
)
from matrixbot.matrix.posting import Posting, Posts, SendWindow
from matrixbot.matrix.rooms import RoomDirectory
from matrixbot.matrix.transport import Transport

log = logging.getLogger(__name__)

MAX_CONTENT_BYTES = 60_000
"""Synapse refuses events over 64 KiB (whole event, signatures included): keep content below this."""

_PERMANENT = {"M_FORBIDDEN", "M_TOO_LARGE", "M_NOT_FOUND", "M_BAD_JSON", "M_NOT_JSON", "M_UNKNOWN_TOKEN"}


def check_size(content: dict[str, Any], what: str | None = None) -> None:
    """Refuse content that the homeserver would refuse, when it is given rather than when it is due.
    `what` names it in the refusal ("That message" by default), in the language being written."""
    size = len(json.dumps(content, ensure_ascii=False).encode())
    if size > MAX_CONTENT_BYTES:
        raise MessageTooLarge(
            _("{what} would be {size} KiB; Matrix allows about {limit} KiB. Please shorten it.").format(
                what=what or _("That message"), size=size // 1024, limit=MAX_CONTENT_BYTES // 1024
            )
        )


class Sender:
    """Sends on behalf of the bot with retries: 429 waits as told, 5xx and network errors back off.

    A passing failure that outlasts the retry time (or meets a shutdown) raises `SendPending`, so
    whatever asked for the send stays unfinished; a refusal for good raises `SendError`.
    """

    first_retry = 0.5
    """Seconds before the first retry of a send (tests make it short)."""

    def __init__(
        self,
        transport: Transport,
        rooms: RoomDirectory,
        db: Database,
        nonce: str,
        lifecycle: Lifecycle,
        *,
        troubles: TroubleLog | None = None,
    ) -> None:
        self._transport = transport
        self._troubles = troubles
        self.rooms = rooms
        self._db = db
        self._nonce = nonce
        self._life = lifecycle
        self._expected: set[str] = set()
        """Rooms the bot made or joined just now, which the transport knows only once a sync brought them."""
        self.window = SendWindow()
        self.earlier: EarlierPosts | None = None
        """After a take-over from another device: what the account had posted (see the module)."""

    def expect(self, room_id: str) -> None:
        """The bot made or joined `room_id` just now: a send there waits for a sync to bring it."""
        self._expected.add(room_id)

    def outbox(self, origin: str) -> Outbox:
        """An outbox whose transaction ids are stable for `origin` (e.g. 'event:$abc' or 'job:12')."""
        return Outbox(self, self.prefix(origin))

    def prefix(self, origin: str) -> str:
        """The transaction ids of `origin`'s posts, without their count."""
        return f"mb{self._nonce}.{hashlib.sha256(origin.encode()).hexdigest()[:24]}"

    async def send(
        self,
        room_id: str,
        event_type: str,
        content: dict[str, Any] | Callable[[], dict[str, Any]],
        txn_id: str,
        *,
        retry_for: float | None = 600.0,
    ) -> str:
        """Send one event; return its id. Retries passing failures for up to `retry_for` seconds (None: until stopped).

        `content` may be a function, called again for each try: what a post says (e.g. that it is
        late, and why) is then judged when it goes out. Every try has the same transaction id, so
        a try that reached the homeserver unseen is not posted again by the next.
        """
        loop = asyncio.get_running_loop()
        deadline = None if retry_for is None else loop.time() + retry_for
        backoff = Backoff(self.first_retry)
        while True:
            body = {**(content() if callable(content) else content), TXN_KEY: txn_id}
            check_size(body)
            trouble = await self._try(room_id, event_type, body, txn_id)
            if isinstance(trouble, str):
                return trouble
            if self._troubles is not None and trouble.kind is not Kind.LOCAL:
                self._troubles.saw(trouble)
            delay = backoff.delay(trouble)
            closing = self._life.closing
            if closing.is_set() or (deadline is not None and loop.time() + delay > deadline):
                raise SendPending(f"could not send to {room_id} yet: {trouble.detail}")
            metrics.count_send_retry(trouble.detail)
            log.warning("send to %s failed (%s); retrying in %.1fs", room_id, trouble.detail, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(closing.wait(), delay)

    async def _try(self, room_id: str, event_type: str, body: dict[str, Any], txn_id: str) -> str | Trouble:
        """One try of a send: the event's id, or the passing trouble (raised when it is for good)."""
        try:
            if self.earlier is not None and self.earlier.covers(txn_id):
                found = await self.earlier.find(room_id, txn_id)
                if found is not None:
                    log.info(
                        "not posting %s again in %s: it is %s, posted before this instance led",
                        txn_id,
                        room_id,
                        found,
                    )
                    return found
            unconfirmed = self._life.lease.cause()  # asked last, just before the send
            if unconfirmed is not None:
                return Trouble(Kind.STORAGE, unconfirmed)
            response = await self._transport.send(room_id, event_type, body, txn_id)
        except NETWORK_ERRORS as exc:
            return trouble_from_exception(exc)
        except HistoryUnreadable as exc:
            return exc.trouble
        except nio.LocalProtocolError as exc:
            return Trouble(Kind.LOCAL, self._local_problem(room_id, exc))
        except nio.SendRetryError as exc:
            return Trouble(Kind.LOCAL, f"could not share the room key: {exc}")
        if isinstance(response, nio.RoomSendResponse):
            return response.event_id
        return self._classify(response)

    def _local_problem(self, room_id: str, exc: nio.LocalProtocolError) -> str:
        """nio refused to send without asking the homeserver: passing until it knows the rooms."""
        known = self._life.rooms_known.is_set()
        if known and room_id not in self._transport.rooms and room_id not in self._expected:
            raise SendError(f"the bot is not in {room_id}") from exc
        return f"room not known yet: {exc}"

    @staticmethod
    def _classify(response: nio.ErrorResponse) -> Trouble:
        errcode = response.status_code or ""
        status = getattr(getattr(response, "transport_response", None), "status", 0) or 0
        if errcode in _PERMANENT or (400 <= status < 500 and errcode != "M_LIMIT_EXCEEDED" and status != 429):
            raise SendError(f"the homeserver refused the message: {errcode or status} {response.message}")
        return trouble_from_response(response)

    async def redact(self, room_id: str, event_id: str, reason: str | None = None) -> bool:
        if self._life.lease.cause() is not None:
            log.warning("did not redact %s in %s: %s", event_id, room_id, self._life.lease.cause())
            return False
        response = await self._transport.redact(room_id, event_id, reason)
        if isinstance(response, nio.RoomRedactResponse):
            return True
        log.warning("could not redact %s in %s: %s", event_id, room_id, response)
        return False

    async def upload(self, room_id: str, data: bytes, filename: str, mimetype: str) -> dict[str, Any]:
        """Upload a file (encrypted in encrypted rooms); return the content fields that point at it."""
        encrypt = self.rooms.is_encrypted(room_id)
        for attempt in range(5):
            response, keys = await self._transport.upload(data, mimetype, filename, encrypt=encrypt)
            if isinstance(response, nio.UploadResponse):
                if encrypt and keys:
                    return {"file": {**keys, "url": response.content_uri}}
                return {"url": response.content_uri}
            log.warning("upload failed (%s), attempt %d", response, attempt + 1)
            await asyncio.sleep(min(10.0, 0.5 * 2**attempt))
        raise SendError(f"could not upload {filename}")

    async def direct_room(self, user_id: str) -> str:
        """The bot's direct chat with a user, created on first use and remembered."""
        room_id = await self._db.fetch_value("SELECT room_id FROM direct_rooms WHERE user_id = ?", (user_id,))
        if room_id and room_id in self._transport.rooms:
            return str(room_id)
        response = await self._transport.create_direct_room(user_id)
        if not isinstance(response, nio.RoomCreateResponse):
            raise SendError(f"could not open a direct chat with {user_id}: {response}")
        self.expect(response.room_id)
        await self._db.execute(
            "INSERT INTO direct_rooms (user_id, room_id) VALUES (?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET room_id = excluded.room_id",
            (user_id, response.room_id),
        )
        return response.room_id


class Outbox:
    """What a handler posts with. Transaction ids: a stable prefix plus a counter."""

    def __init__(self, sender: Sender, prefix: str) -> None:
        self.sender = sender
        self._prefix = prefix
        self._count = 0

    def _txn(self) -> str:
        self._count += 1
        return f"{self._prefix}.{self._count}"

    async def event(
        self,
        room_id: str,
        event_type: str,
        content: dict[str, Any] | Callable[[], dict[str, Any]],
        *,
        retry_for: float | None = 600.0,
        edits: str | None = None,
    ) -> Posting:
        """Post an event. Within a handling it goes through the room's window and this returns at
        once (`Posting.event_id()` waits for it; see posting.py); outside one, once it is sent.
        Content the homeserver would refuse for its size is refused here, before anything goes."""
        check_size(content() if callable(content) else content)
        txn_id, posts = self._txn(), Posts.current()
        if posts is None:
            return Posting.done(
                await self.sender.send(room_id, event_type, content, txn_id, retry_for=retry_for)
            )
        wait = None if posts.until_sent else retry_for
        send = functools.partial(self.sender.send, room_id, event_type, content, txn_id, retry_for=wait)
        return posts.start(room_id, send, edits=edits)

    async def message(
        self,
        room_id: str,
        message: Message | Callable[[], Message],
        *,
        notify: bool = False,
        reply_to: RoomEvent | None = None,
        thread_root: str | None = None,
        extra: dict[str, Any] | None = None,
        retry_for: float | None = 600.0,
    ) -> Posting:
        """Post a message: `m.notice` by default; `notify=True` makes it `m.text` so mentions ping.

        A reply to an event in a thread stays in that thread. `message` may be a function, rendered
        again for each try (see `Sender.send`).
        """

        def content() -> dict[str, Any]:
            built = message() if callable(message) else message
            content = built.content("m.text" if notify else "m.notice")
            relation = relation_for(reply_to, thread_root)
            if relation:
                content["m.relates_to"] = relation
            if extra:
                content.update(extra)
            return content

        return await self.event(room_id, "m.room.message", content, retry_for=retry_for)

    async def edit(self, room_id: str, original: str, message: Message, *, notify: bool = False) -> Posting:
        """Replace a message's content (`m.replace`); only mentions listed here are notified again."""
        new_content = message.content("m.text" if notify else "m.notice")
        content = {
            **new_content,
            "body": "* " + message.text,
            "formatted_body": "* " + message.html,
            "m.new_content": new_content,
            "m.relates_to": {"rel_type": "m.replace", "event_id": original},
        }
        return await self.event(room_id, "m.room.message", content, edits=original)

    async def react(self, room_id: str, event_id: str, key: str) -> Posting:
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        return await self.event(room_id, "m.reaction", content)

    async def file(
        self, room_id: str, data: bytes, filename: str, mimetype: str, *, reply_to: RoomEvent | None = None
    ) -> Posting:
        content: dict[str, Any] = {
            "msgtype": "m.file",
            "body": filename,
            "filename": filename,
            "info": {"mimetype": mimetype, "size": len(data)},
            **await self.sender.upload(room_id, data, filename, mimetype),
        }
        relation = relation_for(reply_to, None)
        if relation:
            content["m.relates_to"] = relation
        return await self.event(room_id, "m.room.message", content)


def relation_for(reply_to: RoomEvent | None, thread_root: str | None) -> dict[str, Any] | None:
    """`m.relates_to` for a reply, kept in the thread of the message answered."""
    thread = thread_root or (reply_to.thread_root if reply_to else None)
    if thread:
        relation: dict[str, Any] = {"rel_type": "m.thread", "event_id": thread}
        if reply_to:
            relation["m.in_reply_to"] = {"event_id": reply_to.event_id}
            relation["is_falling_back"] = False
        return relation
    if reply_to:
        return {"m.in_reply_to": {"event_id": reply_to.event_id}}
    return None
