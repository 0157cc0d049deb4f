"""A poll's life after it is posted: its deadline set or moved, closing (by hand or at the
deadline), the result, a tie settled, reopening; the nudge before the deadline.

Jobs are keyed with the deadline they belong to (`p3:close@1741190400`) or what closed the poll
(`p3:announce:$event`), so a moved deadline or a poll closed, reopened and closed again schedules
afresh instead of meeting its old, done key.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from matrixbot import (
    Body,
    Context,
    JobRun,
    Message,
    Outbox,
    PollWinner,
    Scheduled,
    Tx,
    UsageError,
    UserError,
    WorkingHours,
    declared,
    h,
    job,
    moved_note,
)

from .base import PollsBase, still_open
from .ical import winner_ics
from .model import Outcome, Poll, count_votes, reminder_time
from .parse import parse_deadline
from .render import native_poll_end, option_line, render_announcement, winner_summary
from .texts import _, texts

Quiet = tuple[str, WorkingHours | None]
"""A room's zone and working hours, which a nudge is kept within."""
POLL_START = "org.matrix.msc3381.poll.start"
POLL_END = "org.matrix.msc3381.poll.end"


def no_deadline() -> frozenset[str]:
    """Words for no deadline (`!poll closes P3 none`), in English and the language being written."""
    return texts.keyword("none") | texts.keyword("off") | texts.keyword("never")


