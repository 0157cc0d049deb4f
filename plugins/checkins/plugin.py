"""Check-ins: ask a room's members whether they are still active, remember answers, flag who went quiet.

Handlers are thin: they parse (parse.py), ask the pure rules (model.py), store (store.py) and post
what render.py builds. Rounds open, nudge and close through scheduled jobs, so a restart neither
loses nor repeats them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal

from matrixbot import (
    Body,
    CalendarItem,
    Context,
    JobRun,
    Message,
    Outbox,
    Plugin,
    Reaction,
    Ref,
    Rest,
    RoomEvent,
    Scheduled,
    Setting,
    Shown,
    Tx,
    UserError,
    UserId,
    WorkingHours,
    bdi,
    command,
    format_time,
    h,
    job,
    moved_note,
    on_message,
    on_reaction,
    resolve_single,
    strip_reply_fallback,
)

from .calendar import close_items
from .export import render_csv
from .lookup import answered_round, shown_round
from .migrations import MIGRATIONS
from .model import (
    Answer,
    Asked,
    MemberState,
    Round,
    Series,
    asked_now,
    batches,
    next_opening,
    possibly_inactive,
    repeats_from,
    round_times,
    states,
    to_ping,
)
from .parse import check_note, check_org, parse_away, parse_start
from .render import (
    Show,
    pills,
    render_history,
    render_missed,
    render_more,
    render_nudge,
    render_nudge_dm,
    render_question,
    render_started,
    render_status,
)
from .store import CheckinStore

RoundId = Annotated[int | None, Ref("C", "check-in round")]
_YES = "✅"


class Checkins(Plugin):
    """Rounds of check-ins: question, answers (`!here`, ✅, replies), one nudge, a summary."""

    name = "checkins"
    description = "Check-in rounds: find out who is still active and keep in regular touch."
    migrations = MIGRATIONS
    room_settings = (
        Setting("checkin_nudge", "where check-in nudges go: room or dm", "room", choices=("room", "dm")),
    )

    async def setup(self) -> None:
        self.store = CheckinStore(self.db)

    # -- starting and answering ---------------------------------------------------------------

    @command("checkin", example="!checkin C3")
    async def checkin(self, ctx: Context, given: RoundId = None) -> None:
        """Check-in rounds: show a round's status (same as !checkin status)."""
        await self.status(ctx, given)

    @checkin.sub(
        "start",
        lines="[who: room | @user …]⏎[every: 3 months]⏎[nudge: 3 days]⏎[closes: 2 weeks]⏎[at: 10am]",
        example="!checkin start Are you still active?⏎every: 3 months⏎nudge: 3 days⏎closes: 2 weeks",
    )
    async def start(self, ctx: Context, question: Rest, *, body: Body) -> None:
        """Ask the room (or the users listed) a question and collect answers."""
        members, sent = self.rooms.humans(ctx.room_id), ctx.sent_at()
        spec = await self.times.read(
            lambda times: parse_start(question, body, times, members, ctx.zone, sent)
        )
        asked = await self._to_ask(ctx.room_id, spec.who if spec.who is not None else members)
        if not asked:
            raise UserError(
                "There is nobody to ask here: invite the members first, or list them with 'who:'."
            )
        hours = await self.settings.working_hours(ctx.room_id)
        first_at = repeats_from(ctx.now, ctx.zone, spec.at)
        async with self.db.transaction() as tx:
            series_id = await self.store.create_series(
                tx, ctx.room_id, ctx.sender, spec, ctx.zone, first_at, ctx.event.event_id
            )
            series = await self.store.series_in(tx, series_id)
            round_id = await self._open(tx, series, 1, ctx.now, asked, hours, ctx.zone)
        rnd = await self._round(round_id)
        await self._ask(ctx.outbox, rnd)
        await ctx.reply(await self._started(ctx, rnd, len(asked), hours))

    async def _started(self, ctx: Context, rnd: Round, asked: int, hours: WorkingHours | None) -> str:
        """The organiser's confirmation, read back from what was scheduled: the times the jobs use."""
        jobs = {job.handler: job for job in await self.jobs.pending(f"r{rnd.id}:")}
        following = await self.jobs.pending(f"s{rnd.series.id}:")
        nudge, next_at = jobs.get("nudge"), following[0].due_at if following else None
        moved = hours is not None and any("planned" in job.payload for job in [*jobs.values(), *following])
        hours_text = hours.text if moved and hours else None
        return render_started(rnd, asked, nudge.due_at if nudge else None, next_at, hours_text, ctx.show_time)

    @command("here", example="!here busy but here")
    async def here(self, ctx: Context, given: RoundId = None, note: Rest = "") -> None:
        """Answer a check-in: you are still here, with an optional note.

        An answer counts when it was sent while the round was open, even if it reaches me later."""
        sent = ctx.sent_at()
        rnd = await answered_round(self.store, ctx.room_id, given, sent, "!here C3 all well")
        text = check_note(note)
        await self.store.add_answer(rnd.id, Answer(ctx.sender, sent, text, "command", ctx.event.event_id))
        in_time = " It was sent before the round closed, so it counts." if rnd.closed else ""
        await ctx.reply(f"Thanks, noted for check-in {rnd.ref}.{in_time}")
        await self._correct(ctx.outbox, rnd, ctx.sender)

    @on_reaction
    async def reacted(self, reaction: Reaction) -> None:
        """A ✅ on the question answers it; taking the ✅ back takes that answer back."""
        if not reaction.key.startswith(_YES):  # with or without the emoji variation selector
            return
        rnd = await self.store.round_by_event(reaction.room_id, reaction.target)
        if rnd is None:
            return
        sent = reaction.sent.at(rnd.opened_at)
        if not rnd.open_at(sent):
            return
        if reaction.removed:
            if await self.store.remove_answer(reaction.event_id):
                await self._correct(self.outbox(f"answer:{reaction.cause}"), rnd, None)
            return
        answer = Answer(reaction.sender, sent, "", "reaction", reaction.event_id)
        if await self.store.add_answer(rnd.id, answer):
            await self._correct(self.outbox(f"answer:{reaction.cause}"), rnd, reaction.sender)

    @on_message
    async def replied(self, event: RoomEvent) -> None:
        """A reply or thread reply to the question answers it, its text being the note."""
        target = event.thread_root or event.reply_to
        rnd = await self.store.round_by_event(event.room_id, target) if target else None
        if rnd is None or not rnd.open_at(sent := event.sent.at(rnd.opened_at)):
            return
        outbox = self.outbox(f"event:{event.event_id}")
        try:
            note = check_note(strip_reply_fallback(event.body))
        except UserError as exc:
            await outbox.message(event.room_id, Message.from_html(h(exc.message)), reply_to=event)
            return
        answer = Answer(event.sender, sent, note, "reply", event.event_id)
        if await self.store.add_answer(rnd.id, answer):
            await outbox.react(event.room_id, event.event_id, "✅")
            await self._correct(outbox, rnd, event.sender)

    async def _correct(self, outbox: Outbox, rnd: Round, who: str | None) -> None:
        """An answer (or its taking back) sent while the round was open reached the bot after its
        summary was posted: the summary is edited, and the room told in one line."""
        if not rnd.closed or rnd.summary_event_id is None:
            return
        fresh = await self._round(rnd.id)
        html = render_status(fresh, await self._states(fresh), await self._show(rnd.room_id), summary=True)
        await outbox.edit(rnd.room_id, rnd.summary_event_id, Message.from_html(html))
        what = (
            "An answer taken back"
            if who is None
            else f"{bdi(self.rooms.display_name(rnd.room_id, who))}'s answer"
        )
        line = (
            f"{what} to check-in {rnd.ref} was sent before it closed but reached me late; "
            "it counts, and the summary above is corrected."
        )
        await outbox.message(rnd.room_id, Message.from_html(line))

    # -- what organisers see ------------------------------------------------------------------

    @checkin.sub("status")
    async def status(self, ctx: Context, given: RoundId = None) -> None:
        """Who answered (with note and date), who has not, who missed the last two rounds."""
        rnd = await shown_round(self.store, ctx.room_id, given)
        await ctx.reply(render_status(rnd, await self._states(rnd), ctx.show_time))

    @checkin.sub("history", example="!checkin history @sam:example.org")
    async def history(self, ctx: Context, user: UserId) -> None:
        """One member's answers, round by round."""
        asked = await self.store.user_asked(ctx.room_id, user)
        answers = await self.store.user_answers(ctx.room_id, user)
        rounds = [r for r in await self.store.rounds(ctx.room_id) if r.id in asked or r.id in answers]
        member = (await self.store.members(ctx.room_id)).get(user)
        name = self.rooms.display_name(ctx.room_id, user)
        org = member.org if member else None
        await ctx.reply(render_history(name, org, rounds, asked, answers, ctx.show_time))

    @checkin.sub("export")
    async def export(self, ctx: Context, given: RoundId = None) -> None:
        """Upload a round's answers as CSV (member, name, org, answered at, note)."""
        rnd = await shown_round(self.store, ctx.room_id, given)
        data = render_csv(await self._states(rnd), ctx.zone)
        await ctx.outbox.file(ctx.room_id, data, f"checkin-{rnd.ref}.csv", "text/csv", reply_to=ctx.event)

    @checkin.sub("stop", example="!checkin stop C3")
    async def stop_series(self, ctx: Context, given: RoundId = None) -> None:
        """End a repeating check-in's schedule (its organiser or a room admin)."""
        repeating = await self.store.repeating(ctx.room_id)
        if given is not None and given not in repeating:
            raise UserError(f"C{given} is not a repeating check-in here (or it has been stopped already).")
        if not repeating:
            raise UserError("There is no repeating check-in in this room.")
        rnd = repeating[resolve_single(repeating, "C", "repeating check-in", given, "!checkin stop C3")]
        await ctx.require_admin(f"stop check-in {rnd.ref}", or_user=rnd.series.organiser)
        following = await self.jobs.pending(f"s{rnd.series.id}:")
        async with self.db.transaction() as tx:
            await self.store.stop_series(tx, rnd.series.id, ctx.now)
            await self.jobs.cancel(tx, key_prefix=f"s{rnd.series.id}:")
        cancelled = (
            f" The next round, due {h(ctx.show_time(following[0].due_at))}, is off." if following else ""
        )
        still = "" if rnd.closed else f" Round {rnd.ref} still closes {h(ctx.show_time(rnd.closes_at))}."
        await ctx.reply(f"Stopped: check-in {rnd.ref} will not repeat.{cancelled}{still}")

    # -- members about themselves -------------------------------------------------------------

    @checkin.sub("org", example="!checkin org Good Praxis")
    async def org(self, ctx: Context, name: Annotated[Rest, Shown("NAME|none")]) -> None:
        """Say which co-op you belong to; status and exports group by it."""
        org = check_org(name)
        await self.store.set_member(ctx.room_id, ctx.sender, org=org)
        await ctx.reply(f"Noted: you are with {bdi(org)}." if org else "Noted: no co-op for you.")

    @checkin.sub("optout")
    async def optout(self, ctx: Context) -> None:
        """Stop being mentioned by check-ins here (you stay listed, as opted out)."""
        await self.store.set_member(ctx.room_id, ctx.sender, opted_out=1)
        await ctx.reply("You will no longer be pinged by check-ins here; you can still answer.")

    @checkin.sub("optin")
    async def optin(self, ctx: Context) -> None:
        """Be mentioned by check-ins here again."""
        await self.store.set_member(ctx.room_id, ctx.sender, opted_out=0)
        await ctx.reply("You will be pinged by check-ins here again.")

    @checkin.sub("away", example="!checkin away until Friday")
    async def away(self, ctx: Context, _until: Literal["until"] | None, date: Rest) -> None:
        """Pause pings while you are away; rounds meanwhile do not count as missed."""
        sent = ctx.sent_at()
        until = await self.times.read(lambda times: parse_away(date, times, ctx.zone, sent))
        await self.store.set_member(ctx.room_id, ctx.sender, away_until=until)
        await ctx.reply(f"Noted: away until {h(ctx.show_time(until))}. No check-in pings until then.")

    @checkin.sub("back")
    async def back(self, ctx: Context) -> None:
        """You are back before the date you gave: check-ins ping you again."""
        await self.store.set_member(ctx.room_id, ctx.sender, away_until=None)
        await ctx.reply("Welcome back: check-ins will ping you again.")

    # -- scheduled work -----------------------------------------------------------------------

    @job("open")
    async def open_next(self, run: JobRun) -> None:
        """The next round of a repeating series (the previous round scheduled it)."""
        series_id, number = run.payload["series"], run.payload["number"]
        room_id = run.job.room_id or ""
        async with self.db.transaction() as tx:
            series = await self.store.series_in(tx, series_id)
        if series.stopped:
            return
        hours, zone = await self.settings.working_hours(room_id), await self.settings.zone(room_id)
        if run.missed:
            async with self.db.transaction() as tx:
                await self._schedule_next(tx, series, number, hours, zone)
            what = f"Round {number} of check-in “{bdi(series.question)}”"
            html = render_missed(what, run.job.due_at, await self._show(room_id))
            await run.outbox.message(room_id, Message.from_html(html))
            return
        users = series.who if series.who is not None else self.rooms.humans(room_id)
        asked = await self._to_ask(room_id, users)
        async with self.db.transaction() as tx:
            round_id = await self._open(tx, series, number, run.now, asked, hours, zone)
        late = run.late_line(series.zone, "This check-in")
        await self._ask(run.outbox, await self._round(round_id), late=late, moved=_moved_note(run, zone))

    @job("nudge")
    async def nudge(self, run: JobRun) -> None:
        """Remind, once, the members asked who have not answered (not opted out, not away)."""
        rnd = await self.store.round(run.payload["round"])
        if rnd is None or rnd.closed or rnd.closes_at <= run.now:
            return  # overtaken by the round's close (both late, e.g. after an outage): only the close is said
        show = await self._show(rnd.room_id)
        moved = _moved_note(run, await self.settings.zone(rnd.room_id))
        if run.missed:
            what = f"The reminder for check-in {rnd.ref}"
            await run.outbox.message(
                rnd.room_id, Message.from_html(render_missed(what, run.job.due_at, show))
            )
            return
        asked, answers = await self.store.asked(rnd.id), await self.store.answers(rnd.id)
        silent = to_ping(asked, answers, await self.store.members(rnd.room_id), run.now)
        prefix = self.prefix
        if await self.settings.get(rnd.room_id, "checkin_nudge") == "dm":
            room_name = self.rooms.name(rnd.room_id)
            for user in silent:
                dm = await self.sender.direct_room(user)
                late = run.late_line(rnd.series.zone, "This reminder")
                html = render_nudge_dm(rnd, room_name, show, prefix, late=late, moved=moved)
                await run.outbox.message(dm, Message.from_html(html, mentions=[user]), notify=True)
            return
        names = self._names(rnd.room_id, silent)
        reply = {"m.relates_to": {"m.in_reply_to": {"event_id": rnd.event_id}}} if rnd.event_id else None
        for batch in batches(silent):
            late = run.late_line(rnd.series.zone, "This reminder")
            html = render_nudge(rnd, pills(batch, names), show, prefix, late=late, moved=moved)
            await run.outbox.message(
                rnd.room_id, Message.from_html(html, mentions=batch), notify=True, extra=reply
            )

    @job("close")
    async def close(self, run: JobRun) -> None:
        """Close the round and post its summary (said to be late when the bot was offline)."""
        rnd = await self.store.round(run.payload["round"])
        if rnd is None:
            return
        async with self.db.transaction() as tx:
            await self.store.close(tx, rnd.id)
        rnd = await self._round(rnd.id)
        moved = _moved_note(run, await self.settings.zone(rnd.room_id))
        show = await self._show(rnd.room_id)
        html = render_status(rnd, await self._states(rnd), show, summary=True, moved=moved)
        late = run.late_line(rnd.series.zone, "This summary")
        event_id = await run.outbox.message(rnd.room_id, Message.from_html(html + late))
        await self.store.set_summary(rnd.id, event_id)

    async def calendar_items(self, room_id: str, start: datetime, end: datetime) -> list[CalendarItem]:
        """The closes of the room's open rounds, for its calendar."""
        rounds = list((await self.store.open_rounds(room_id)).values())
        return close_items(rounds, start, end, self.prefix)

    # -- helpers ------------------------------------------------------------------------------

    async def _to_ask(self, room_id: str, users: Sequence[str]) -> list[Asked]:
        """The members asked, each marked away when they are away now."""
        return asked_now(users, await self.store.members(room_id), self.clock.now())

    async def _open(
        self,
        tx: Tx,
        series: Series,
        number: int,
        now: datetime,
        asked: list[Asked],
        hours: WorkingHours | None,
        zone: str,
    ) -> int:
        """Round `number` with its nudge, close and (when repeating) next round scheduled, all at once,
        each moved out of the room's quiet hours (the settings now: a change applies from here on)."""
        times = round_times(now, series, zone, hours)
        round_id, new = await self.store.open_round(tx, series.id, number, now, times.close.at)
        if new:
            await self.store.add_asked(tx, round_id, asked)
            for handler, slot in (("nudge", times.nudge), ("close", times.close)):
                if slot is not None:
                    payload, key = {"round": round_id} | slot.to_payload(), f"r{round_id}:{handler}"
                    await self.jobs.schedule(tx, handler, slot.at, payload, key=key, room_id=series.room_id)
            await self._schedule_next(tx, series, number, hours, zone)
        return round_id

    async def _schedule_next(
        self, tx: Tx, series: Series, number: int, hours: WorkingHours | None, zone: str
    ) -> None:
        if series.every is None or series.stopped:
            return
        every = series.every
        period = await self.times.read(lambda times: times.parse_period(every))
        opens = next_opening(series, period, number + 1, zone, hours)
        payload = {"series": series.id, "number": number + 1} | opens.to_payload()
        key = f"s{series.id}:n{number + 1}"
        await self.jobs.schedule(tx, "open", opens.at, payload, key=key, room_id=series.room_id)

    async def _ask(self, outbox: Outbox, rnd: Round, *, late: str = "", moved: str = "") -> None:
        """Post the question, mentioning the members asked in batches; remember which message it is."""
        asked, answers = await self.store.asked(rnd.id), await self.store.answers(rnd.id)
        ping = to_ping(asked, answers, await self.store.members(rnd.room_id), self.clock.now())
        names = self._names(rnd.room_id, [rnd.series.organiser, *ping])
        groups = batches(ping) or [[]]
        show = await self._show(rnd.room_id)
        organiser = names[rnd.series.organiser]
        html = render_question(
            rnd, organiser, pills(groups[0], names), show, self.prefix, late=late, moved=moved
        )
        event_id = await outbox.message(rnd.room_id, Message.from_html(html, mentions=groups[0]), notify=True)
        await self.store.set_event(rnd.id, event_id)
        for batch in groups[1:]:
            more = Message.from_html(render_more(rnd, pills(batch, names)), mentions=batch)
            await outbox.message(rnd.room_id, more, notify=True)

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


def _moved_note(run: JobRun, zone: str) -> str:
    """ "moved from Saturday 01:47 to working hours" for a moved job; "" for one on its own time."""
    return moved_note(Scheduled.from_payload(run.job.due_at, run.payload), zone)
