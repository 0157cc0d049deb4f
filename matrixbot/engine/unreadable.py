"""Telling a room about messages the bot could not decrypt, and how to fix it, without letting
anyone flood the room or hold the bot up.

Anyone in a room can send made-up "encrypted" events (no keys needed, even in a plain room), so
what the bot says about them is bounded: one notice per sender per room in a window, counting the
messages ("I could not read 12 messages mallory sent"), and at most `ROOM_CAP` notices per room in
that window. A notice goes out through the room's lane like any answer, never from the sync loop.
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from datetime import UTC, datetime

from matrixbot.api.settings import SettingsStore
from matrixbot.engine.lanes import Lanes, Work
from matrixbot.i18n import _, _n, speaking
from matrixbot.matrix import crypto
from matrixbot.matrix.markup import Message, h
from matrixbot.matrix.rooms import RoomDirectory
from matrixbot.matrix.sender import Sender
from matrixbot.matrix.transport import Transport
from matrixbot.time import format_time

log = logging.getLogger(__name__)

WINDOW = 3600.0
"""Seconds in which a sender's unreadable messages in a room are told about once."""
ROOM_CAP = 3
"""Notices about unreadable messages per room in a window, at most (whoever sent them)."""


class UnreadableNotices:
    def __init__(
        self,
        transport: Transport,
        settings: SettingsStore,
        rooms: RoomDirectory,
        sender: Sender,
        lanes: Lanes,
    ) -> None:
        self._transport = transport
        self._settings = settings
        self._rooms = rooms
        self._sender = sender
        self._lanes = lanes
        self._told: dict[tuple[str, str], float] = {}
        self._room_told: dict[str, list[float]] = defaultdict(list)

    def tell(self, items: list[crypto.Unreadable], now: float) -> None:
        """Queue, in each room's lane, one notice per sender for the messages that stayed unreadable,
        within the window and the room's cap; the rest are counted in the log."""
        groups: dict[tuple[str, str], list[crypto.Unreadable]] = defaultdict(list)
        for item in items:
            groups[(item.room_id, item.event.sender)].append(item)
        held_back = 0
        for (room_id, sender), group in groups.items():
            told = self._room_told[room_id] = [t for t in self._room_told[room_id] if now - t < WINDOW]
            if now - self._told.get((room_id, sender), -WINDOW) < WINDOW or len(told) >= ROOM_CAP:
                held_back += len(group)
                continue
            self._told[(room_id, sender)] = now
            told.append(now)
            self._lanes.add(Work(room_id, now, True, functools.partial(self._post, group)))
        if held_back:
            log.info("not telling rooms about %d more unreadable message(s) this hour", held_back)

    async def _post(self, group: list[crypto.Unreadable]) -> bool:
        first = min(group, key=lambda item: item.event.server_timestamp)
        room_id = first.room_id
        zone = await self._settings.zone(room_id)
        with speaking(await self._settings.language(room_id)):
            sent = format_time(datetime.fromtimestamp(first.event.server_timestamp / 1000, UTC), zone)
            who = self._rooms.display_name(room_id, first.event.sender)
            said = _n(
                "I could not read a message {who} sent ({sent}): it is encrypted with a key my session did not receive.",
                "I could not read {n} messages {who} sent (the first {sent}): they are encrypted with a key my session did not receive.",
                len(group),
            ).format(n=len(group), who=h(who), sent=h(sent))
            html = f"{said} " + _(
                "Please send again what matters. If this keeps happening, your app may share keys "
                "only with verified sessions: verify my session (device {device}, key {key}) or "
                "allow unverified sessions."
            ).format(
                device=f"<code>{h(self._transport.device_id)}</code>",
                key=f"<code>{h(self._transport.devices.fingerprint)}</code>",
            )
        outbox = self._sender.outbox(f"unreadable:{first.event.event_id}")
        await outbox.message(room_id, Message.from_html(html))
        return True
