"""From `/sync` responses to handled events: filtering, gaps, invites, encryption.

The sync filter asks for 100 timeline events per room (Synapse's default of 10 drops commands
sent in a burst). When a response is still `limited` (a gap, e.g. after a long downtime), the
missing events are fetched with `/messages` back to the previous token (`gaps.py`). On the very first start
the backlog is skipped; in a room the bot has just joined, only what came after its join counts.

A start's first sync asks for every room's whole state only when it must (the first start, or
rooms kept in the store that cannot be trusted: engine/roomstore.py). Otherwise the rooms are
rebuilt from the store and the sync goes on from the stored token, so a restart costs the same in
one room as in a thousand. Every sync's state events are kept with its token (matrix/roomstate.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import nio

from matrixbot.api.settings import SettingsStore
from matrixbot.config import Config
from matrixbot.engine.dispatch import Dispatcher
from matrixbot.engine.gaps import GapFiller
from matrixbot.engine.hello import arrival
from matrixbot.engine.inbox import Inbox
from matrixbot.engine.moves import RoomMoves
from matrixbot.engine.unreadable import UnreadableNotices
from matrixbot.errors import StartupError, SyncFailed
from matrixbot.i18n import ENGLISH, _, speaking
from matrixbot.lifecycle import Lifecycle
from matrixbot.matrix import crypto
from matrixbot.matrix.events import RoomEvent, from_sync
from matrixbot.matrix.outages import trouble_from_response
from matrixbot.matrix.rooms import RoomDirectory
from matrixbot.matrix.roomstate import StateChanges
from matrixbot.matrix.transport import Transport
from matrixbot.time import Clock

log = logging.getLogger(__name__)

SYNC_FILTER: dict[str, Any] = {
    "presence": {"not_types": ["*"]},
    "account_data": {"not_types": ["*"]},
    "room": {
        "timeline": {"limit": 100},
        "state": {"lazy_load_members": False},
        "ephemeral": {"not_types": ["*"]},
        "account_data": {"not_types": ["*"]},
    },
}
SYNC_TIMEOUT_MS = 30_000
SYNC_DEADLINE = SYNC_TIMEOUT_MS / 1000 + 15
"""A long-poll answer later than this is given up: a stalled connection must not leave the bot
deaf until nio's one-minute request timeout. The sync after it does not long-poll and has the
whole request timeout, so a homeserver merely slow to compute a big answer is still heard."""
SETTLE_MAX = 0.5
"""Seconds, at most, that a sync which brought nothing new to handle (most often only the echo of
an answer) waits for the dispatcher to finish before the next long-poll. Under a burst each
answer's echo would otherwise end the long-poll at once: 74-89 syncs during a 200-command burst,
each parsed by nio (~4 ms) and answered by the homeserver. Waiting lets the next sync carry
everything that arrived meanwhile. A sync that brought commands is followed by the next long-poll
at once, as before, so a lone command's answer is not delayed. Bounded, so a room whose answer
cannot be sent (retried for minutes) does not leave the other rooms unheard for long."""


class Syncer:
    def __init__(
        self,
        transport: Transport,
        config: Config,
        clock: Clock,
        inbox: Inbox,
        dispatcher: Dispatcher,
        gaps: GapFiller,
        moves: RoomMoves,
        rooms: RoomDirectory,
        lifecycle: Lifecycle,
        unreadable: UnreadableNotices | None,
        settings: SettingsStore,
    ) -> None:
        self._transport = transport
        self._config = config
        self._clock = clock
        self._inbox = inbox
        self._dispatcher = dispatcher
        self._gaps = gaps
        self._moves = moves
        self._rooms = rooms
        self._life = lifecycle
        self._unreadable = unreadable
        self._settings = settings
        self._encryption = transport.encryption
        self._decryptor = None if self._encryption is None else self._encryption.decryptor
        self._token: str | None = None
        self._synced_at: float | None = None
        self._full_state_first = True
        self._stalled = False
        self._settle = False
        self.last_ok: float | None = None
        """time.monotonic() of the last sync handled in full (/health and /metrics read it)."""

    async def resume(self) -> None:
        """Pick up where the last run stopped: its sync token, and the rooms as they were at that
        token when they can be trusted. Then `first_sync`, then `replay`."""
        self._token = await self._inbox.token()
        self._synced_at = await self._inbox.synced_at()
        kept = await self._inbox.kept_rooms(self._token, self._config.user_id)
        self._full_state_first = kept.distrust is not None
        if kept.distrust is not None:
            log.info("asking for the state of every room (%s)", kept.distrust)
            return
        self._transport.restore_rooms(kept.rooms)
        self._rooms.restore(kept.rooms)
        log.info("resumed %d room(s) from the store", len(kept.rooms))

    async def first_sync(self) -> None:
        """The start's first sync, without waiting for news: from the stored token on the rooms
        `resume` rebuilt, or with every room's whole state when they could not be rebuilt."""
        await self.sync_once(full_state=self._full_state_first, long_poll=False)

    async def replay(self) -> None:
        """Hand over the events stored but not handled (by the last run, or by the first sync).

        Only after the first sync has been processed: until then nio may not know every room (with
        encryption on it refuses to send into one it does not know) nor the rooms' power levels. Until this runs,
        syncs store their events without handing them over, so everything goes in order, once.
        """
        self._life.rooms_known.set()
        for row in await self._inbox.unfinished(undecrypted_since=time.time() - crypto.GIVE_UP_AFTER):
            event = RoomEvent.from_json(row["event"])
            if row["state"] == "pending":
                self._dispatcher.submit(event)
            elif self._decryptor is not None:
                await self._decryptor.hold(event.source(), event.room_id, time.time(), row["received_at"])

    async def sync_once(self, *, full_state: bool = False, long_poll: bool = True) -> None:
        long_poll = long_poll and not (full_state or self._stalled)
        if self._settle:
            self._settle = False
            await self._dispatcher.settle(SETTLE_MAX)
        request = self._transport.sync(
            timeout=SYNC_TIMEOUT_MS if long_poll else 0,
            sync_filter=SYNC_FILTER,
            since=self._token,
            full_state=full_state or None,
        )
        try:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow stop()'s cancellation
            async with asyncio.timeout(SYNC_DEADLINE if long_poll else None):
                response = await request
        except TimeoutError:
            self._stalled = long_poll
            raise
        self._stalled = False
        if not isinstance(response, nio.SyncResponse):
            if response.status_code == "M_UNKNOWN_TOKEN":
                raise StartupError("the homeserver no longer accepts the bot's access token; log in again")
            raise SyncFailed(trouble_from_response(response))
        await self._process(response, full_state=full_state)
        self.last_ok = time.monotonic()

    async def _process(self, response: nio.SyncResponse, *, full_state: bool = False) -> None:
        first_start = self._token is None
        received = self._received()
        await self._handle_invites(response)
        batch: list[RoomEvent] = []
        changes = StateChanges(replace_all=full_state)
        for room_id, info in response.rooms.join.items():
            gap: list[RoomEvent] = []
            if info.timeline.limited and info.timeline.prev_batch and self._token and not first_start:
                gap = await self._gaps.fill(
                    room_id, info.timeline.prev_batch, self._token, self._synced_at, received
                )
            # in the order they happened: the gap, the state at the timeline's start, the timeline
            sources = [e.source() for e in gap] + [e.source for e in (*info.state, *info.timeline.events)]
            for source in sources:
                if "state_key" in source:
                    self._rooms.observe_state(room_id, source)
                    changes.observe(room_id, source)
            if first_start:
                continue
            events = gap + [from_sync(e, room_id, received) for e in info.timeline.events]
            own = self._config.user_id
            batch.extend(_own_arrival(events, own))  # the bot's hello (engine/hello.py)
            batch.extend(e for e in _after_own_join(events, own) if e.sender != own)
        for room_id in response.rooms.leave:
            self._rooms.forget(room_id)
            changes.leave(room_id)
        new = await self._inbox.store(batch, response.next_batch, changes)
        self._token = response.next_batch
        self._synced_at = time.time()
        # a sync that brought nothing new (most often the echo of an answer) is followed by a wait
        # for the dispatcher: see SETTLE_MAX
        self._settle = not new
        for event in new if self._life.rooms_known.is_set() else ():
            if event.type != "m.room.encrypted":
                self._dispatcher.submit(event)
            elif self._decryptor is not None and event.sender != self._config.user_id:
                await self._decryptor.hold(event.source(), event.room_id, time.time())
        if new:
            # let the handlers just started run to their first wait (most often their answer's
            # send) before this loop builds the next request: ~0.6 ms sooner per answer
            await asyncio.sleep(0)
        if self._encryption is not None:
            await self._encryption.upkeep()
            await self._encryption.decryptor.ask_for_keys()
            await self._retry_unreadable(self._encryption.decryptor)

    async def _retry_unreadable(self, decryptor: crypto.Decryptor) -> None:
        """Hand over events whose keys have arrived; tell rooms about ones still unreadable (in
        their lanes: the sync loop never waits for those notices)."""
        assert self._unreadable is not None, "a decryptor comes with its notices"
        for _key, room_id, source, first_seen in decryptor.retry():
            event = RoomEvent.from_source(source, room_id, encrypted=True, received=int(first_seen * 1000))
            await self._inbox.decrypted(event)
            self._dispatcher.submit(event)
        now = time.time()
        self._unreadable.tell(decryptor.overdue(now), now)

    def _received(self) -> int:
        """Now on the bot's clock, in ms: when the events of this sync were received."""
        return int(self._clock.now().timestamp() * 1000)

    async def _handle_invites(self, response: nio.SyncResponse) -> None:
        for room_id, info in response.rooms.invite.items():
            inviter = next(
                (
                    e.sender
                    for e in info.invite_state
                    if isinstance(e, nio.InviteMemberEvent)
                    and e.state_key == self._config.user_id
                    and e.membership == "invite"
                ),
                None,
            )
            successor = await self._moves.successor(room_id)
            if inviter and (self._config.may_invite(inviter) or successor):
                if await self._transport.join(room_id):
                    log.info("joined %s on invite from %s", room_id, inviter)
                    await self._moves.joined(room_id)
                else:
                    log.warning("could not join %s", room_id)
            else:
                log.warning("refused invite to %s from %s (not in allowed_inviters)", room_id, inviter)
                accepted = self._config.allowed_inviters or (f"@*:{self._config.server_name}",)
                # in the inviter's own language if they chose one in a room they share with the bot
                # (a refused room has no settings of its own: nothing is read or kept for it)
                own = await self._settings.user_language(inviter) if inviter else None
                with speaking(own or ENGLISH):
                    reason = _(
                        "This bot accepts invites only from {who} (its admin can change that)."
                    ).format(who=", ".join(accepted))
                if not await self._rooms.reject_invite(room_id, reason):
                    log.warning("could not reject the invite to %s", room_id)


def _after_own_join(events: list[RoomEvent], bot_user_id: str) -> list[RoomEvent]:
    """In a room the bot just joined, only what came after its join is for it."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if (
            event.type == "m.room.member"
            and event.state_key == bot_user_id
            and event.content.get("membership") == "join"
            and (event.unsigned.get("prev_content") or {}).get("membership") != "join"
        ):
            return events[index + 1 :]
    return events


def _own_arrival(events: list[RoomEvent], bot_user_id: str) -> list[RoomEvent]:
    """The bot's own latest join among `events`, if there is one: what its hello answers."""
    return [e for e in events if arrival(e, bot_user_id) is not None][-1:]
