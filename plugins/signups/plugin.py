"""The signups plugin: commands, the 🙋 reaction and the reminder job. Thin: parse, store, render,
post. What they share (finding a list, joining, leaving, the live list) lives in base.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from matrixbot import (
    Body,
    BusyTime,
    CalendarItem,
    Context,
    JobRun,
    Message,
    Reaction,
    Rest,
    Title,
    Tx,
    UserError,
    UserId,
    bdi,
    command,
    h,
    job,
    on_reaction,
    speaking,
)

from .base import ListId, SignupsBase, reminder_key
from .calendar import gathering_item
from .export import to_csv, to_ics
from .migrations import MIGRATIONS
from .model import SignupList, is_current, reorder, talk_starts
from .parse import check_topic, parse_edit, parse_new
from .render import REACTION, render_list, render_missed, render_overview, render_reminder, render_removed
from .texts import _, _n


class Signups(SignupsBase):
    """Signup lists whose message in the room is kept current by editing it."""

    name = "signups"
    description = "Signup lists for talks and gatherings: slots, places, waitlists, reminders."
    migrations = MIGRATIONS

    # -- showing -------------------------------------------------------------------------------

    @command("signup", example="!signup S2")
    async def show(self, ctx: Context, list_id: ListId = None) -> None:
        """Show a signup list: talks, who is coming, the waitlist, places left.

        The ID may be left out when the room has exactly one open list.
        """
        sheet = await self.store.sheet(await self._find(ctx, list_id, "!signup S3"))  # in their language
        await ctx.reply(
            render_list(sheet, self._names(ctx.room_id), ctx.now, self.prefix, other_zone=ctx.user_zone)
        )

    @command("signups")
    async def overview(self, ctx: Context) -> None:
        """List this room's open signup lists."""
        current = [s for s in await self.store.in_room(ctx.room_id) if is_current(s, ctx.now)]
        sheets = [await self.store.sheet(s) for s in current]
        await ctx.reply(render_overview(sheets, other_zone=ctx.user_zone))

    # -- creating and signing up ------------------------------------------------------------------

    @show.sub(
        "new",
        lines="when: …⏎[where: …]⏎[talks: N]⏎[places: N]⏎[closes: …]⏎[slot: …]",
        example="!signup new Tech chats⏎when: 13 June 6pm⏎talks: 4⏎places: 30",
    )
    async def new(self, ctx: Context, title: Title, *, body: Body) -> None:
        """Start a signup list.

        talks: the number of talk slots (0: attend only); places: how many can come (left out: no
        limit); closes: when sign-ups end; slot: the length of each talk, giving a running order.
        """
        sent = ctx.sent_at()
        details = await self.times.read(lambda times: parse_new(title, body, times, ctx.zone, sent))

        async def schedule(tx: Tx, created: SignupList) -> None:
            await self._schedule_reminder(tx, created, f"new:{ctx.event.event_id}")

        created = await self.store.create(ctx.room_id, ctx.sender, ctx.event.event_id, details, schedule)
        answer = await ctx.reply(await self._live(await self.store.sheet(created)))
        await self.store.set_event(created.id, await answer.event_id())

    @show.sub("talk", example="!signup talk S2 Running a co-op's books")
    async def talk(self, ctx: Context, list_id: ListId, topic: Rest) -> None:
        """Offer a talk: take a talk slot with your topic."""
        topic = check_topic(topic)
        signup_list = await self._find(ctx, list_id, _("!signup talk S3 TOPIC"))
        change = await self._join(ctx.outbox, signup_list, ctx.sender, "talk", topic, ctx.sent_at())
        after = change.after.allocation
        ref = h(signup_list.ref)
        if ctx.sender in {e.user_id for e in after.speakers}:
            number = [e.user_id for e in after.speakers].index(ctx.sender)
            start = talk_starts(signup_list.details, len(after.speakers))[number]
            said = (
                _("You have talk slot {n} in {list}, starting {time}.")
                if start
                else _("You have talk slot {n} in {list}.")
            )
            at = h(ctx.show_time(start, with_date=False)) if start else ""
            await ctx.reply(said.format(n=number + 1, list=ref, time=at))
        else:
            place = [e.user_id for e in after.talk_waitlist].index(ctx.sender) + 1
            await ctx.reply(
                _("All talk slots of {list} are taken; you are number {place} on its talk waitlist.").format(
                    list=ref, place=place
                )
            )

    @show.sub("attend", example="!signup attend S2", aliases=("join", "come"))
    async def attend(self, ctx: Context, list_id: ListId = None) -> None:
        """Say you are coming (or react 🙋 to the list)."""
        signup_list = await self._find(ctx, list_id, "!signup attend S3")
        change = await self._join(ctx.outbox, signup_list, ctx.sender, "attend", None, ctx.sent_at())
        after = change.after.allocation
        ref = h(signup_list.ref)
        if ctx.sender in {e.user_id for e in after.attendees}:
            await ctx.reply(_("You are coming to {list}.").format(list=ref))
        else:
            place = [e.user_id for e in after.waitlist].index(ctx.sender) + 1
            await ctx.reply(
                _(
                    "{list} is full; you are number {place} on the waitlist. I will tell you if a place opens up."
                ).format(list=ref, place=place)
            )

    @show.sub("withdraw", example="!signup withdraw S2", aliases=("leave",))
    async def withdraw(self, ctx: Context, list_id: ListId = None) -> None:
        """Take yourself off a list (your talk and your place)."""
        signup_list = await self._find(ctx, list_id, "!signup withdraw S3")
        await self._leave(
            ctx.outbox, signup_list, ctx.sender, ("talk", "attend"), _("You are not on {list}.")
        )
        await ctx.reply(_("You are off {list}.").format(list=h(signup_list.ref)))

    @on_reaction
    async def reacted(self, reaction: Reaction) -> None:
        """🙋 on a list's message means attend; taking the reaction away withdraws the place."""
        if not reaction.key.startswith(REACTION):
            return
        signup_list = await self.store.by_message(reaction.room_id, reaction.target)
        if signup_list is None:
            return
        outbox = self.outbox(f"reaction:{reaction.event_id}:{'removed' if reaction.removed else 'added'}")
        if reaction.removed:
            await self._leave(outbox, signup_list, reaction.sender, ("attend",), _("Not on {list}."))
        else:
            await self._join(outbox, signup_list, reaction.sender, "attend", None, reaction.sent.at())

    # -- organisers ---------------------------------------------------------------------------

    @show.sub("close", example="!signup close S2")
    async def close(self, ctx: Context, list_id: ListId = None) -> None:
        """Stop taking sign-ups (organiser or room admin)."""
        await self._set_closed(ctx, list_id, True)

    @show.sub("reopen", example="!signup reopen S2")
    async def reopen(self, ctx: Context, list_id: ListId = None) -> None:
        """Take sign-ups again (organiser or room admin)."""
        await self._set_closed(ctx, list_id, False)

    @show.sub("remove", example="!signup remove S2 @bob:example.org")
    async def remove(self, ctx: Context, list_id: ListId, user: UserId) -> None:
        """Take someone off a list (organiser or room admin); they are told."""
        signup_list = await self._find(ctx, list_id, _("!signup remove S3 @user"))
        await ctx.require_admin(
            _("remove people from {list}").format(list=signup_list.ref), or_user=signup_list.organiser
        )
        removed = await self.store.remove(signup_list.id, user, ctx.sender, ctx.event.event_id)
        if removed is None:
            name = self.rooms.display_name(ctx.room_id, user)
            raise UserError(_("{name} is not on {list}.").format(name=name, list=signup_list.ref))
        removal, change = removed
        with speaking(ctx.room_language):  # it tells them (and the organiser): the room's language
            html = render_removed(signup_list, removal, self._names(ctx.room_id), self.prefix, ctx.now)
        told = [u for u in (user, signup_list.organiser) if u != ctx.sender]
        await ctx.reply(html, mentions=told, notify=bool(told))  # the person told first, then the list
        if change is None:  # handled again after a crash: the list as it is now
            await self._refresh(ctx.outbox, await self.store.sheet(signup_list))
        else:
            await self._publish(ctx.outbox, change)

    @show.sub("edit", lines="key: value…", example="!signup edit S2⏎places: 20⏎closes: none")
    async def edit(self, ctx: Context, list_id: ListId = None, *, body: Body) -> None:
        """Change a list (organiser or room admin): title, when, where, talks, places, closes, slot.

        Fewer places or slots than people move the newest to the front of the waitlist.
        """
        signup_list = await self._find(ctx, list_id, "!signup edit S3")
        await ctx.require_admin(_("edit {list}").format(list=signup_list.ref), or_user=signup_list.organiser)
        sent = ctx.sent_at()
        details = await self.times.read(lambda times: parse_edit(body, signup_list.details, times, sent))

        async def reschedule(tx: Tx, changed: SignupList) -> None:
            if changed.details.when != signup_list.details.when:
                await self.jobs.cancel(tx, key_prefix=reminder_key(changed, ""))
                await self._schedule_reminder(tx, changed, ctx.event.event_id)

        fits = await self._fits(ctx.room_id)
        change = await self.store.update(signup_list.id, details, fits, reschedule)
        moved = await self._publish(ctx.outbox, change)
        names = self._names(ctx.room_id)
        said = _("Updated {list}.").format(list=h(signup_list.ref))
        if moved:
            who = ", ".join(bdi(names(e.user_id)) for e in moved)
            said += " " + _n(
                "Moved to the waitlist: {names}.", "Moved to the waitlist: {names}.", len(moved)
            ).format(names=who)
        await ctx.reply(said)

    @show.sub("move", example="!signup move S2 3 1")
    async def move(self, ctx: Context, list_id: ListId, n: int, m: int) -> None:
        """Move talk N to place M in the running order (organiser or room admin)."""
        signup_list = await self._find(ctx, list_id, "!signup move S3 2 1")
        await ctx.require_admin(
            _("reorder the talks of {list}").format(list=signup_list.ref), or_user=signup_list.organiser
        )
        sheet = await self.store.sheet(signup_list)
        await self.store.set_running_order(signup_list.id, reorder(sheet.allocation.speakers, n, m))
        after = await self.store.sheet(signup_list)
        await self._refresh(ctx.outbox, after)
        await ctx.reply(_("Moved talk {n} of {list} to place {m}.").format(n=n, list=h(signup_list.ref), m=m))

    # -- files --------------------------------------------------------------------------------

    @show.sub("export", example="!signup export S2", aliases=("csv",))
    async def export(self, ctx: Context, list_id: ListId = None) -> None:
        """Upload the list as a CSV file (safe to open in a spreadsheet)."""
        signup_list = await self._find(ctx, list_id, "!signup export S3")
        data = to_csv(await self.store.sheet(signup_list), self._names(ctx.room_id))
        await ctx.outbox.file(
            ctx.room_id, data, f"signups-{signup_list.ref}.csv", "text/csv", reply_to=ctx.event
        )

    @show.sub("ics", example="!signup ics S2", aliases=("ical", "calendar"))
    async def ics(self, ctx: Context, list_id: ListId = None) -> None:
        """Upload the gathering as an iCalendar file."""
        signup_list = await self._find(ctx, list_id, "!signup ics S3")
        data = to_ics(await self.store.sheet(signup_list), self._names(ctx.room_id), ctx.now)
        await ctx.outbox.file(
            ctx.room_id, data, f"signups-{signup_list.ref}.ics", "text/calendar", reply_to=ctx.event
        )

    # -- the reminder -------------------------------------------------------------------------

    @job("remind", nudge=True)
    async def remind(self, run: JobRun) -> None:
        """A day before: mention everyone with a talk slot or a place (say so when late or missed).

        A nudge: run late, it goes after what the room sent meanwhile, so who withdrew is not pinged."""
        signup_list = await self.store.by_id(run.payload["list"])
        if signup_list is None:
            return
        if run.missed:
            await run.outbox.message(signup_list.room_id, Message.from_html(render_missed(signup_list)))
            return
        sheet = await self.store.sheet(signup_list)
        html = render_reminder(
            sheet,
            self._names(signup_list.room_id),
            late=run.late_line(signup_list.details.when.zone, _("This reminder")),
        )
        message = Message.from_html(html, mentions=sheet.allocation.people())
        await run.outbox.message(signup_list.room_id, message, notify=True)

    async def busy_times(self, room_id: str, start: datetime, end: datetime) -> list[BusyTime]:
        """Gatherings of the room overlapping start–end, so date polls see those times as taken."""
        return [
            BusyTime(f"{s.ref} {s.details.title}", s.details.when.start_utc, s.end, self.name)
            for s in await self.store.overlapping(room_id, start, end)
            if s.end > start
        ]

    async def calendar_items(self, room_id: str, start: datetime, end: datetime) -> list[CalendarItem]:
        """The room's gatherings for its calendar, with their place and the places left."""
        now = self.clock.now()
        sheets = await self.store.sheets_overlapping(room_id, start, end)
        return [gathering_item(sheet, now, self.prefix) for sheet in sheets]

    async def _set_closed(self, ctx: Context, list_id: int | None, closed: bool) -> None:
        if list_id is None and not closed:  # reopen means a closed list: resolve among those
            shut = [s for s in await self.store.in_room(ctx.room_id) if s.closed and ctx.now < s.end]
            if not shut:
                raise UserError(_("There is no closed signup list in this room to reopen."))
            if len(shut) > 1:
                raise UserError(
                    _n(
                        "This room has {n} closed signup list ({ids}): say which, e.g. {command}",
                        "This room has {n} closed signup lists ({ids}): say which, e.g. {command}",
                        len(shut),
                    ).format(
                        n=len(shut),
                        ids=", ".join(s.ref for s in shut),
                        command=f"{self.prefix}signup reopen {shut[-1].ref}",
                    )
                )
            list_id = shut[0].id
        signup_list = await self._find(ctx, list_id, "!signup close S3")
        what = _("close {list}") if closed else _("reopen {list}")
        await ctx.require_admin(what.format(list=signup_list.ref), or_user=signup_list.organiser)
        await self.store.set_closed(signup_list.id, closed)
        await self._refresh(ctx.outbox, await self.store.sheet(replace(signup_list, closed=closed)))
        said = _("{list} is closed.") if closed else _("{list} is open again.")
        await ctx.reply(said.format(list=h(signup_list.ref)))