class Closing(PollsBase):
    # the `poll` command and its other subcommands are declared in plugin.py
    async def _schedule_deadline(
        self, tx: Tx, poll_id: int, room_id: str, now: datetime, closes_at: datetime, quiet: Quiet
    ) -> None:
        """The close at the deadline a person set (never moved), and the non-voters' nudge before it,
        within the room's working hours (`quiet`: its zone and hours, read before the transaction)."""
        payload = {"poll": poll_id, "at": closes_at.timestamp()}
        stamp = int(closes_at.timestamp())
        await self.jobs.schedule(
            tx, "close", closes_at, payload, key=f"p{poll_id}:close@{stamp}", room_id=room_id
        )
        remind = reminder_time(now, closes_at, *quiet)
        if remind is not None:
            moved = payload | remind.to_payload()
            await self.jobs.schedule(
                tx, "remind", remind.at, moved, key=f"p{poll_id}:remind@{stamp}", room_id=room_id
            )

    async def _quiet(self, room_id: str) -> Quiet:
        return (await self.settings.zone(room_id), await self.settings.working_hours(room_id))

    async def set_closes(self, ctx: Context, given: int | None, when: str) -> None:
        """`!poll closes [ID] WHEN`: add, move or (`none`) remove the deadline of an open poll."""
        poll = await self._pick_open(ctx, given, _("!poll closes P3 Friday 5pm"))
        await ctx.require_admin(
            _("change the deadline of {poll}").format(poll=poll.ref), or_user=poll.creator
        )
        closes_at = None
        if when.strip().lower() not in no_deadline():
            sent = ctx.sent_at()
            closes_at = await self.times.read(lambda times: parse_deadline(when, times, poll.zone, now=sent))
        quiet = await self._quiet(poll.room_id)
        async with self.db.transaction() as tx:
            await self.jobs.cancel(tx, key_prefix=f"p{poll.id}:")
            await self.polls.set_deadline(tx, poll.id, closes_at)
            if closes_at is not None:
                await self._schedule_deadline(tx, poll.id, poll.room_id, ctx.now, closes_at, quiet)
        was = " " + _("(was {when})").format(when=h(ctx.show_time(poll.closes_at))) if poll.closes_at else ""
        said = (
            _("{poll} now closes {when}{was}.").format(
                poll=poll.ref, when=h(ctx.show_time(closes_at)), was=was
            )
            if closes_at
            else _("{poll} has no deadline now{was}.").format(poll=poll.ref, was=was)
        )
        await ctx.reply(said)
        await self._refresh(ctx.outbox, poll)

    async def close_now(self, ctx: Context, given: int | None) -> None:
        """`!poll close [ID]`: closed as of when the command was sent (or its deadline, if earlier)."""
        poll = await self._pick_open(ctx, given, "!poll close P3")
        await ctx.require_admin(_("close {poll}").format(poll=poll.ref), or_user=poll.creator)
        closed_at = ctx.sent_at(poll.created_at)
        if poll.closes_at is not None:
            closed_at = min(closed_at, poll.closes_at)
        async with self.db.transaction() as tx:
            if await self.polls.close(tx, poll.id, closed_at):
                await self.jobs.cancel(tx, key_prefix=f"p{poll.id}:")
                await self._schedule_announce(tx, poll, ctx.now, ctx.event.event_id, late=None)

    async def reopen(self, ctx: Context, given: int | None) -> None:
        """`!poll reopen [ID]`: votes count again; a deadline already past is dropped."""
        poll = await self._pick_closed(ctx, given, "!poll reopen P3")
        await ctx.require_admin(_("reopen {poll}").format(poll=poll.ref), or_user=poll.creator)
        keeps = poll.closes_at is not None and poll.closes_at > ctx.now
        closes_at = poll.closes_at if keeps else None
        quiet = await self._quiet(poll.room_id)
        async with self.db.transaction() as tx:
            await self.polls.reopen(tx, poll.id, closes_at)
            await self.jobs.cancel(tx, key_prefix=f"p{poll.id}:")
            if closes_at is not None:
                await self._schedule_deadline(tx, poll.id, poll.room_id, ctx.now, closes_at, quiet)
        reopened = await self.polls.get(poll.room_id, poll.id) or poll
        # the native poll has ended for good in every client: a new one takes its place
        native = await ctx.outbox.event(ctx.room_id, POLL_START, await self._native(reopened))
        await self.polls.set_poll_event(poll.id, await native.event_id())
        deadline = (
            _("It still closes {when}.").format(when=h(ctx.show_time(closes_at)))
            if closes_at
            else _("It has no deadline now: set one with {command}.").format(
                command=f"<code>{h(self.prefix)}poll closes {poll.ref} WHEN</code>"
            )
        )
        again = _(
            "{poll} is open again: earlier votes stay, and new ones count; the poll below replaces the ended one."
        ).format(poll=poll.ref)
        await ctx.reply(f"{again} {deadline}")
        await self._refresh(ctx.outbox, reopened)

    async def pick(self, ctx: Context, given: int | None, number: int) -> None:
        """`!poll pick [ID] N`: settle a tie with one of the tied options."""
        poll = await self._pick_closed(ctx, given, "!poll pick P3 2")
        await ctx.require_admin(_("pick the winner of {poll}").format(poll=poll.ref), or_user=poll.creator)
        outcome = count_votes(poll.options, await self.polls.ballots(poll.id))
        if not outcome.is_tie:
            raise UserError(_("{poll} did not end in a tie; there is nothing to pick.").format(poll=poll.ref))
        tied = [o.number for o in outcome.winners]
        if number not in tied:
            raise UserError(
                _("Option {n} is not one of the tied options of {poll} ({numbers}).").format(
                    n=number, poll=poll.ref, numbers=", ".join(map(str, tied))
                )
            )
        await self.polls.pick(poll.id, number)
        picked = await self.polls.get(poll.room_id, poll.id) or poll
        await ctx.reply(
            _("Picked for {poll}: {option}.").format(poll=poll.ref, option=option_line(picked.option(number)))
        )
        await self._refresh(ctx.outbox, picked)
        result = count_votes(picked.options, await self.polls.ballots(poll.id), number)
        await self._edit_result(ctx.outbox, picked, result)
        await self._winner_file(ctx.outbox, picked, result, ctx.now)

    async def runoff_options(
        self, ctx: Context, given: int | None, body: Body
    ) -> tuple[Poll, datetime | None]:
        """The tied poll a `!poll runoff` asks again about, and its optional `closes:` line."""
        poll = await self._pick_closed(ctx, given, "!poll runoff P3")
        await ctx.require_admin(_("start a run-off of {poll}").format(poll=poll.ref), or_user=poll.creator)
        if not count_votes(poll.options, await self.polls.ballots(poll.id)).is_tie:
            raise UserError(
                _("{poll} did not end in a tie; there is nothing to run off.").format(poll=poll.ref)
            )
        fields, other = body.fields(["closes"], free=True)
        if other:
            raise UsageError(_("line {n}: a run-off takes only a 'closes:' line").format(n=other[0][0]))
        closes = None
        if "closes" in fields:
            value, sent = fields["closes"].value, ctx.sent_at()
            closes = await self.times.read(lambda times: parse_deadline(value, times, poll.zone, now=sent))
        return poll, closes

    async def _schedule_announce(
        self, tx: Tx, poll: Poll, now: datetime, cause: str, *, late: str | None
    ) -> None:
        """The announcement is a job, so a crash between closing and posting cannot lose it; keyed
        by what closed the poll (a poll reopened and closed again is announced again)."""
        payload = {"poll": poll.id, "late": late}  # why the close came after the deadline, or None
        key = f"p{poll.id}:announce:{cause}"
        await self.jobs.schedule(tx, "announce", now, payload, key=key, room_id=poll.room_id)

    # -- jobs -----------------------------------------------------------------------------------

    @job("remind", nudge=True)
    async def remind_job(self, run: JobRun) -> None:
        """Nudge who has not voted; run late, only while the poll is still open and someone has
        not voted, counting the votes that came meanwhile."""
        poll = await self.polls.get(run.job.room_id or "", run.payload["poll"])
        if poll is None or not poll.is_open or (poll.closes_at is not None and poll.closes_at <= run.now):
            return
        not_voted = self._not_voted(poll, await self.polls.ballots(poll.id))
        if not_voted:
            moved = moved_note(Scheduled.from_payload(run.job.due_at, run.payload), poll.zone)
            html = await self._reminder(poll, not_voted, moved) + run.late_line(poll.zone, _("This reminder"))
            await run.outbox.message(poll.room_id, Message.from_html(html, mentions=not_voted), notify=True)

    @job("close")
    async def close_job(self, run: JobRun) -> None:
        """The deadline: closed as of the deadline, after every vote sent before it was counted."""
        poll = await self.polls.get(run.job.room_id or "", run.payload["poll"])
        if poll is None or poll.closes_at is None or poll.closes_at.timestamp() != run.payload.get("at"):
            return  # the deadline moved since (its own job closes it)
        async with self.db.transaction() as tx:
            if await self.polls.close(tx, poll.id, poll.closes_at):
                await self.jobs.cancel(tx, key_prefix=f"p{poll.id}:")
                late = run.reason() if run.late or run.missed else None  # English: said when announced
                await self._schedule_announce(tx, poll, run.now, f"job{run.job.id}", late=late)

    @job("announce")
    async def announce_job(self, run: JobRun) -> None:
        poll = await self.polls.get(run.job.room_id or "", run.payload["poll"])
        if poll is None or poll.is_open:
            return
        ballots = await self.polls.ballots(poll.id)
        outcome = count_votes(poll.options, ballots, poll.picked)
        if poll.poll_event_id:
            end = native_poll_end(poll, winner_summary(outcome), outcome)
            await run.outbox.event(poll.room_id, POLL_END, end)
        await self._refresh(run.outbox, poll)
        voters = [b.user_id for b in ballots]
        html = render_announcement(poll, outcome, voters, self._namer(poll.room_id), "", self.prefix)
        late = run.payload.get("late")
        if late:  # before, a flag ("True"): the bot was offline, as it was then the only reason
            why = declared(late if isinstance(late, str) else "the bot was offline")
            said = _("This result is late: {why} at the deadline.").format(why=h(why))
            html += f"<br><i>{said}</i>"
        result = await run.outbox.message(poll.room_id, Message.from_html(html, mentions=voters), notify=True)
        await self.polls.set_result(poll.id, await result.event_id())
        await self._winner_file(run.outbox, poll, outcome, run.now)

    async def _winner_file(self, outbox: Outbox, poll: Poll, outcome: Outcome, now: datetime) -> None:
        if len(outcome.winners) == 1:
            uid = f"datepoll-{poll.id}-{poll.room_id}"
            data = winner_ics(poll.title, outcome.winners[0], uid, now)
            await outbox.file(poll.room_id, data, f"{poll.ref}.ics", "text/calendar")

    # -- for the meetings plugin ----------------------------------------------------------------

    async def winner_for_meeting(
        self, room_id: str, poll_number: int, option: int | None = None
    ) -> PollWinner:
        """The winning slot of a closed poll (`!meeting from-poll P3`), or, from a tie, the tied
        option chosen (`!meeting from-poll P3 2`); UserError if there is none."""
        poll = await self.polls.get(room_id, poll_number)
        if poll is None:
            raise UserError(_("There is no poll {poll} in this room.").format(poll=f"P{poll_number}"))
        if poll.is_open:
            raise UserError(still_open(poll, self.prefix))
        outcome = count_votes(poll.options, await self.polls.ballots(poll.id), poll.picked)
        if not outcome.winners:
            raise UserError(_("{poll} has no winner: nobody voted for any option.").format(poll=poll.ref))
        winners = {o.number: o for o in outcome.winners}
        if option is not None:
            if option not in winners:
                said = (
                    _("Option {n} is not one of the tied options ({numbers}) of {poll}.")
                    if outcome.is_tie
                    else _("Option {n} is not its winner ({numbers}) of {poll}.")
                )
                raise UserError(said.format(n=option, numbers=", ".join(map(str, winners)), poll=poll.ref))
            chosen = winners[option]
        elif outcome.is_tie:
            raise UserError(
                _("{poll} ended in a tie (options {numbers}): say which, e.g. {example}.").format(
                    poll=poll.ref,
                    numbers=", ".join(map(str, winners)),
                    example=f"{self.prefix}meeting from-poll {poll.ref} {outcome.winners[0].number}",
                )
            )
        else:
            chosen = outcome.winners[0]
        zone = ZoneInfo(poll.zone)
        end = chosen.when.end.astimezone(zone) if chosen.when.end else None
        return PollWinner(poll.title, chosen.when.start.astimezone(zone), end, poll.zone, poll.id)
