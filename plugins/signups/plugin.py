"""The signups plugin: commands, the 🙋 reaction and the reminder job. Thin: parse, store, render, post."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated

from matrixbot import (
    Body,
    BusyTime,
    CalendarItem,
    Context,
    JobRun,
    Message,
    Outbox,
    Plugin,
    Reaction,
    Ref,
    Rest,
    Title,
    Tx,
    UserError,
    UserId,
    bdi,
    check_size,
    command,
    h,
    job,
    on_reaction,
    resolve_single,
)

from .calendar import gathering_item
from .export import to_csv, to_ics
from .migrations import MIGRATIONS
from .model import (
    LETTER,
    Entry,
    Kind,
    Sheet,
    SignupList,
    changes,
    closing_reason,
    is_current,
    reminder_due,
    reorder,
    talk_starts,
)
from .parse import check_topic, parse_edit, parse_new
from .render import (
    REACTION,
    Names,
    render_list,
    render_missed,
    render_moved,
    render_overview,
    render_reminder,
    render_removed,
)
from .store import Change, Check, SignupStore

ListId = Annotated[int | None, Ref(LETTER, "signup list")]


class Signups(Plugin):
    """Signup lists whose message in the room is kept current by editing it."""

    name = "signups"
    description = "Signup lists for talks and gatherings: slots, places, waitlists, reminders."
    migrations = MIGRATIONS

    async def setup(self) -> None:
        self.store = SignupStore(self.db)

    # -- showing -------------------------------------------------------------------------------

    @command("signup", example="!signup S2")
    async def show(self, ctx: Context, list_id: ListId = None) -> None:
        """Show a signup list: talks, who is coming, the waitlist, places left.

        The ID may be left out when the room has exactly one open list.
        """
        sheet = await self.store.sheet(await self._find(ctx, list_id, "!signup S3"))
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
        sheet = await self.store.sheet(created)
        answer = await ctx.reply(render_list(sheet, self._names(ctx.room_id), ctx.now, self.prefix))
        await self.store.set_event(created.id, await answer.event_id())

    @show.sub("talk", example="!signup talk S2 Running a co-op's books")
    async def talk(self, ctx: Context, list_id: ListId, topic: Rest) -> None:
        """Offer a talk: take a talk slot with your topic."""
        topic = check_topic(topic)
        signup_list = await self._find(ctx, list_id, "!signup talk S3 TOPIC")
        change = await self._join(ctx.outbox, signup_list, ctx.sender, "talk", topic, ctx.sent_at())
        after = change.after.allocation
        ref = h(signup_list.ref)
        if ctx.sender in {e.user_id for e in after.speakers}:
            number = [e.user_id for e in after.speakers].index(ctx.sender)
            start = talk_starts(signup_list.details, len(after.speakers))[number]
            at = f", starting {h(ctx.show_time(start, with_date=False))}" if start else ""
            await ctx.reply(f"You have talk slot {number + 1} in {ref}{at}.")
        else:
            place = [e.user_id for e in after.talk_waitlist].index(ctx.sender) + 1
            await ctx.reply(
                f"All talk slots of {ref} are taken; you are number {place} on its talk waitlist."
            )

    @show.sub("attend", example="!signup attend S2", aliases=("join", "come"))
    async def attend(self, ctx: Context, list_id: ListId = None) -> None:
        """Say you are coming (or react 🙋 to the list)."""
        signup_list = await self._find(ctx, list_id, "!signup attend S3")
        change = await self._join(ctx.outbox, signup_list, ctx.sender, "attend", None, ctx.sent_at())
        after = change.after.allocation
        ref = h(signup_list.ref)
        if ctx.sender in {e.user_id for e in after.attendees}:
            await ctx.reply(f"You are coming to {ref}.")
        else:
            place = [e.user_id for e in after.waitlist].index(ctx.sender) + 1
            await ctx.reply(
                f"{ref} is full; you are number {place} on the waitlist. I will tell you if a place opens up."
            )

    @show.sub("withdraw", example="!signup withdraw S2", aliases=("leave",))
    async def withdraw(self, ctx: Context, list_id: ListId = None) -> None:
        """Take yourself off a list (your talk and your place)."""
        signup_list = await self._find(ctx, list_id, "!signup withdraw S3")
        await self._leave(ctx.outbox, signup_list, ctx.sender, ("talk", "attend"), "You are not on")
        await ctx.reply(f"You are off {h(signup_list.ref)}.")

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
            await self._leave(outbox, signup_list, reaction.sender, ("attend",), "Not on")
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
        signup_list = await self._find(ctx, list_id, "!signup remove S3 @user")
        await ctx.require_admin(f"remove people from {signup_list.ref}", or_user=signup_list.organiser)
        removed = await self.store.remove(signup_list.id, user, ctx.sender, ctx.event.event_id)
        if removed is None:
            name = self.rooms.display_name(ctx.room_id, user)
            raise UserError(f"{name} is not on {signup_list.ref}.")
        removal, change = removed
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
        await ctx.require_admin(f"edit {signup_list.ref}", or_user=signup_list.organiser)
        sent = ctx.sent_at()
        details = await self.times.read(lambda times: parse_edit(body, signup_list.details, times, sent))

        async def reschedule(tx: Tx, changed: SignupList) -> None:
            if changed.details.when != signup_list.details.when:
                await self.jobs.cancel(tx, key_prefix=_reminder_key(changed, ""))
                await self._schedule_reminder(tx, changed, ctx.event.event_id)

        change = await self.store.update(signup_list.id, details, self._fits(ctx.room_id), reschedule)
        moved = await self._publish(ctx.outbox, change)
        names = self._names(ctx.room_id)
        note = f" Moved to the waitlist: {', '.join(bdi(names(e.user_id)) for e in moved)}." if moved else ""
        await ctx.reply(f"Updated {h(signup_list.ref)}.{note}")

    @show.sub("move", example="!signup move S2 3 1")
    async def move(self, ctx: Context, list_id: ListId, n: int, m: int) -> None:
        """Move talk N to place M in the running order (organiser or room admin)."""
        signup_list = await self._find(ctx, list_id, "!signup move S3 2 1")
        await ctx.require_admin(f"reorder the talks of {signup_list.ref}", or_user=signup_list.organiser)
        sheet = await self.store.sheet(signup_list)
        await self.store.set_running_order(signup_list.id, reorder(sheet.allocation.speakers, n, m))
        after = await self.store.sheet(signup_list)
        await self._refresh(ctx.outbox, after)
        await ctx.reply(f"Moved talk {n} of {h(signup_list.ref)} to place {m}.")

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
            late=run.late_line(signup_list.details.when.zone, "This reminder"),
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

    # -- helpers ------------------------------------------------------------------------------

    async def _find(self, ctx: Context, given: int | None, example: str) -> SignupList:
        """The list meant: the one given (in this room), or the room's only open one."""
        if given is None:
            lists = [s for s in await self.store.in_room(ctx.room_id) if is_current(s, ctx.now)]
            given = resolve_single({s.id: s for s in lists}, LETTER, "signup list", None, example)
        found = await self.store.get(ctx.room_id, given)
        if found is None:
            raise UserError(f"There is no signup list {LETTER}{given} in this room.")
        return found

    async def _join(
        self,
        outbox: Outbox,
        signup_list: SignupList,
        user: str,
        kind: Kind,
        topic: str | None,
        sent: datetime,
    ) -> Change:
        """Sign `user` up, judged by when they sent it (a sign-up sent before `closes:` counts,
        however late it reaches the bot)."""
        reason = closing_reason(signup_list, sent)
        if reason:
            raise UserError(f"{reason} New sign-ups are not taken.")
        sheet = await self.store.sheet(signup_list)
        ref = signup_list.ref
        if sheet.entry(user, kind) is not None:
            what = "offered a talk for" if kind == "talk" else "signed up for"
            raise UserError(f"You have already {what} {ref}; {self.prefix}signup withdraw {ref} to withdraw.")
        if kind == "attend" and user in {e.user_id for e in sheet.allocation.speakers}:
            raise UserError(f"You are giving a talk at {ref}, so you already have a place.")
        change = await self.store.join(signup_list.id, user, kind, topic, self._fits(signup_list.room_id))
        await self._publish(outbox, change)
        return change

    async def _leave(
        self, outbox: Outbox, signup_list: SignupList, user: str, kinds: tuple[Kind, ...], not_on: str
    ) -> None:
        change = await self.store.leave(signup_list.id, user, kinds)
        if len(change.after.entries) == len(change.before.entries):
            raise UserError(f"{not_on} {signup_list.ref}.")
        await self._publish(outbox, change)

    async def _publish(self, outbox: Outbox, change: Change) -> list[Entry]:
        """Edit the live list, and notify whoever moved up or down; return those moved down."""
        await self._refresh(outbox, change.after)
        moved = changes(change.before.allocation, change.after.allocation)
        signup_list = change.after.signup_list
        if moved.promoted or moved.demoted:
            names = self._names(signup_list.room_id)
            html = render_moved(signup_list, moved.promoted, moved.demoted, names)
            people = [e.user_id for e in (*moved.promoted, *moved.demoted)] + [signup_list.organiser]
            await outbox.message(signup_list.room_id, Message.from_html(html, mentions=people), notify=True)
        return list(moved.demoted)

    async def _refresh(self, outbox: Outbox, sheet: Sheet) -> None:
        """Replace the live list message with the current list (the edit mentions nobody)."""
        signup_list = sheet.signup_list
        if signup_list.event_id is None:
            return
        html = render_list(sheet, self._names(signup_list.room_id), self.clock.now(), self.prefix)
        await outbox.edit(signup_list.room_id, signup_list.event_id, Message.from_html(html))

    async def _set_closed(self, ctx: Context, list_id: int | None, closed: bool) -> None:
        if list_id is None and not closed:  # reopen means a closed list: resolve among those
            shut = [s for s in await self.store.in_room(ctx.room_id) if s.closed and ctx.now < s.end]
            if not shut:
                raise UserError("There is no closed signup list in this room to reopen.")
            if len(shut) > 1:
                ids = ", ".join(s.ref for s in shut)
                raise UserError(
                    f"This room has {len(shut)} closed signup lists ({ids}): say which, e.g. "
                    f"{self.prefix}signup reopen {shut[-1].ref}"
                )
            list_id = shut[0].id
        signup_list = await self._find(ctx, list_id, "!signup close S3")
        verb = "close" if closed else "reopen"
        await ctx.require_admin(f"{verb} {signup_list.ref}", or_user=signup_list.organiser)
        await self.store.set_closed(signup_list.id, closed)
        await self._refresh(ctx.outbox, await self.store.sheet(replace(signup_list, closed=closed)))
        await ctx.reply(f"{h(signup_list.ref)} is {'closed' if closed else 'open again'}.")

    async def _schedule_reminder(self, tx: Tx, signup_list: SignupList, origin: str) -> None:
        due = reminder_due(signup_list.details.when)
        if due > self.clock.now():
            key = _reminder_key(signup_list, origin)
            await self.jobs.schedule(
                tx, "remind", due, {"list": signup_list.id}, key=key, room_id=signup_list.room_id
            )

    def _fits(self, room_id: str) -> Check:
        """Refuses a change that would make the live list too large for one message."""

        def check(sheet: Sheet) -> None:
            html = render_list(sheet, self._names(room_id), self.clock.now(), self.prefix)
            check_size(Message.from_html(html).content(), "With that, the list")

        return check

    def _names(self, room_id: str) -> Names:
        return lambda user: self.rooms.display_name(room_id, user)


def _reminder_key(signup_list: SignupList, origin: str) -> str:
    return f"s{signup_list.id}:remind:{origin}"
