"""The meetings plugin: its commands (thin: parse → logic → store → reply), over the scheduled work
(schedule.py: reminder and start jobs, 👍) and the simple reminders (reminders.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Annotated

from matrixbot import (
    POLL_WINNERS,
    SECRETS,
    Body,
    BusyTime,
    CalendarItem,
    Context,
    Message,
    RawRef,
    Ref,
    Rest,
    Shown,
    Title,
    UsageError,
    UserError,
    bdi,
    check_size,
    command,
    format_time,
    h,
    make_once,
    pill,
    resolve_single,
)

from .calendar import meeting_items
from .ics import meeting_ics
from .mentions import check_room_mention
from .migrations import MIGRATIONS
from .model import (
    Meeting,
    Slot,
    apply_edit,
    mentioned,
    new_meeting,
    occurrences_between,
    slots_for,
)
from .parse import EDIT_KEYS, FROM_POLL_KEYS, parse_meeting, read_code
from .render import (
    render_code_note,
    render_code_set,
    render_created,
    render_details,
    render_list,
    render_reminder,
)
from .schedule import MeetingSchedule
from .secrecy import hide_code, redact_secret, told_if_refused
from .store import MeetingStore

MEETING = Ref("M", "meeting")
MeetingId = Annotated[int | None, MEETING]
POLL = Ref("P", "poll")


class Meetings(MeetingSchedule):
    """Meetings whose reminders post the call link, and the access code at the right moment."""

    name = "meetings"
    description = "Meetings with call links and secret access codes; simple reminders."
    migrations = MIGRATIONS
    removes = "messages that show a meeting's access code"

    async def setup(self) -> None:
        self.store = MeetingStore(self.db)
        for code in await self.store.codes():  # the log masks every code it knows
            SECRETS.add(code)

    # -- commands -------------------------------------------------------------------------------

    @command(
        "meeting",
        lines="when: …⏎[duration: …] [url: …] [code: …] [remind: …] [notify: …] [repeat: …] [reveal: …]",
        example="!meeting Planning call⏎when: Tuesday 3pm⏎url: https://meet.example.coop/x",
    )
    async def meeting(self, ctx: Context, given: MeetingId = None, title: Title = "", *, body: Body) -> None:
        """Schedule a meeting, or show one.

        Lines: when (required), duration, url, code (better: set it by direct message with
        !meeting code ID CODE), remind (default "1 day, 10 minutes"), notify (@user … or @room),
        repeat ("every 2 weeks", "every first Tuesday"), reveal (how long before the start the
        code is posted; default: with the last reminder). "!meeting M3" shows one meeting.
        """
        if not title and not body:
            meeting = await self._meeting_here(ctx, given, "!meeting M3")
            await ctx.reply(await self._details(meeting, ctx))
            return
        removed = await hide_code(ctx, body)
        with told_if_refused(removed, "Nothing was scheduled.", self.prefix):
            if not title and given is not None:
                raise UserError(f"To change M{given}, use {self.prefix}meeting edit M{given}.")
            if not title:
                raise UsageError("give the meeting a title on the first line")
            if given is not None:
                raise UsageError("give either a meeting id (to see it) or a title (to create one)")
            sent = ctx.sent_at()
            fields = await self.times.read(lambda times: parse_meeting(body, times, ctx.zone, now=sent))
            SECRETS.add(fields.code)
            meeting = new_meeting(fields, ctx.room_id, ctx.sender, title.strip())
            await self._create(ctx, meeting, render_code_note(removed, self.prefix))

    @command("meetings")
    async def meetings(self, ctx: Context) -> None:
        """List this room's upcoming meetings."""
        now = self.clock.now()
        rows = [
            (m, next(iter(slots_for(m, m.next_at, now)), None))
            for m in await self.store.active_in(ctx.room_id)
        ]
        await ctx.reply(render_list(rows, ctx.show_time))

    @meeting.sub("edit", lines="key: value…", example="!meeting edit M3⏎when: Wednesday 3pm")
    async def edit(
        self, ctx: Context, item: Annotated[str, RawRef(MEETING, line=True)] = "", *, body: Body
    ) -> None:
        """Change a meeting's lines and reschedule its reminders."""
        # the id is read only once a code in the lines is hidden: a mistyped id must not leave it shown
        removed = await hide_code(ctx, body)
        with told_if_refused(removed, "Nothing was changed.", self.prefix):
            meeting = await self._meeting_here(ctx, MEETING.parse(item), "!meeting edit M3")
            await ctx.require_admin(f"edit {meeting.ref}", or_user=meeting.organiser)
            body.changes(EDIT_KEYS)
            sent = ctx.sent_at()
            fields = await self.times.read(
                lambda times: parse_meeting(body, times, ctx.zone, keys=EDIT_KEYS, required=(), now=sent)
            )
            SECRETS.add(fields.code)
            edited = apply_edit(meeting, fields)
            if edited.next_at <= self.clock.now():
                raise UserError("That would put the meeting in the past.")
            await self._check(ctx, edited)
        async with self.db.transaction() as tx:
            edited = await self._reschedule(tx, edited)
        await ctx.reply(f"Updated {await self._details(edited, ctx)}{render_code_note(removed, self.prefix)}")
        await self.services.busy_changed(ctx.room_id, ctx.event.event_id)

    @meeting.sub("cancel", example="!meeting cancel M3")
    async def cancel(self, ctx: Context, given: MeetingId = None) -> None:
        """Cancel a meeting and its reminders (its organiser or a room admin)."""
        meeting = await self._meeting_here(ctx, given, "!meeting cancel M3")
        await ctx.require_admin(f"cancel {meeting.ref}", or_user=meeting.organiser)
        async with self.db.transaction() as tx:
            await self.jobs.cancel(tx, key_prefix=f"m{meeting.id}:")
            await self.store.save(tx, replace(meeting, state="cancelled"))
        await ctx.reply(
            f"Cancelled {h(meeting.ref)} <b>{bdi(meeting.title)}</b> ({ctx.show_time(meeting.next_at)})"
            f"{', all occurrences' if meeting.repeat else ''}; no reminders will go out."
        )
        await self.services.busy_changed(ctx.room_id, ctx.event.event_id)

    @meeting.sub("skip", example="!meeting skip M3")
    async def skip(self, ctx: Context, given: MeetingId = None) -> None:
        """Skip the next occurrence of a repeating meeting."""
        meeting = await self._meeting_here(ctx, given, "!meeting skip M3")
        await ctx.require_admin(f"skip {meeting.ref}", or_user=meeting.organiser)
        following = meeting.following(meeting.next_at)
        if following is None:
            raise UserError(
                f"{meeting.ref} does not repeat: cancel it with {self.prefix}meeting cancel {meeting.ref}."
            )
        async with self.db.transaction() as tx:
            await self.store.add_skip(tx, meeting.id, meeting.next_at)
            skipped = await self._reschedule(tx, replace(meeting, next_at=following))
        await ctx.reply(
            f"Skipped {h(meeting.ref)} on {ctx.show_time(meeting.next_at)}. "
            f"Next: {ctx.show_time(skipped.next_at)}."
        )
        await self.services.busy_changed(ctx.room_id, ctx.event.event_id)

    @meeting.sub("ics", example="!meeting ics M3")
    async def ics(self, ctx: Context, given: MeetingId = None) -> None:
        """Get an iCalendar file of a meeting for your calendar."""
        meeting = await self._meeting_here(ctx, given, "!meeting ics M3")
        server = self.rooms.bot_user_id.partition(":")[2] or "matrixbot"
        data = meeting_ics(meeting, server, self.clock.now())
        await ctx.outbox.file(
            ctx.room_id, data, f"meeting-{meeting.ref}.ics", "text/calendar", reply_to=ctx.event
        )

    @meeting.sub("code", example="!meeting code M3 486072")
    async def code(
        self, ctx: Context, item: Annotated[str, RawRef(MEETING)], code: Annotated[Rest, Shown("CODE")] = ""
    ) -> None:
        """Set a meeting's access code, in a direct message to the bot."""
        # the id is taken as written and the code may be missing, so that a mistyped command in a
        # room still reaches the redaction
        if not ctx.is_direct:
            removed = await redact_secret(ctx)
            note = (
                "I removed your message."
                if removed
                else "I may not remove your message: the code is visible here."
            )
            meeting = await self._meeting_meant(ctx, item)
            if meeting is not None and not await ctx.may(or_user=meeting.organiser):
                what = f"set the access code of {meeting.ref} (in a direct message to me)"
                raise (await ctx.refusal(what, or_user=meeting.organiser)).noted(note)
            raise UserError(
                f"I did not set the code: send it to me in a direct message instead, so the room does not see it: "
                f"{self.prefix}meeting code ID CODE. {note}"
            )
        number = MEETING.parse(item)
        if number is None or not code.strip():
            raise UsageError("give the meeting's id and the code, e.g. !meeting code M3 486072")
        meeting = await self.store.get(number)
        if meeting is None or meeting.state != "active":
            raise UserError(f"There is no upcoming meeting {item.upper()}.")
        await ctx.require_admin(
            f"set the access code of {meeting.ref}", or_user=meeting.organiser, room_id=meeting.room_id
        )
        secret = read_code(code.strip())
        SECRETS.add(secret)
        async with self.db.transaction() as tx:
            meeting = await self._reschedule(tx, replace(meeting, code=secret, code_revealed=False))
        await ctx.reply(
            render_code_set(meeting) if secret else f"The access code of {h(meeting.ref)} is removed."
        )

    @meeting.sub(
        "from-poll",
        lines="[url: …] [code: …] [remind: …] [notify: …] [repeat: …]",
        example="!meeting from-poll P3",
    )
    async def from_poll(
        self, ctx: Context, poll: Annotated[Rest, Shown("POLL [N]")] = "", *, body: Body
    ) -> None:
        """Schedule a meeting at the winning date of a closed date poll (or option N of a tie)."""
        # the id is read only once a code in the lines is hidden: a mistyped id must not leave it shown
        removed = await hide_code(ctx, body)
        with told_if_refused(removed, "Nothing was scheduled.", self.prefix):
            datepoll = self.services.provider(POLL_WINNERS)
            if datepoll is None:
                raise UserError("The datepoll plugin is not installed, so I cannot read its polls.")
            words = poll.split()
            number = POLL.parse(words[0]) if words else None
            if number is None or len(words) > 2 or (len(words) == 2 and not words[1].isdigit()):
                raise UsageError("say which poll, and from a tie which option, e.g. !meeting from-poll P3 2")
            option = int(words[1]) if len(words) == 2 else None
            sent = ctx.sent_at()
            fields = await self.times.read(
                lambda times: parse_meeting(body, times, ctx.zone, keys=FROM_POLL_KEYS, required=(), now=sent)
            )
            SECRETS.add(fields.code)
            winner = await datepoll.winner_for_meeting(ctx.room_id, number, option)
            duration = None if winner.end is None else winner.end - winner.start
            fields = replace(fields, start=winner.start, zone=winner.zone, duration=duration)
            meeting = new_meeting(fields, ctx.room_id, ctx.sender, winner.title)
            await self._create(ctx, meeting, render_code_note(removed, self.prefix))

    async def busy_times(self, room_id: str, start: datetime, end: datetime) -> list[BusyTime]:
        """The room's meeting occurrences overlapping start–end, for the date poll's clash checks."""
        return [
            BusyTime(m.title, s, e, f"meeting {m.ref}")
            for m in await self.store.active_in(room_id)
            for s, e in occurrences_between(m, start, end)
        ]

    async def calendar_items(self, room_id: str, start: datetime, end: datetime) -> list[CalendarItem]:
        """The room's meetings for its calendar: repeats with their skips, the call link, never the code."""
        return meeting_items(await self.store.on_calendar(room_id, start), start, end)

    # -- helpers --------------------------------------------------------------------------------

    async def _create(self, ctx: Context, meeting: Meeting, code_note: str) -> None:
        if meeting.next_at <= self.clock.now():
            raise UserError("That time is in the past.")
        await self._check(ctx, meeting)
        async with self.db.transaction() as tx:

            async def insert() -> int:
                meeting_id = await self.store.insert(tx, meeting)
                await self._schedule(tx, replace(meeting, id=meeting_id))
                return meeting_id

            made = await make_once(tx, "meetings_meetings", ctx.event.event_id, insert)
        if made.new:
            meeting = replace(meeting, id=made.id)
        else:  # the command is handled again after a crash: answer with the meeting it made then
            found = await self.store.get(made.id)
            assert found is not None
            meeting = found
        details = await self._details(meeting, ctx)
        answer = await ctx.reply(render_created(details, self.prefix, code_note))
        await self.store.set_confirm_event(meeting.id, await answer.event_id())
        await self.services.busy_changed(ctx.room_id, ctx.event.event_id)

    async def _check(self, ctx: Context, meeting: Meeting) -> None:
        """Refuse an @room the organiser could not send, and a reminder too big to post."""
        if meeting.notify_room:
            await check_room_mention(ctx, meeting.organiser)
        slot = Slot(meeting.next_at, timedelta(days=1), True)
        users = mentioned(meeting, ())
        pills = [pill(u, self.rooms.display_name(ctx.room_id, u)) for u in users]
        late = format_time(meeting.next_at, meeting.zone)
        html = render_reminder(meeting, slot, self.clock.now(), late, pills, room=True, late_due=late)
        check_size(Message.from_html(html, mentions=users).content("m.text"), "That meeting's reminder")

    async def _meeting_here(self, ctx: Context, number: int | None, example: str) -> Meeting:
        active = {m.id: m for m in await self.store.active_in(ctx.room_id)}
        chosen = resolve_single(active, "M", "meeting", number, example)
        if chosen not in active:
            raise UserError(f"There is no upcoming meeting M{chosen} in this room.")
        return active[chosen]

    async def _details(self, meeting: Meeting, ctx: Context) -> str:
        users = mentioned(meeting, await self.store.subscribers("M", meeting.id))
        pills = [pill(u, self.rooms.display_name(ctx.room_id, u)) for u in users]
        slots = slots_for(meeting, meeting.next_at, self.clock.now())
        return render_details(meeting, slots, ctx.show_time, pills)

    async def _meeting_meant(self, ctx: Context, item: str) -> Meeting | None:
        """The room's meeting a `!meeting code` sent in the room is about: the id given, else the
        room's only one; None when that is not clear (it is refused before any id is checked)."""
        active = {m.id: m for m in await self.store.active_in(ctx.room_id)}
        number = MEETING.number(item) if item else None
        if number is None and len(active) == 1:
            return next(iter(active.values()))
        return active.get(number) if number is not None else None
