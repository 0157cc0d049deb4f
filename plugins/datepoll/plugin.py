"""The datepoll plugin: commands, vote handlers and jobs. Parsing, logic, SQL and HTML live beside it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from matrixbot import (
    Body,
    BusyTime,
    Context,
    JobRun,
    Message,
    Outbox,
    Plugin,
    PollResponse,
    PollWinner,
    Reaction,
    Ref,
    Rest,
    RoomEvent,
    Scheduled,
    Tx,
    UsageError,
    UserError,
    When,
    WorkingHours,
    bdi,
    check_size,
    command,
    h,
    job,
    moved_note,
    on_poll_response,
    on_reaction,
    resolve_single,
)

from .ical import winner_ics
from .migrations import MIGRATIONS
from .model import Ballot, Option, Poll, count_votes, native_ballot, reminder_time
from .parse import keycap_number, parse_choices, parse_option, parse_proposal, split_busy
from .render import (
    native_poll,
    native_poll_end,
    option_line,
    pills,
    render_announcement,
    render_busy,
    render_open_polls,
    render_poll,
    render_reminder,
    render_results,
    winner_summary,
)
from .store import BusyStore, PollStore

PollId = Annotated[int | None, Ref("P", "poll")]
Quiet = tuple[str, WorkingHours | None]
"""A room's zone and working hours, which a nudge is kept within."""
POLL_START = "org.matrix.msc3381.poll.start"
POLL_END = "org.matrix.msc3381.poll.end"


