"""What the bot knows about its rooms: members, names, power levels, encryption.

Power levels are taken from the state the bot has seen in sync (the first sync asks for full
state) and fetched from the homeserver when a room's are not known yet. Until they are known,
nobody is an admin: permission checks fail closed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import nio

from matrixbot.errors import UserError
from matrixbot.i18n import _
from matrixbot.matrix import permissions
from matrixbot.matrix.markup import one_line
from matrixbot.matrix.transport import Transport

log = logging.getLogger(__name__)


class RoomDirectory:
    def __init__(
        self,
        client: Transport,
        bot_user_id: str,
        *,
        owners: tuple[str, ...] = (),
        ignore_users: tuple[str, ...] = (),
    ) -> None:
        self._client = client
        self.bot_user_id = bot_user_id
        self.owners = frozenset(owners)
        self._ignored = frozenset(ignore_users)
        self._power: dict[str, dict[str, Any]] = {}
        self._create: dict[str, dict[str, Any]] = {}

    def observe_state(self, room_id: str, source: dict[str, Any]) -> None:
        """Remember power levels and the create event as they pass by in sync."""
        if source.get("state_key") != "":
            return
        if source.get("type") == "m.room.power_levels":
            self._power[room_id] = source.get("content") or {}
        elif source.get("type") == "m.room.create":
            self._create[room_id] = source

    def forget(self, room_id: str) -> None:
        self._power.pop(room_id, None)
        self._create.pop(room_id, None)

    async def reject_invite(self, room_id: str, reason: str) -> bool:
        """Reject an invite with a reason the inviter's client shows; False if the homeserver refused."""
        return await self._client.leave(room_id, reason)

    async def join(self, room_id: str, via: Sequence[str] = ()) -> bool:
        """Join a room by id, through the servers `via` (a room the bot's homeserver does not know
        yet is found through them); False if the homeserver refused."""
        return await self._client.join(room_id, via)

    async def power_levels(self, room_id: str) -> dict[str, Any]:
        if room_id not in self._power:
            response = await self._client.state_event(room_id, "m.room.power_levels")
            if not isinstance(response, nio.RoomGetStateEventResponse):
                raise UserError(
                    _(
                        "I do not know this room's power levels yet, so I cannot check permissions. "
                        "Try again in a moment."
                    )
                )
            self._power[room_id] = response.content
        return self._power[room_id]

    async def _creators(self, room_id: str) -> frozenset[str]:
        if room_id not in self._create:
            # Asked for the whole state: the one-event endpoint answers with the content only, and
            # the creator is the create event's sender.
            response = await self._client.state(room_id)
            if isinstance(response, nio.RoomGetStateResponse):
                for event in response.events:
                    if isinstance(event, dict) and event.get("type") == "m.room.create":
                        self.observe_state(room_id, event)
        return permissions.creators(self._create.get(room_id))

    async def user_level(self, room_id: str, user_id: str) -> float:
        return permissions.user_level(
            await self.power_levels(room_id), user_id, await self._creators(room_id)
        )

    async def is_admin(self, room_id: str, user_id: str) -> bool:
        """Owners from the config, and users whose power level may change room state."""
        if user_id in self.owners:
            return True
        levels = await self.power_levels(room_id)
        return permissions.is_room_admin(levels, user_id, await self._creators(room_id))

    async def admins(self, room_id: str) -> list[str]:
        """The people in the room who are its admins (the bot aside): whom a refusal names."""
        return [u for u in self.humans(room_id) if await self.is_admin(room_id, u)]

    async def can_redact(self, room_id: str) -> bool:
        levels = await self.power_levels(room_id)
        return await self.user_level(room_id, self.bot_user_id) >= permissions.redact_level(levels)

    async def can_mention_room(self, room_id: str, user_id: str) -> bool:
        levels = await self.power_levels(room_id)
        return await self.user_level(room_id, user_id) >= permissions.room_mention_level(levels)

    def members(self, room_id: str) -> list[str]:
        """Joined members, the bot included."""
        room = self._client.rooms.get(room_id)
        if room is None:
            return []
        invited = set(room.invited_users)
        return sorted(u for u in room.users if u not in invited)

    def humans(self, room_id: str) -> list[str]:
        """Joined members who are people: not the bot, not users listed as other bots."""
        return [u for u in self.members(room_id) if u != self.bot_user_id and u not in self._ignored]

    def display_name(self, room_id: str, user_id: str) -> str:
        """A member's name as the bot repeats it: their display name on one line, without control,
        bidi or invisible characters (`one_line`), or their user id when that leaves nothing (a
        name of blanks, zero-width spaces or Hangul fillers cannot pass for nobody)."""
        room = self._client.rooms.get(room_id)
        user = room.users.get(user_id) if room else None
        name = one_line(user.display_name).strip() if user and user.display_name else ""
        return name or user_id

    def name(self, room_id: str) -> str:
        """The room's name as clients show it (its name, alias or members), or its id."""
        room = self._client.rooms.get(room_id)
        return room.display_name if room else room_id

    def is_encrypted(self, room_id: str) -> bool:
        room = self._client.rooms.get(room_id)
        return bool(room and room.encrypted)

    def is_direct(self, room_id: str) -> bool:
        """A room of the bot and one person counts as a direct chat."""
        return len(self.members(room_id)) == 2
