"""What the bot keeps of each room it is in, so that a restart resumes from its sync token instead
of asking the homeserver for every room's whole state again (pure: no database, no network).

Of a room's state the bot needs its members (joined and invited, with their display names), its
power levels and create event (who may do what), whether it is encrypted, and its name or alias
(to name it). `StateChanges` gathers those from the state events a sync brings (its `state`, its
timeline's state events, and a limited sync's gap) in the order they happened; the inbox writes
them with the sync token, in one transaction (engine/roomstore.py). `StoredRoom` is one room as it
is read back at the next start, to rebuild the transport's rooms and the room directory.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

KEPT_TYPES = frozenset(
    {"m.room.power_levels", "m.room.create", "m.room.encryption", "m.room.name", "m.room.canonical_alias"}
)
"""The room-wide state events (state key "") that are kept; members are kept apart."""
MEMBERS = frozenset({"join", "invite"})
"""The memberships kept: a member who left, was banned or knocks is no member."""


@dataclass(frozen=True, slots=True)
class StoredMember:
    membership: str
    """"join" or "invite"."""
    display_name: str | None


@dataclass(frozen=True, slots=True)
class StoredRoom:
    """A room as kept in the store: its members and its kept state events, each as
    {"sender": …, "content": {…}}."""

    room_id: str
    members: Mapping[str, StoredMember]
    events: Mapping[str, dict[str, Any]]

    @property
    def encrypted(self) -> bool:
        return "m.room.encryption" in self.events

    @property
    def power_levels(self) -> dict[str, Any] | None:
        """The power levels' content (shared with other rooms that have the same: read, never change)."""
        event = self.events.get("m.room.power_levels")
        return None if event is None else event["content"]

    @property
    def create(self) -> dict[str, Any] | None:
        """The create event: its sender and content, what `permissions.creators` reads."""
        return self.events.get("m.room.create")

    @property
    def name(self) -> str | None:
        return _text(self.events.get("m.room.name"), "name")

    @property
    def canonical_alias(self) -> str | None:
        return _text(self.events.get("m.room.canonical_alias"), "alias")

    def flaw(self, bot_user_id: str) -> str | None:
        """Why this room's stored state cannot be what a sync left, or None. A full-state sync
        always brings the room's create event and the bot's own join."""
        own = self.members.get(bot_user_id)
        if own is None or own.membership != "join":
            return f"{self.room_id} is stored without {bot_user_id}'s join"
        if "m.room.create" not in self.events:
            return f"{self.room_id} is stored without its create event"
        return None


def _text(event: dict[str, Any] | None, key: str) -> str | None:
    value = (event or {}).get("content", {}).get(key)
    return value if isinstance(value, str) and value else None


@dataclass
class StateChanges:
    """The kept state that one sync changed, in order: the last word on each piece wins.

    `replace_all` (a full-state sync): the sync told of every room the bot is in, so what is
    stored is replaced by what it told, and a room it did not tell of is no longer kept.
    """

    replace_all: bool = False
    members: dict[tuple[str, str], StoredMember | None] = field(default_factory=dict)
    """(room, user) → the member, or None: no longer a member."""
    events: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """(room, event type) → {"sender", "content"}."""
    left: set[str] = field(default_factory=set)
    """Rooms the bot left (or was removed from): nothing of them is kept."""

    def __bool__(self) -> bool:
        return bool(self.replace_all or self.members or self.events or self.left)

    def observe(self, room_id: str, source: Mapping[str, Any]) -> None:
        """One state event of a room the bot is in, as it came (its JSON)."""
        state_key, event_type = source.get("state_key"), source.get("type")
        if not isinstance(state_key, str) or not isinstance(event_type, str):
            return
        content = source.get("content")
        content = content if isinstance(content, dict) else {}
        if event_type == "m.room.member":
            membership = content.get("membership")
            name = content.get("displayname")
            self.members[room_id, state_key] = (
                StoredMember(membership, name if isinstance(name, str) else None)
                if membership in MEMBERS and isinstance(membership, str)
                else None
            )
        elif state_key == "" and event_type in KEPT_TYPES:
            self.events[room_id, event_type] = {"sender": source.get("sender", ""), "content": content}
        self.left.discard(room_id)

    def leave(self, room_id: str) -> None:
        """The bot is no longer in `room_id`."""
        self.left.add(room_id)
        self.members = {key: value for key, value in self.members.items() if key[0] != room_id}
        self.events = {key: value for key, value in self.events.items() if key[0] != room_id}


def rooms_from_rows(
    members: Iterable[tuple[str, str, str, str | None]], events: Iterable[tuple[str, str, str]]
) -> list[StoredRoom]:
    """Rooms from the stored rows: (room, user, membership, display name) and (room, type, the
    event's JSON).

    The same people are members of many rooms and many rooms share their power levels, so each
    user id, display name and distinct event is held once, shared by the rooms that have it (they
    are only read): at a thousand rooms of five members that is a few MB less to keep.
    """
    by_room: dict[str, tuple[dict[str, StoredMember], dict[str, dict[str, Any]]]] = {}
    members_seen: dict[tuple[str, str | None], StoredMember] = {}
    for room_id, user_id, membership, display_name in members:
        member = members_seen.setdefault((membership, display_name), StoredMember(membership, display_name))
        by_room.setdefault(room_id, ({}, {}))[0][sys.intern(user_id)] = member
    parsed: dict[str, dict[str, Any]] = {}
    for room_id, event_type, text in events:
        event = parsed.get(text)
        if event is None:
            event = parsed[text] = json.loads(text)
        by_room.setdefault(room_id, ({}, {}))[1][event_type] = event
    return [StoredRoom(room_id, kept[0], kept[1]) for room_id, kept in by_room.items()]
