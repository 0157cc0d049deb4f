"""Voting in a date poll, three ways (`!vote`, native poll ticks, keycap reactions), each judged by
when it was sent: a vote sent before the poll closed counts however late it reaches the bot, and
when its result was already posted, the result is corrected and the room is told in one line."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

from matrixbot import (
    Context,
    Message,
    Outbox,
    PollResponse,
    Reaction,
    Rest,
    RoomEvent,
    Shown,
    UserError,
    command,
    format_time,
    h,
    on_poll_response,
    on_reaction,
    speaking,
)

from .base import PollId, PollsBase
from .model import Ballot, Fate, Outcome, Poll, count_votes, fate, native_ballot
from .parse import keycap_number, parse_choices
from .render import render_correction, too_late
from .texts import _


class Voting(PollsBase):
    @command("vote", example="!vote P3 1 3 maybe 5")
    async def vote(
        self, ctx: Context, poll: PollId = None, choices: Annotated[Rest, Shown("N… [maybe N…]|none")] = ""
    ) -> None:
        """Vote in a date poll: yes to some options, maybe to others.

        Your latest vote replaces your earlier one, however you voted. A vote counts when it was
        sent before the poll closed, even if it reaches me later."""
        found = await self._pick(ctx, poll, "!vote P3 1 3 maybe 5")
        sent = ctx.sent_at(found.created_at)
        judged = fate(found, sent)
        if judged is Fate.TOO_LATE:
            raise UserError(self._too_late(found, sent))
        yes, maybe = parse_choices(choices, len(found.options))
        before = await self._outcome(found) if judged is Fate.LATE_BUT_IN_TIME else None
        await self.polls.save_ballot(found.id, Ballot(ctx.sender, yes, maybe))
        listed = [
            _("yes to {numbers}").format(numbers=_numbers(yes)) if yes else "",
            _("maybe to {numbers}").format(numbers=_numbers(maybe)) if maybe else "",
        ]
        said = ", ".join(x for x in listed if x) or _("none of the options")
        in_time = " " + _("It was sent before the poll closed, so it counts.") if before is not None else ""
        # the voter's answer first, then the tally's edit: the vote is stored either way, and the
        # answer is not held up by a second round trip
        await ctx.reply(_("Your vote in {poll}: {said}.").format(poll=found.ref, said=said) + in_time)
        await self._counted(ctx.outbox, found, ctx.sender, before)

    @on_poll_response
    async def native_vote(self, response: PollResponse) -> None:
        poll = await self.polls.by_event(response.room_id, response.poll_event_id)
        if poll is None or poll.poll_event_id != response.poll_event_id:
            return
        ballot = native_ballot(response.sender, response.answers, len(poll.options))
        await self._judged(
            poll,
            response.sent.at(poll.created_at),
            response.event_id,
            response.sender,
            None if ballot is None else lambda: self.polls.save_ballot(poll.id, ballot),
        )

    @on_reaction
    async def reaction_vote(self, reaction: Reaction) -> None:
        number = keycap_number(reaction.key)
        if number is None:
            return
        poll = await self.polls.by_event(reaction.room_id, reaction.target)
        if poll is None or poll.text_event_id != reaction.target or number > len(poll.options):
            return

        async def save() -> None:
            if reaction.removed:
                await self.polls.remove_yes(poll.id, reaction.sender, number)
                return
            ballot = await self.polls.ballot(poll.id, reaction.sender)
            await self.polls.save_ballot(
                poll.id, Ballot(ballot.user_id, ballot.yes | {number}, ballot.maybe - {number})
            )

        sent = reaction.sent.at(poll.created_at)
        # a removal too late to count changes nothing, and is not worth a reply
        if reaction.removed and fate(poll, sent) is Fate.TOO_LATE:
            return
        await self._judged(poll, sent, reaction.cause, reaction.sender, save)

    async def _judged(
        self,
        poll: Poll,
        sent: datetime,
        cause: str,
        voter: str,
        save: Callable[[], Awaitable[None]] | None,
    ) -> None:
        """Count a vote that came without a command (`save` None: it changed nothing), or say that
        it came too late. Its tally edit has transaction ids of its own cause (the reaction, or
        the redaction that took it back), so every change shows."""
        judged = fate(poll, sent)
        if judged is Fate.TOO_LATE:
            vote = RoomEvent(cause, poll.room_id, voter, "", {})
            message = Message.from_html(h(self._too_late(poll, sent)))
            await self.outbox(f"closed:{cause}").message(poll.room_id, message, reply_to=vote)
            return
        if save is None:
            return
        before = await self._outcome(poll) if judged is Fate.LATE_BUT_IN_TIME else None
        await save()
        await self._counted(self.outbox(f"tally:{cause}"), poll, voter, before)

    async def _counted(self, outbox: Outbox, poll: Poll, voter: str, before: Outcome | None) -> None:
        """After a vote is stored: the tally edited and, for a vote that reached the bot after the
        result was posted (`before` is the result without it), the result corrected and said."""
        await self._refresh(outbox, poll)
        fresh = await self.polls.get(poll.room_id, poll.id) or poll
        if before is None or fresh.result_event_id is None:
            return  # an announcement still to come counts it anyway
        after = await self._outcome(fresh)
        await self._edit_result(outbox, fresh, after)
        with speaking(await self.language(poll.room_id)):
            line = render_correction(fresh, self._namer(poll.room_id)(voter), before, after)
        await outbox.message(poll.room_id, Message.from_html(line))

    async def _outcome(self, poll: Poll) -> Outcome:
        return count_votes(poll.options, await self.polls.ballots(poll.id), poll.picked)

    def _too_late(self, poll: Poll, sent: datetime) -> str:
        closed = poll.closed_at or poll.closes_at or sent
        gap = (sent - closed).total_seconds()
        when_sent = (
            _("{n} s after it").format(n=f"{gap:.0f}") if 1 <= gap < 60 else format_time(sent, poll.zone)
        )
        when_sent = _("at that very moment") if 0 <= gap < 1 else when_sent
        return too_late(poll, when_sent, format_time(closed, poll.zone))


def _numbers(numbers: frozenset[int]) -> str:
    return ", ".join(str(n) for n in sorted(numbers))
