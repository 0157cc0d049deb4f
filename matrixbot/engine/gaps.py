"""Filling the gap a limited sync leaves (after a long downtime, or a burst), back to the last sync.

Synapse sends at most the timeline limit per room in a sync and marks it `limited`; what came
before is fetched with `/messages`, page by page, back to the previous sync's token. The fetch is
bounded in time, not in a number of events (a fixed 2,000 silently dropped the commands sent
before 2,100 messages). If it cannot finish (the homeserver refuses, or the time runs out), the room
is told once which span was not seen, so nobody waits for an answer that will not come.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import nio

from matrixbot.api.settings import SettingsStore
from matrixbot.engine.lanes import Lanes, Work
from matrixbot.i18n import _, speaking
from matrixbot.matrix.events import RoomEvent, from_sync
from matrixbot.matrix.markup import Message, h
from matrixbot.matrix.sender import Sender
from matrixbot.matrix.transport import Transport
from matrixbot.time import format_time

log = logging.getLogger(__name__)

PAGE = 500
"""Events asked for per `/messages` request."""
BUDGET = 120.0
"""Seconds one gap may take to fetch, at most: the sync loop (every room) waits for it."""


class GapFiller:
    def __init__(self, client: Transport, lanes: Lanes, sender: Sender, settings: SettingsStore) -> None:
        self._client = client
        self._lanes = lanes
        self._sender = sender
        self._settings = settings

    async def fill(
        self, room_id: str, prev_batch: str, since: str, synced_at: float | None, received: int
    ) -> list[RoomEvent]:
        """The events from `prev_batch` back to the token `since`, oldest first; when not all of them
        could be fetched, what was, and the room is told about the rest (`synced_at`: when the bot
        last synced, where the unseen span begins)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BUDGET
        found: list[RoomEvent] = []
        start, complete, why = prev_batch, False, ""
        while loop.time() < deadline:
            response = await self._client.messages(room_id, start=start, end=since, limit=PAGE)
            if not isinstance(response, nio.RoomMessagesResponse):
                why = str(getattr(response, "message", response))
                break
            found.extend(from_sync(e, room_id, received) for e in response.chunk)
            if not response.chunk or not response.end or response.end == start:
                complete = True
                break
            start = response.end
        else:
            why = f"it took over {BUDGET:.0f} s"
        found.reverse()
        if complete:
            log.info("filled a gap of %d event(s) in %s", len(found), room_id)
        else:
            log.warning("could not fetch all missed events of %s (%s); got %d", room_id, why, len(found))
            until = found[0].ts / 1000 if found else received / 1000
            self._tell(room_id, since, synced_at, until)
        return found

    def _tell(self, room_id: str, since: str, synced_at: float | None, until: float) -> None:
        async def post() -> bool:
            zone = await self._settings.zone(room_id)
            with speaking(await self._settings.language(room_id)):
                end = h(format_time(datetime.fromtimestamp(until, UTC), zone))
                said = (
                    _(
                        "I could not fetch everything sent here while I was away: what was sent between "
                        "{start} and {end} was not seen, so commands in it were not handled. Please send "
                        "again what matters."
                    ).format(start=h(format_time(datetime.fromtimestamp(synced_at, UTC), zone)), end=end)
                    if synced_at
                    else _(
                        "I could not fetch everything sent here while I was away: what was sent before "
                        "{end} was not seen, so commands in it were not handled. Please send again what "
                        "matters."
                    ).format(end=end)
                )
            html = said
            # once per gap: a sync replayed after a crash starts from the same token
            await self._sender.outbox(f"gap:{room_id}:{since}").message(room_id, Message.from_html(html))
            return True

        self._lanes.add(Work(room_id, until, True, post))
