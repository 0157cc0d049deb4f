"""What every part of the datepoll plugin shares: its stores, finding the poll a command means, the
live tally, and the names of the room's members. The commands live in plugin.py (creating, showing,
fixing, busy dates), voting.py and closing.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from matrixbot import Context, Message, Outbox, Plugin, Ref, UserError, resolve_single, speaking

from .model import Ballot, Outcome, Poll, count_votes
from .render import native_poll, render_announcement, render_poll, render_reminder
from .store import BusyStore, PollStore
from .texts import _, texts

PollId = Annotated[int | None, Ref("P", "poll")]


class PollsBase(Plugin):
    """What every part shares. What the room keeps (the poll, its live tally, the result, a
    correction, the nudge) is written in the room's language, whoever's command made it."""

    polls: PollStore
    busy_dates: BusyStore
    translations = texts

    async def setup(self) -> None:
        self.polls = PollStore(self.db)
        self.busy_dates = BusyStore(self.db)

    async def _pick(self, ctx: Context, given: int | None, example: str) -> Poll:
        """The poll a command means: the one given, or the room's only open one; when none is
        open, the room's only closed one (its results can still be shown)."""
        if given is None:
            open_polls = {p.id: p for p in await self.polls.open_polls(ctx.room_id)}
            closed = await self.polls.closed_ids(ctx.room_id) if not open_polls else []
            if not open_polls and len(closed) == 1:
                given = closed[0]
            else:
                return open_polls[resolve_single(open_polls, "P", "poll", None, example)]
        poll = await self.polls.get(ctx.room_id, given)
        if poll is None:
            raise UserError(
                _("There is no poll {poll} in this room; {command} lists the open ones.").format(
                    poll=f"P{given}", command=f"{self.prefix}polls"
                )
            )
        return poll

    async def _pick_open(self, ctx: Context, given: int | None, example: str) -> Poll:
        poll = await self._pick(ctx, given, example)
        if not poll.is_open:
            raise UserError(_("{poll} is already closed.").format(poll=poll.ref))
        return poll

    async def _pick_closed(self, ctx: Context, given: int | None, example: str) -> Poll:
        """A closed poll: the one given, or the room's latest closed one."""
        if given is None:
            closed = await self.polls.closed_ids(ctx.room_id)
            if not closed:
                raise UserError(_("There is no closed poll in this room."))
            given = closed[-1]
        poll = await self._pick(ctx, given, example)
        if poll.is_open:
            raise UserError(still_open(poll, self.prefix))
        return poll

    async def _tally(self, poll: Poll) -> str:
        """The poll's numbered message as the live tally of every vote, however it was given."""
        ballots = await self.polls.ballots(poll.id) if poll.id else []
        outcome = count_votes(poll.options, ballots, poll.picked)
        not_voted = self._not_voted(poll, ballots)
        with speaking(await self.language(poll.room_id)):
            return render_poll(poll, self.prefix, outcome, not_voted, self._namer(poll.room_id))

    async def _native(self, poll: Poll) -> dict[str, Any]:
        """The native poll's content, in the room's language."""
        with speaking(await self.language(poll.room_id)):
            return native_poll(poll)

    async def _refresh(self, outbox: Outbox, poll: Poll) -> None:
        """Edit the numbered poll message in place (`m.replace`) to show the tally now."""
        fresh = await self.polls.get(poll.room_id, poll.id) or poll
        if fresh.text_event_id:
            await outbox.edit(poll.room_id, fresh.text_event_id, Message.from_html(await self._tally(fresh)))

    async def _edit_result(self, outbox: Outbox, poll: Poll, outcome: Outcome) -> None:
        """Show the posted result again, edited in place, with `outcome` (a late vote, a pick); its
        mentions are not repeated, so nobody is notified twice."""
        if poll.result_event_id is None:
            return
        voters = [b.user_id for b in await self.polls.ballots(poll.id)]
        with speaking(await self.language(poll.room_id)):
            html = render_announcement(poll, outcome, voters, self._namer(poll.room_id), "", self.prefix)
        await outbox.edit(poll.room_id, poll.result_event_id, Message.from_html(html), notify=True)

    def _not_voted(self, poll: Poll, ballots: list[Ballot]) -> list[str]:
        voted = {b.user_id for b in ballots}
        return [u for u in self.rooms.humans(poll.room_id) if u not in voted]

    def _namer(self, room_id: str) -> Callable[[str], str]:
        return lambda user_id: self.rooms.display_name(room_id, user_id)

    async def _reminder(self, poll: Poll, not_voted: list[str], moved: str = "") -> str:
        """The nudge to those who have not voted, in the room's language."""
        with speaking(await self.language(poll.room_id)):
            return render_reminder(poll, not_voted, self._namer(poll.room_id), moved, self.prefix)


def still_open(poll: Poll, prefix: str) -> str:
    return _("{poll} is still open; close it first with {command}.").format(
        poll=poll.ref, command=f"{prefix}poll close {poll.ref}"
    )
