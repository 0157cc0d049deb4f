"""Check-ins: ask a room's members whether they are still active, remember answers, flag who went quiet.

Handlers are thin: they parse (parse.py), ask the pure rules (model.py), store (store.py) and post
what render.py builds. The commands to start and read rounds live here; answers in answers.py; a
round's scheduled life (open, nudge, close) in rounds.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from matrixbot import (
    Body,
    CalendarItem,
    Context,
    Rest,
    Setting,
    Shown,
    UserError,
    UserId,
    WorkingHours,
    bdi,
    command,
    h,
    resolve_single,
)

from .answers import Answers
from .base import RoundId
from .calendar import close_items
from .export import render_csv
from .lookup import shown_round
from .migrations import MIGRATIONS
from .model import Round, repeats_from
from .parse import check_org, parse_away, parse_start
from .render import render_history, render_started, render_status
from .rounds import Rounds
from .texts import _


class Checkins(Answers, Rounds):
    """Rounds of check-ins: question, answers (`!here`, ✅, replies), one nudge, a summary."""

    name = "checkins"
    description = "Check-in rounds: find out who is still active and keep in regular touch."
    migrations = MIGRATIONS
    room_settings = (
        Setting("checkin_nudge", "where check-in nudges go: room or dm", "room", choices=("room", "dm")),
    )

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
                _("There is nobody to ask here: invite the members first, or list them with 'who:'.")
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
            raise UserError(
                _("{round} is not a repeating check-in here (or it has been stopped already).").format(
                    round=f"C{given}"
                )
            )
        if not repeating:
            raise UserError(_("There is no repeating check-in in this room."))
        rnd = repeating[resolve_single(repeating, "C", "repeating check-in", given, "!checkin stop C3")]
        await ctx.require_admin(
            _("stop check-in {round}").format(round=rnd.ref), or_user=rnd.series.organiser
        )
        following = await self.jobs.pending(f"s{rnd.series.id}:")
        async with self.db.transaction() as tx:
            await self.store.stop_series(tx, rnd.series.id, ctx.now)
            await self.jobs.cancel(tx, key_prefix=f"s{rnd.series.id}:")
        said = _("Stopped: check-in {round} will not repeat.").format(round=rnd.ref)
        if following:
            due = h(ctx.show_time(following[0].due_at))
            said += " " + _("The next round, due {when}, is off.").format(when=due)
        if not rnd.closed:
            closes = h(ctx.show_time(rnd.closes_at))
            said += " " + _("Round {round} still closes {when}.").format(round=rnd.ref, when=closes)
        await ctx.reply(said)

    # -- members about themselves -------------------------------------------------------------

    @checkin.sub("org", example="!checkin org Good Praxis")
    async def org(self, ctx: Context, name: Annotated[Rest, Shown("NAME|none")]) -> None:
        """Say which co-op you belong to; status and exports group by it."""
        org = check_org(name)
        await self.store.set_member(ctx.room_id, ctx.sender, org=org)
        await ctx.reply(
            _("Noted: you are with {org}.").format(org=bdi(org)) if org else _("Noted: no co-op for you.")
        )

    @checkin.sub("optout")
    async def optout(self, ctx: Context) -> None:
        """Stop being mentioned by check-ins here (you stay listed, as opted out)."""
        await self.store.set_member(ctx.room_id, ctx.sender, opted_out=1)
        await ctx.reply(_("You will no longer be pinged by check-ins here; you can still answer."))

    @checkin.sub("optin")
    async def optin(self, ctx: Context) -> None:
        """Be mentioned by check-ins here again."""
        await self.store.set_member(ctx.room_id, ctx.sender, opted_out=0)
        await ctx.reply(_("You will be pinged by check-ins here again."))

    @checkin.sub("away", example="!checkin away until Friday")
    async def away(self, ctx: Context, date: Annotated[Rest, Shown("[until] DATE")]) -> None:
        """Pause pings while you are away; rounds meanwhile do not count as missed."""
        sent = ctx.sent_at()
        until = await self.times.read(lambda times: parse_away(date, times, ctx.zone, sent))
        await self.store.set_member(ctx.room_id, ctx.sender, away_until=until)
        await ctx.reply(
            _("Noted: away until {when}. No check-in pings until then.").format(when=h(ctx.show_time(until)))
        )

    @checkin.sub("back")
    async def back(self, ctx: Context) -> None:
        """You are back before the date you gave: check-ins ping you again."""
        await self.store.set_member(ctx.room_id, ctx.sender, away_until=None)
        await ctx.reply(_("Welcome back: check-ins will ping you again."))

    async def calendar_items(self, room_id: str, start: datetime, end: datetime) -> list[CalendarItem]:
        """The closes of the room's open rounds, for its calendar."""
        rounds = list((await self.store.open_rounds(room_id)).values())
        return close_items(rounds, start, end, self.prefix)
