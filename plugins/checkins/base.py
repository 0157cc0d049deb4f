"""What every part of the checkins plugin shares: its store, the members asked and their states,
and how the room's times are shown. The commands live in plugin.py, the answers in answers.py and a
round's scheduled life (open, nudge, close) in rounds.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from matrixbot import Plugin, Ref, format_time

from .model import Asked, MemberState, Round, asked_now, possibly_inactive, states
from .render import Show
from .store import CheckinStore
from .texts import texts

RoundId = Annotated[int | None, Ref("C", "check-in round")]


class CheckinsBase(Plugin):
    """What every part shares. What the room keeps (the question, the nudge, the summary and its
    corrections) is written in the room's language, whoever's command made it; a nudge by direct
    message in the member's own."""

    store: CheckinStore
    translations = texts

    async def setup(self) -> None:
        self.store = CheckinStore(self.db)

    async def _to_ask(self, room_id: str, users: Sequence[str]) -> list[Asked]:
        """The members asked, each marked away when they are away now."""
        return asked_now(users, await self.store.members(room_id), self.clock.now())

    async def _states(self, rnd: Round) -> list[MemberState]:
        asked, answers = await self.store.asked(rnd.id), await self.store.answers(rnd.id)
        previous = [
            (await self.store.asked(p.id), await self.store.answers(p.id))
            for p in await self.store.closed_before(rnd.room_id, rnd.id, 2)
        ]
        users = [a.user_id for a in asked] + [a.user_id for a in answers]
        members = await self.store.members(rnd.room_id)
        return states(asked, answers, members, self._names(rnd.room_id, users), possibly_inactive(previous))

    async def _round(self, round_id: int) -> Round:
        rnd = await self.store.round(round_id)
        assert rnd is not None
        return rnd

    def _names(self, room_id: str, users: list[str]) -> dict[str, str]:
        return {u: self.rooms.display_name(room_id, u) for u in users}

    async def _show(self, room_id: str) -> Show:
        zone = await self.settings.zone(room_id)
        return lambda moment: format_time(moment, zone)
