"""Telling a room about a message the bot could not decrypt, and how to fix it."""

from __future__ import annotations

from datetime import UTC, datetime

import nio

from matrixbot.api.settings import SettingsStore
from matrixbot.matrix import crypto
from matrixbot.matrix.markup import Message, h
from matrixbot.matrix.rooms import RoomDirectory
from matrixbot.matrix.sender import Sender
from matrixbot.time import format_time


class UnreadableNotices:
    def __init__(
        self, client: nio.AsyncClient, settings: SettingsStore, rooms: RoomDirectory, sender: Sender
    ) -> None:
        self._client = client
        self._settings = settings
        self._rooms = rooms
        self._sender = sender

    async def tell(self, item: crypto.Unreadable) -> None:
        """Post the notice once per event (its transaction id derives from the event's id)."""
        zone = await self._settings.zone(item.room_id)
        sent = format_time(datetime.fromtimestamp(item.event.server_timestamp / 1000, UTC), zone)
        who = self._rooms.display_name(item.room_id, item.event.sender)
        html = (
            f"I could not read a message {h(who)} sent ({h(sent)}): it is encrypted with a key my session "
            "did not receive. Please send it again. If this keeps happening, your app may share keys only "
            f"with verified sessions: verify my session (device <code>{h(self._client.device_id or '')}</code>, "
            f"key <code>{h(crypto.fingerprint(self._client))}</code>) or allow unverified sessions."
        )
        outbox = self._sender.outbox(f"unreadable:{item.event.event_id}")
        await outbox.message(item.room_id, Message.from_html(html))