class DatePoll(Plugin):
    """Date polls: propose dates, vote three ways, close, pick the winner."""

    name = "datepoll"
    description = "Date polls: propose dates, vote, and pick the winner."
    migrations = MIGRATIONS

    async def setup(self) -> None:
        self.polls = PollStore(self.db)
        self.busy_dates = BusyStore(self.db)

    # -- creating and showing -----------------------------------------------------------------

    @command("poll", usage="TITLE⏎OPTION⏎OPTION…⏎[closes: WHEN]  |  [ID]")
    async def poll(self, ctx: Context, poll: PollId = None, title: Rest = "", *, body: Body) -> None:
        """Propose dates (one per line), or show a poll's results. Example: !poll CoTech call⏎3-4pm 26 Feb⏎3-4pm 27 Feb

        Each option is a date, a time or a time range; 'closes: Friday 5pm' sets a deadline.
        Options in the past, with a weekday that does not match the date, repeated, or on a busy
        date are flagged; fix one with !poll fix ID N NEW OPTION."""
        if not title and not body:
            await self._show_results(ctx, poll)
            return
        if not title:
            raise UsageError("the first line after !poll is the poll's title")
        if poll is not None:
            raise UsageError("give either a poll id (to see it) or a title (to create one)")
        await self._create(ctx, title, body)

    async def _create(self, ctx: Context, title: str, body: Body) -> None:
        proposal = await self.times.read(lambda times: parse_proposal(title, body, times, ctx.zone))
        options = [
            Option(number, text, when, await self._notes(ctx.room_id, when))
            for number, (text, when) in enumerate(proposal.options, start=1)
        ]
        closes_at = proposal.closes.start_utc if proposal.closes else None
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
        check_size(native_poll(draft), "That poll")
        check_size(Message.from_html(render_poll(draft, self.prefix)).content(), "That poll")
        quiet = (ctx.zone, await self.settings.working_hours(ctx.room_id))
        async with self.db.transaction() as tx:
            poll_id = await self.polls.create(tx, draft, ctx.event.event_id)
            if closes_at is not None:
                await self._schedule_deadline(tx, poll_id, ctx.room_id, ctx.now, closes_at, quiet)
        poll = replace(draft, id=poll_id)
        text_id = await ctx.reply(await self._tally(poll))
        poll_event = await ctx.outbox.event(ctx.room_id, POLL_START, native_poll(poll))
        await self.polls.set_events(poll_id, text_id, poll_event)

    async def _schedule_deadline(
        self, tx: Tx, poll_id: int, room_id: str, now: datetime, closes_at: datetime, quiet: Quiet
    ) -> None:
        """The close at the deadline a person set (never moved), and the non-voters' nudge before it,
        within the room's working hours (`quiet`: its zone and hours, read before the transaction)."""
        payload = {"poll": poll_id}
        await self.jobs.schedule(tx, "close", closes_at, payload, key=f"p{poll_id}:close", room_id=room_id)
        remind = reminder_time(now, closes_at, *quiet)
        if remind is not None:
            moved = payload | remind.to_payload()
            await self.jobs.schedule(
                tx, "remind", remind.at, moved, key=f"p{poll_id}:remind", room_id=room_id
            )

    async def _notes(self, room_id: str, when: When) -> tuple[str, ...]:
        """The warnings of a proposed slot: the parser's problems and clashes with the room's busy times."""
        notes = ["in the past" if p.kind == "past" else p.message for p in when.problems]
        end = when.end_utc or when.start_utc + timedelta(minutes=1)
        for busy in await self.services.busy(room_id, when.start_utc, end):
            notes.append(f"clashes with {busy.title}")
        return tuple(notes)

    @poll.sub("results", usage="[ID]")
    async def results(self, ctx: Context, poll: PollId = None) -> None:
        """Show who voted what, and who has not voted yet. Example: !poll results P3"""
        await self._show_results(ctx, poll)

    async def _show_results(self, ctx: Context, given: int | None) -> None:
        poll = await self._pick(ctx, given, "!poll P3")
        ballots = await self.polls.ballots(poll.id)
        other = ctx.user_zone if ctx.user_zone and ctx.user_zone != poll.zone else None
        outcome = count_votes(poll.options, ballots)
        not_voted = self._not_voted(poll, ballots)
        await ctx.reply(render_results(poll, outcome, not_voted, self._namer(poll.room_id), other))

    @command("polls")
    async def list_polls(self, ctx: Context) -> None:
        """List the open date polls of this room."""
        polls = await self.polls.open_polls(ctx.room_id)
        voters = {p.id: len(await self.polls.ballots(p.id)) for p in polls}
        await ctx.reply(render_open_polls(polls, voters))

    @poll.sub("fix", usage="[ID] N NEW OPTION")
    async def fix(
        self, ctx: Context, given: PollId = None, number: int | None = None, option: Rest = ""
    ) -> None:
        """Replace option N; votes on the other options stay. Example: !poll fix P3 3 3-4pm 5 March"""
        if number is None or not option:
            raise UsageError("say which option and what it should be")
        found = await self._pick_open(ctx, given, "!poll fix P3 2 3-4pm Tue 5 Mar")
        await ctx.require_admin(f"change {found.ref}", or_user=found.creator)
        if not 1 <= number <= len(found.options):
            raise UserError(
                f"{found.ref} has options 1 to {len(found.options)}; there is no option {number}."
            )
        near = [o.when.start.date() for o in found.options if o.number != number]
        when = await self.times.read(lambda times: parse_option(option, times, found.zone, near=near))
        new = Option(number, option, when, await self._notes(ctx.room_id, when))
        poll = replace(found, options=tuple(new if o.number == number else o for o in found.options))
        check_size(native_poll(poll), "That poll")
        async with self.db.transaction() as tx:
            voters = await self.polls.replace_option(tx, poll.id, new)
        if poll.text_event_id and poll.poll_event_id:
            await ctx.outbox.edit(ctx.room_id, poll.text_event_id, Message.from_html(await self._tally(poll)))
            content = native_poll(poll)
            relation = {"rel_type": "m.replace", "event_id": poll.poll_event_id}
            await ctx.outbox.event(
                ctx.room_id, POLL_START, {**content, "m.new_content": content, "m.relates_to": relation}
            )
        text = f"{poll.ref}: option {option_line(new)} replaces {bdi(found.option(number).text)}."
        if not voters:
            await ctx.reply(text)
            return
        await ctx.reply(
            f"{text}<br>{pills(voters, self._namer(ctx.room_id))}: your vote for it was removed; please vote again.",
            mentions=voters,
            notify=True,
        )

    @poll.sub("remind", usage="[ID]")
    async def remind(self, ctx: Context, poll: PollId = None) -> None:
        """Mention the members who have not voted yet. Example: !poll remind P3"""
        found = await self._pick_open(ctx, poll, "!poll remind P3")
        not_voted = self._not_voted(found, await self.polls.ballots(found.id))
        if not not_voted:
            await ctx.reply(f"Everyone here has voted in {found.ref}.")
            return
        await ctx.reply(self._reminder(found, not_voted, ""), mentions=not_voted, notify=True)

    @poll.sub("close", usage="[ID]")
    async def close(self, ctx: Context, poll: PollId = None) -> None:
        """Close a poll and announce the winner (its creator or a room admin). Example: !poll close P3"""
        found = await self._pick_open(ctx, poll, "!poll close P3")
        await ctx.require_admin(f"close {found.ref}", or_user=found.creator)
        async with self.db.transaction() as tx:
            await self.polls.close(tx, found.id)
            await self.jobs.cancel(tx, key_prefix=f"p{found.id}:")
            await self._schedule_announce(tx, found, ctx.now, late=False)

    async def _schedule_announce(self, tx: Tx, poll: Poll, now: datetime, *, late: bool) -> None:
        """The announcement is a job, so a crash between closing and posting cannot lose it."""
        payload = {"poll": poll.id, "late": late}
        await self.jobs.schedule(
            tx, "announce", now, payload, key=f"p{poll.id}:announce", room_id=poll.room_id
        )

    # -- voting ---------------------------------------------------------------------------------

    @command("vote", usage="[ID] N… [maybe N…] | none")
    async def vote(self, ctx: Context, poll: PollId = None, choices: Rest = "") -> None:
        """Vote in a date poll: yes to some options, maybe to others. Example: !vote P3 1 3 maybe 5

        Your latest vote replaces your earlier one, however you voted."""
        found = await self._pick(ctx, poll, "!vote P3 1 3 maybe 5")
        if not found.is_open:
            raise UserError(f"{found.ref} is closed; your vote was not counted.")
        yes, maybe = parse_choices(choices, len(found.options))
        await self.polls.save_ballot(found.id, Ballot(ctx.sender, yes, maybe))
        listed = [f"yes to {_numbers(yes)}" if yes else "", f"maybe to {_numbers(maybe)}" if maybe else ""]
        said = ", ".join(x for x in listed if x) or "none of the options"
        # the voter's answer first, then the tally's edit: the vote is stored either way, and the
        # answer is not held up by a second round trip
        await ctx.reply(f"Your vote in {found.ref}: {said}.")
        await self._refresh(ctx.outbox, found)

    @on_poll_response
    async def native_vote(self, response: PollResponse) -> None:
        poll = await self.polls.by_event(response.room_id, response.poll_event_id)
        if poll is None or poll.poll_event_id != response.poll_event_id:
            return
        if not poll.is_open:
            await self._refuse_closed(poll, response.event_id, response.sender)
            return
        ballot = native_ballot(response.sender, response.answers, len(poll.options))
        if ballot is not None:
            await self.polls.save_ballot(poll.id, ballot)
            await self._refresh(self.outbox(f"tally:{response.event_id}"), poll)

    @on_reaction
    async def reaction_vote(self, reaction: Reaction) -> None:
        number = keycap_number(reaction.key)
        if number is None:
            return
        poll = await self.polls.by_event(reaction.room_id, reaction.target)
        if poll is None or poll.text_event_id != reaction.target or number > len(poll.options):
            return
        if not poll.is_open:
            if not reaction.removed:
                await self._refuse_closed(poll, reaction.event_id, reaction.sender)
            return
        if reaction.removed:
            await self.polls.remove_yes(poll.id, reaction.sender, number)
        else:
            ballot = await self.polls.ballot(poll.id, reaction.sender)
            await self.polls.save_ballot(
                poll.id, Ballot(ballot.user_id, ballot.yes | {number}, ballot.maybe - {number})
            )
        await self._refresh(self.outbox(f"tally:{reaction.event_id}"), poll)

    async def _refuse_closed(self, poll: Poll, event_id: str, sender: str) -> None:
        vote = RoomEvent(event_id, poll.room_id, sender, "", {})
        message = Message.from_html(f"{poll.ref} is closed; your vote was not counted.")
        await self.outbox(f"closed:{event_id}").message(poll.room_id, message, reply_to=vote)

    # -- busy dates -----------------------------------------------------------------------------

    @command("busy", usage="| add NAME DATES | remove N")
    async def busy(self, ctx: Context) -> None:
        """List the room's busy dates, which new poll options are checked against."""
        await ctx.reply(render_busy(await self.busy_dates.all(ctx.room_id), self.prefix))

    @busy.sub("add", usage="NAME DATES")
    async def busy_add(self, ctx: Context, text: Rest) -> None:
        """Add a busy date. Example: !busy add Workers Co-op Weekend 17-19 May"""
        title, when = await self.times.read(lambda times: split_busy(text, times, ctx.zone))
        number = await self.busy_dates.add(ctx.room_id, title, when, ctx.sender)
        warnings = "".join(f"<br>⚠️ {h(p.message)}" for p in when.problems)
        await ctx.reply(f"Busy date {number} added: {bdi(title)}, {h(when)}.{warnings}")

    @busy.sub("remove", usage="N")
    async def busy_remove(self, ctx: Context, number: int) -> None:
        """Remove a busy date (whoever added it, or a room admin). Example: !busy remove 2"""
        added_by = await self.busy_dates.added_by(ctx.room_id, number)
        if added_by is None:
            raise UserError(f"There is no busy date {number} here; {self.prefix}busy lists them.")
        await ctx.require_admin(f"remove busy date {number}", or_user=added_by)
        await self.busy_dates.remove(ctx.room_id, number)
        await ctx.reply(f"Busy date {number} removed.")

    async def busy_times(self, room_id: str, start: datetime, end: datetime) -> list[BusyTime]:
        entries = await self.busy_dates.overlapping(room_id, start, end)
        return [BusyTime(title, w.start_utc, w.end_utc or w.start_utc, self.name) for _, title, w in entries]

    # -- jobs -----------------------------------------------------------------------------------

    @job("remind")
    async def remind_job(self, run: JobRun) -> None:
        poll = await self.polls.get(run.job.room_id or "", run.payload["poll"])
        if poll is None or not poll.is_open:
            return
        not_voted = self._not_voted(poll, await self.polls.ballots(poll.id))
        if not_voted:
            moved = moved_note(Scheduled.from_payload(run.job.due_at, run.payload), poll.zone)
            html = self._reminder(poll, not_voted, moved) + run.late_line(poll.zone, "This reminder")
            await run.outbox.message(poll.room_id, Message.from_html(html, mentions=not_voted), notify=True)

    @job("close")
    async def close_job(self, run: JobRun) -> None:
        poll = await self.polls.get(run.job.room_id or "", run.payload["poll"])
        if poll is None:
            return
        async with self.db.transaction() as tx:
            if await self.polls.close(tx, poll.id):
                await self.jobs.cancel(tx, key_prefix=f"p{poll.id}:")
                await self._schedule_announce(tx, poll, run.now, late=run.late or run.missed)

    @job("announce")
    async def announce_job(self, run: JobRun) -> None:
        poll = await self.polls.get(run.job.room_id or "", run.payload["poll"])
        if poll is None:
            return
        ballots = await self.polls.ballots(poll.id)
        outcome = count_votes(poll.options, ballots)
        if poll.poll_event_id:
            end = native_poll_end(poll, winner_summary(outcome), outcome)
            await run.outbox.event(poll.room_id, POLL_END, end)
        await self._refresh(run.outbox, poll)
        voters = [b.user_id for b in ballots]
        html = render_announcement(poll, outcome, voters, self._namer(poll.room_id), "")
        if run.payload.get("late"):
            html += "<br><i>This result is late: the bot was offline at the deadline.</i>"
        await run.outbox.message(poll.room_id, Message.from_html(html, mentions=voters), notify=True)
        if len(outcome.winners) == 1:
            uid = f"datepoll-{poll.id}-{poll.room_id}"
            data = winner_ics(poll.title, outcome.winners[0], uid, run.now)
            await run.outbox.file(poll.room_id, data, f"{poll.ref}.ics", "text/calendar")

    # -- for the meetings plugin ----------------------------------------------------------------

    async def winner_for_meeting(self, room_id: str, poll_number: int) -> PollWinner:
        """The winning slot of a closed poll (`!meeting from-poll P3`); UserError if there is none."""
        poll = await self.polls.get(room_id, poll_number)
        if poll is None:
            raise UserError(f"There is no poll P{poll_number} in this room.")
        if poll.is_open:
            raise UserError(f"{poll.ref} is still open; close it first with !poll close {poll.ref}.")
        outcome = count_votes(poll.options, await self.polls.ballots(poll.id))
        if not outcome.winners:
            raise UserError(f"{poll.ref} has no winner: nobody voted for any option.")
        if outcome.is_tie:
            tied = ", ".join(str(o.number) for o in outcome.winners)
            raise UserError(f"{poll.ref} ended in a tie (options {tied}); schedule the meeting by hand.")
        when = outcome.winners[0].when
        zone = ZoneInfo(poll.zone)
        end = when.end.astimezone(zone) if when.end else None
        return PollWinner(poll.title, when.start.astimezone(zone), end, poll.zone, poll.id)

    # -- helpers --------------------------------------------------------------------------------

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
                f"There is no poll P{given} in this room; {self.prefix}polls lists the open ones."
            )
        return poll

    async def _pick_open(self, ctx: Context, given: int | None, example: str) -> Poll:
        poll = await self._pick(ctx, given, example)
        if not poll.is_open:
            raise UserError(f"{poll.ref} is already closed.")
        return poll

    async def _tally(self, poll: Poll) -> str:
        """The poll's numbered message as the live tally of every vote, however it was given."""
        ballots = await self.polls.ballots(poll.id) if poll.id else []
        outcome = count_votes(poll.options, ballots)
        not_voted = self._not_voted(poll, ballots)
        return render_poll(poll, self.prefix, outcome, not_voted, self._namer(poll.room_id))

    async def _refresh(self, outbox: Outbox, poll: Poll) -> None:
        """Edit the numbered poll message in place (`m.replace`) to show the tally now."""
        fresh = await self.polls.get(poll.room_id, poll.id) or poll
        if fresh.text_event_id:
            await outbox.edit(poll.room_id, fresh.text_event_id, Message.from_html(await self._tally(fresh)))

    def _not_voted(self, poll: Poll, ballots: list[Ballot]) -> list[str]:
        voted = {b.user_id for b in ballots}
        return [u for u in self.rooms.humans(poll.room_id) if u not in voted]

    def _namer(self, room_id: str) -> Callable[[str], str]:
        return lambda user_id: self.rooms.display_name(room_id, user_id)

    def _reminder(self, poll: Poll, not_voted: list[str], moved: str) -> str:
        return render_reminder(poll, not_voted, self._namer(poll.room_id), moved, self.prefix)


def _numbers(numbers: frozenset[int]) -> str:
    return ", ".join(str(n) for n in sorted(numbers))
