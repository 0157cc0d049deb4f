"""The datepoll plugin: commands, vote handlers and jobs. Parsing, logic, SQL and HTML live beside it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Annotated

from matrixbot import (
    N_,
    Body,
    BusyTime,
    CalendarItem,
    Context,
    Message,
    Rest,
    Shown,
    Title,
    UsageError,
    UserError,
    When,
    bdi,
    check_size,
    command,
    h,
    speaking,
)

from .base import PollId
from .calendar import deadline_items
from .closing import POLL_START, Closing
from .migrations import MIGRATIONS
from .model import Option, Poll, count_votes
from .parse import Proposal, parse_option, parse_proposal, split_busy
from .render import (
    option_line,
    pills,
    render_busy,
    render_open_polls,
    render_results,
)
from .texts import _
from .voting import Voting


class DatePoll(Voting, Closing):
    """Date polls: propose dates, vote three ways, close, pick the winner."""

    name = "datepoll"
    description = "Date polls: propose dates, vote, and pick the winner."
    migrations = MIGRATIONS

    # -- creating and showing -----------------------------------------------------------------

    @command(
        "poll",
        lines="OPTION⏎OPTION…⏎[closes: WHEN]",
        example="!poll CoTech call⏎3-4pm Monday⏎3-4pm Tuesday",
    )
    async def poll(self, ctx: Context, poll: PollId = None, title: Title = "", *, body: Body) -> None:
        """Propose dates (one per line), or show a poll's results.

        Each option is a date, a time or a time range; 'closes: Friday 5pm' sets a deadline.
        Options in the past, with a weekday that does not match the date, repeated, or on a busy
        date are flagged; fix one with !poll fix ID N NEW OPTION. "!poll P3" shows a poll's
        results."""
        if not title and not body:
            await self._show_results(ctx, poll)
            return
        if not title:
            raise UsageError(_("the first line after !poll is the poll's title"))
        if poll is not None:
            raise UsageError(_("give either a poll id (to see it) or a title (to create one)"))
        await self._create(ctx, title, body)

    async def _create(self, ctx: Context, title: str, body: Body) -> None:
        sent = ctx.sent_at()
        proposal = await self.times.read(lambda times: parse_proposal(title, body, times, ctx.zone, sent))
        await self._post(ctx, proposal)

    async def _post(self, ctx: Context, proposal: Proposal) -> None:
        """Store a poll and post its text version (the live tally) and its native poll."""
        options = [
            Option(number, text, when, self._problems(when), await self._clashes(ctx.room_id, when))
            for number, (text, when) in enumerate(proposal.options, start=1)
        ]
        closes_at = proposal.closes
        draft = Poll(
            id=0,
            room_id=ctx.room_id,
            creator=ctx.sender,
            title=proposal.title,
            zone=ctx.zone,
            created_at=ctx.now,
            closes_at=closes_at,
            state="open",
            text_event_id=None,
            poll_event_id=None,
            options=tuple(options),
        )
        check_size(await self._native(draft), _("That poll"))
        check_size(Message.from_html(await self._tally(draft)).content(), _("That poll"))
        quiet = await self._quiet(ctx.room_id)
        async with self.db.transaction() as tx:
            poll_id = await self.polls.create(tx, draft, ctx.event.event_id)
            if closes_at is not None:
                await self._schedule_deadline(tx, poll_id, ctx.room_id, ctx.now, closes_at, quiet)
        poll = replace(draft, id=poll_id)
        tally = await ctx.reply(await self._tally(poll))
        native = await ctx.outbox.event(ctx.room_id, POLL_START, await self._native(poll))
        await self.polls.set_events(poll_id, await tally.event_id(), await native.event_id())

    @staticmethod
    def _problems(when: When) -> tuple[str, ...]:
        """The parser's warnings of a proposed slot, as shown under it (stored: "in the past" in
        English, said in the language of the moment; the others as they were said)."""
        return tuple(N_("in the past") if p.kind == "past" else p.message for p in when.problems)

    async def _clashes(self, room_id: str, when: When) -> tuple[str, ...]:
        """What of the room's busy times (from every plugin) a slot overlaps."""
        end = when.end_utc or when.start_utc + timedelta(minutes=1)
        return tuple(busy.title for busy in await self.services.busy(room_id, when.start_utc, end))

    @poll.sub("results", example="!poll results P3")
    async def results(self, ctx: Context, poll: PollId = None) -> None:
        """Show who voted what, and who has not voted yet."""
        await self._show_results(ctx, poll)

    async def _show_results(self, ctx: Context, given: int | None) -> None:
        poll = await self._pick(ctx, given, "!poll P3")
        ballots = await self.polls.ballots(poll.id)
        other = ctx.user_zone if ctx.user_zone and ctx.user_zone != poll.zone else None
        outcome = count_votes(poll.options, ballots, poll.picked)
        not_voted = self._not_voted(poll, ballots)
        await ctx.reply(render_results(poll, outcome, not_voted, self._namer(poll.room_id), other))

    @command("polls")
    async def list_polls(self, ctx: Context) -> None:
        """List the open date polls of this room."""
        polls = await self.polls.open_polls(ctx.room_id)
        voters = {p.id: len(await self.polls.ballots(p.id)) for p in polls}
        await ctx.reply(render_open_polls(polls, voters))

    @poll.sub("fix", example="!poll fix P3 2 3-4pm Wednesday")
    async def fix(self, ctx: Context, given: PollId, n: int, option: Rest) -> None:
        """Replace option N; votes on the other options stay."""
        found = await self._pick_open(ctx, given, _("!poll fix P3 2 3-4pm Tue 5 Mar"))
        await ctx.require_admin(_("change {poll}").format(poll=found.ref), or_user=found.creator)
        if not 1 <= n <= len(found.options):
            raise UserError(
                _("{poll} has options 1 to {count}; there is no option {n}.").format(
                    poll=found.ref, count=len(found.options), n=n
                )
            )
        near = [o.when.start.date() for o in found.options if o.number != n]
        sent = ctx.sent_at()
        when = await self.times.read(
            lambda times: parse_option(option, times, found.zone, near=near, now=sent)
        )
        new = Option(n, option, when, self._problems(when), await self._clashes(ctx.room_id, when))
        poll = replace(found, options=tuple(new if o.number == n else o for o in found.options))
        content = await self._native(poll)
        check_size(content, _("That poll"))
        async with self.db.transaction() as tx:
            voters = await self.polls.replace_option(tx, poll.id, new)
        if poll.text_event_id and poll.poll_event_id:
            await ctx.outbox.edit(ctx.room_id, poll.text_event_id, Message.from_html(await self._tally(poll)))
            relation = {"rel_type": "m.replace", "event_id": poll.poll_event_id}
            await ctx.outbox.event(
                ctx.room_id, POLL_START, {**content, "m.new_content": content, "m.relates_to": relation}
            )
        text = _("{poll}: option {option} replaces {old}.").format(
            poll=poll.ref, option=option_line(new), old=bdi(found.option(n).text)
        )
        if not voters:
            await ctx.reply(text)
            return
        again = _("{people}: your vote for it was removed; please vote again.").format(
            people=pills(voters, self._namer(ctx.room_id))
        )
        await ctx.reply(f"{text}<br>{again}", mentions=voters, notify=True)

    @poll.sub("remind", example="!poll remind P3")
    async def remind(self, ctx: Context, poll: PollId = None) -> None:
        """Mention the members who have not voted yet."""
        found = await self._pick_open(ctx, poll, "!poll remind P3")
        not_voted = self._not_voted(found, await self.polls.ballots(found.id))
        if not not_voted:
            await ctx.reply(_("Everyone here has voted in {poll}.").format(poll=found.ref))
            return
        await ctx.reply(await self._reminder(found, not_voted), mentions=not_voted, notify=True)

    @poll.sub("close", example="!poll close P3")
    async def close(self, ctx: Context, poll: PollId = None) -> None:
        """Close a poll and announce the winner (its creator or a room admin).

        Votes sent before you sent this still count, even if they reach me later."""
        await self.close_now(ctx, poll)

    @poll.sub("closes", example="!poll closes P3 in 3 days")
    async def closes(self, ctx: Context, poll: PollId, when: Annotated[Rest, Shown("WHEN|none")]) -> None:
        """Set, move or remove a poll's deadline (its creator or a room admin)."""
        await self.set_closes(ctx, poll, when)

    @poll.sub("reopen", example="!poll reopen P3")
    async def reopen_poll(self, ctx: Context, poll: PollId = None) -> None:
        """Open a closed poll again; earlier votes stay (its creator or a room admin)."""
        await self.reopen(ctx, poll)

    @poll.sub("pick", example="!poll pick P3 2")
    async def pick_winner(self, ctx: Context, poll: PollId, n: int) -> None:
        """Settle a tie: pick one of the tied options (its creator or a room admin)."""
        await self.pick(ctx, poll, n)

    @poll.sub("runoff", lines="[closes: WHEN]", example="!poll runoff P3⏎closes: in 2 days")
    async def runoff(self, ctx: Context, poll: PollId = None, *, body: Body) -> None:
        """Ask again between a tied poll's tied options only, as a new poll."""
        tied, closes = await self.runoff_options(ctx, poll, body)
        winners = count_votes(tied.options, await self.polls.ballots(tied.id)).winners
        options = tuple((o.text, o.when) for o in winners)
        with speaking(ctx.room_language):
            title = _("Run-off of {poll}: {title}").format(poll=tied.ref, title=tied.title)
        await self._post(ctx, Proposal(title, options, closes))

    # -- busy dates -----------------------------------------------------------------------------

    @command("busy")
    async def busy(self, ctx: Context) -> None:
        """List the room's busy dates, which poll options are checked against."""
        await ctx.reply(render_busy(await self.busy_dates.all(ctx.room_id), self.prefix))

    @busy.sub("add", example="!busy add Workers Co-op Weekend 17-19 May")
    async def busy_add(self, ctx: Context, text: Annotated[Rest, Shown("NAME DATES")]) -> None:
        """Add a busy date; open polls are checked against it."""
        sent = ctx.sent_at()
        title, when = await self.times.read(lambda times: split_busy(text, times, ctx.zone, sent))
        number = await self.busy_dates.add(ctx.room_id, title, when, ctx.sender)
        warnings = "".join(f"<br>⚠️ {h(p.message)}" for p in when.problems)
        added = _("Busy date {n} added: {title}, {when}.").format(n=number, title=bdi(title), when=h(when))
        await ctx.reply(f"{added}{warnings}")
        await self.services.busy_changed(ctx.room_id, ctx.event.event_id)

    @busy.sub("remove", example="!busy remove 2")
    async def busy_remove(self, ctx: Context, n: int) -> None:
        """Remove a busy date (whoever added it, or a room admin)."""
        added_by = await self.busy_dates.added_by(ctx.room_id, n)
        if added_by is None:
            raise UserError(
                _("There is no busy date {n} here; {command} lists them.").format(
                    n=n, command=f"{self.prefix}busy"
                )
            )
        await ctx.require_admin(
            _("remove busy date {n}").format(n=n), or_user=added_by, role=_("who added it")
        )
        await self.busy_dates.remove(ctx.room_id, n)
        await ctx.reply(_("Busy date {n} removed.").format(n=n))
        await self.services.busy_changed(ctx.room_id, ctx.event.event_id)

    async def busy_times(self, room_id: str, start: datetime, end: datetime) -> list[BusyTime]:
        entries = await self.busy_dates.overlapping(room_id, start, end)
        return [
            BusyTime(title, w.start_utc, w.end_utc or w.start_utc, self.name) for _number, title, w in entries
        ]

    async def calendar_items(self, room_id: str, start: datetime, end: datetime) -> list[CalendarItem]:
        """The deadlines of the room's open polls, for its calendar."""
        return deadline_items(await self.polls.open_polls(room_id), start, end, self.prefix)

    async def busy_changed(self, room_id: str, cause: str) -> None:
        """The room's busy times changed (a busy date, a meeting): mark the open polls' options
        that clash now, and no longer mark those that do not, in their live tallies."""
        for poll in await self.polls.open_polls(room_id):
            clashes = {o.number: await self._clashes(room_id, o.when) for o in poll.options}
            if all(clashes[o.number] == o.clashes for o in poll.options):
                continue
            await self.polls.set_clashes(poll.id, clashes)
            await self._refresh(self.outbox(f"busy:{cause}:{poll.id}"), poll)
