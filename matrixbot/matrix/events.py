"""Room events as the bot and its plugins see them: plain data, no nio types.

Incoming events are normalised once, stored in the inbox as JSON, and classified here: commands,
reactions, redactions, poll responses, memberships. Reading the content defensively lives here so
plugins never poke at raw Matrix JSON.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

POLL_RESPONSE_TYPES = ("org.matrix.msc3381.poll.response", "m.poll.response")
TXN_KEY = "org.matrixbot.txn"
"""Every post carries its transaction id in its content under this key (in an encrypted room in the
clear part too, beside `m.relates_to`): an instance that takes over as another device reads what
was posted before it led there (matrix/earlier.py), since the homeserver's memory of transaction
ids is per device."""
_PILL = re.compile(r'<a\s+href="https://matrix\.to/#/(@[^"/?]+)[^"]*"\s*>(.*?)</a>', re.I | re.S)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Sent:
    """When an event was sent, as far as the bot can trust it.

    `ts` is the event's `origin_server_ts`: set by the sender's homeserver, it is when the person
    acted, and it is what a deadline is judged by. But a homeserver's clock can be wrong, or lie.
    So it counts only between the moment the thing acted on came to be (`since`: a poll's creation)
    and the moment the bot received the event; outside that, the bot's own time of receipt counts.
    A homeserver can therefore move its users' actions back to the creation of what they act on,
    never before it and never later than the bot saw them. Both in ms since the epoch; 0: unknown.
    """

    ts: int
    received: int = 0

    def at(self, since: datetime | None = None) -> datetime:
        """When the sender acted (see the class docstring), timezone-aware UTC."""
        lower = 0 if since is None else since.timestamp() * 1000
        if self.ts and self.ts >= lower and (not self.received or self.ts <= self.received):
            return _from_ms(self.ts)
        if self.received:
            return _from_ms(self.received)
        return _from_ms(max(self.ts, lower))


def _from_ms(ms: float) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


@dataclass(frozen=True)
class RoomEvent:
    """One room event, decrypted if it was encrypted."""

    event_id: str
    room_id: str
    sender: str
    type: str
    content: dict[str, Any]
    ts: int = 0
    state_key: str | None = None
    redacts: str | None = None
    encrypted: bool = False
    unsigned: dict[str, Any] = field(default_factory=dict)
    received: int = 0
    """When the bot received it (ms since the epoch, on the bot's clock; 0: not known)."""

    @classmethod
    def from_source(
        cls, source: dict[str, Any], room_id: str, *, encrypted: bool = False, received: int = 0
    ) -> RoomEvent:
        content = source.get("content") or {}
        redacts = source.get("redacts") or (content.get("redacts") if isinstance(content, dict) else None)
        return cls(
            event_id=source.get("event_id", ""),
            room_id=source.get("room_id") or room_id,
            sender=source.get("sender", ""),
            type=source.get("type", ""),
            content=content if isinstance(content, dict) else {},
            ts=int(source.get("origin_server_ts") or 0),
            state_key=source.get("state_key"),
            redacts=redacts,
            encrypted=encrypted,
            unsigned=source.get("unsigned") or {},
            received=received,
        )

    def source(self) -> dict[str, Any]:
        """The event as Matrix JSON again (for an encrypted event: its ciphertext form)."""
        source: dict[str, Any] = {
            "event_id": self.event_id,
            "room_id": self.room_id,
            "sender": self.sender,
            "type": self.type,
            "content": self.content,
            "origin_server_ts": self.ts,
            "unsigned": self.unsigned,
        }
        if self.state_key is not None:
            source["state_key"] = self.state_key
        return source

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> RoomEvent:
        return cls(**json.loads(text))

    @property
    def sent(self) -> Sent:
        return Sent(self.ts, self.received)

    @property
    def msgtype(self) -> str | None:
        value = self.content.get("msgtype")
        return value if isinstance(value, str) else None

    @property
    def body(self) -> str:
        value = self.content.get("body")
        return value if isinstance(value, str) else ""

    @property
    def relates_to(self) -> dict[str, Any]:
        value = self.content.get("m.relates_to")
        return value if isinstance(value, dict) else {}

    @property
    def is_edit(self) -> bool:
        return self.relates_to.get("rel_type") == "m.replace"

    @property
    def thread_root(self) -> str | None:
        rel = self.relates_to
        return rel.get("event_id") if rel.get("rel_type") == "m.thread" else None

    @property
    def reply_to(self) -> str | None:
        reply = self.relates_to.get("m.in_reply_to")
        event_id = reply.get("event_id") if isinstance(reply, dict) else None
        if isinstance(event_id, str):
            if self.thread_root and self.relates_to.get("is_falling_back"):
                return None
            return event_id
        return None


@dataclass(frozen=True)
class Reaction:
    """A reaction added, or removed by redacting it: then `removed_by` is the redaction's id and
    `sent` the redaction's time."""

    room_id: str
    sender: str
    target: str
    key: str
    event_id: str
    sent: Sent = Sent(0)
    removed_by: str | None = None

    @property
    def removed(self) -> bool:
        return self.removed_by is not None

    @property
    def cause(self) -> str:
        """The id of the event that made this change (the reaction, or the redaction that took it back)."""
        return self.removed_by or self.event_id


@dataclass(frozen=True)
class PollResponse:
    """A vote in a native Matrix poll: the answer ids the sender chose (latest one counts)."""

    room_id: str
    sender: str
    poll_event_id: str
    answers: tuple[str, ...]
    event_id: str
    sent: Sent


@dataclass(frozen=True)
class Membership:
    room_id: str
    user_id: str
    membership: str
    previous: str | None
    display_name: str | None


def from_sync(event: Any, room_id: str, received: int) -> RoomEvent:
    """An event as matrix-nio hands it over (in a sync or a `/messages` page), received at
    `received` (ms, on the bot's clock); decrypted when it came encrypted."""
    source = getattr(event, "source", None) or {}
    encrypted = bool(getattr(event, "decrypted", False))
    return RoomEvent.from_source(source, room_id, encrypted=encrypted, received=received)


def strip_reply_fallback(body: str) -> str:
    """Drop the `> <@user:server> quoted` lines and blank line Element puts before a reply's text."""
    lines = body.split("\n")
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    if index and index < len(lines) and lines[index] == "":
        return "\n".join(lines[index + 1 :])
    return body


def command_text(event: RoomEvent) -> str:
    """The text of a message as a command sees it: fallback stripped, pills turned into user ids.

    Element puts a mention's display name in `body` and the user id only in the pill link of
    `formatted_body`; commands that take a user need the id, so each pill's text is replaced by it.
    """
    text = strip_reply_fallback(event.body)
    formatted = event.content.get("formatted_body")
    if isinstance(formatted, str) and "matrix.to" in formatted:
        for user_id, label in _PILL.findall(formatted):
            name = _TAG.sub("", label).strip()
            if name and name != user_id and name in text:
                text = text.replace(name, user_id, 1)
    return text


def as_reaction(event: RoomEvent) -> Reaction | None:
    rel = event.relates_to
    if event.type != "m.reaction" or rel.get("rel_type") != "m.annotation":
        return None
    target, key = rel.get("event_id"), rel.get("key")
    if not isinstance(target, str) or not isinstance(key, str):
        return None
    return Reaction(event.room_id, event.sender, target, key, event.event_id, event.sent)


def as_poll_response(event: RoomEvent) -> PollResponse | None:
    """Read both the unstable (MSC3381) and the stable `m.poll.response` shapes."""
    if event.type not in POLL_RESPONSE_TYPES:
        return None
    target = event.relates_to.get("event_id")
    if not isinstance(target, str):
        return None
    unstable = event.content.get("org.matrix.msc3381.poll.response")
    answers = unstable.get("answers") if isinstance(unstable, dict) else event.content.get("m.selections")
    if not isinstance(answers, list):
        return None
    return PollResponse(
        event.room_id,
        event.sender,
        target,
        tuple(a for a in answers if isinstance(a, str)),
        event.event_id,
        event.sent,
    )


def as_membership(event: RoomEvent) -> Membership | None:
    if event.type != "m.room.member" or event.state_key is None:
        return None
    previous = (event.unsigned.get("prev_content") or {}).get("membership")
    name = event.content.get("displayname")
    return Membership(
        event.room_id,
        event.state_key,
        str(event.content.get("membership", "")),
        previous if isinstance(previous, str) else None,
        name if isinstance(name, str) else None,
    )
