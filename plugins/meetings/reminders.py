"""Simple reminders: `!remind in 10 minutes stand-up`, `!reminders`, `!reminder cancel R7`.

The meetings plugin class inherits these commands; 👍 subscriptions are shared with meetings.
"""

from __future__ import annotations

from typing import Annotated

from matrixbot import (
    Context,
    JobRun,
    Message,
    Plugin,
    Ref,
    Rest,
    Shown,
    UserError,
    check_size,
    command,
    format_time,
    job,
    make_once,
    pill,
    resolve_single,
    speaking,
)

from .model import SimpleReminder, reminder_key
from .parse import parse_reminder
from .render import (
    render_reminder_cancelled,
    render_reminder_created,
    render_reminder_line,
    render_reminders,
    render_simple_missed,
    render_simple_reminder,
)
from .store import MeetingStore
from .texts import _

ReminderId = Annotated[int | None, Ref("R", "reminder")]


class ReminderCommands(Plugin):
    """The simple-reminder half of the meetings plugin."""

    store: MeetingStore

    @command("remind", example="!remind tomorrow 9am send invoices")
    async def remind_me(self, ctx: Context, text: Annotated[Rest, Shown("WHEN WHAT")]) -> None:
        """Set a reminder for the room.

        Also "!remind in 10 minutes stand-up" and "!remind every monday 10am weekly check".
        Whoever reacts 👍 to the confirmation is mentioned when it goes out.
        """
        sent = ctx.sent_at()  # "in 60 seconds" counts from when the member sent it
        draft = await self.times.read(lambda times: parse_reminder(text, times, ctx.zone, sent))
        reminder = SimpleReminder(
            0, ctx.room_id, ctx.sender, draft.text, draft.due, ctx.zone, draft.repeat, draft.due
        )
        with speaking(ctx.room_language):  # measured as the room will get it
            longest = render_simple_reminder(reminder, [pill(ctx.sender)], format_time(draft.due, ctx.zone))
        check_size(Message.from_html(longest).content("m.text"), _("That reminder"))
        async with self.db.transaction() as tx:

            async def insert() -> int:
                reminder_id = await self.store.insert_reminder(tx, reminder)
                await self.jobs.schedule(
                    tx,
                    "reminder",
                    draft.due,
                    {"reminder": reminder_id, "at": draft.due.timestamp()},
                    key=reminder_key(reminder_id, draft.due),
                    room_id=ctx.room_id,
                )
                return reminder_id

            made = await make_once(tx, "meetings_reminders", ctx.event.event_id, insert)  # once per command
        reminder = await self._reminder(made.id)
        with speaking(ctx.room_language):  # the confirmation the room keeps, and reacts 👍 to
            answer = await ctx.reply(render_reminder_created(reminder, ctx.show_time))
        await self.store.set_reminder_confirm_event(made.id, await answer.event_id())

    @command("reminders")
    async def reminders(self, ctx: Context) -> None:
        """List this room's reminders."""
        found = await self.store.reminders_in(ctx.room_id)
        with speaking(ctx.room_language):  # a list the room keeps
            await ctx.reply(render_reminders(found, ctx.show_time))

    @command("reminder", example="!reminder R7")
    async def reminder(self, ctx: Context, given: ReminderId = None) -> None:
        """Show a reminder."""
        found = await self._reminder_here(ctx, given, "!reminder R7")
        await ctx.reply(render_reminder_line(found, ctx.show_time))

    @reminder.sub("cancel", example="!reminder cancel R7")
    async def cancel_reminder(self, ctx: Context, given: ReminderId = None) -> None:
        """Cancel a reminder (whoever set it, or a room admin)."""
        found = await self._reminder_here(ctx, given, "!reminder cancel R7")
        await ctx.require_admin(
            _("cancel {reminder}").format(reminder=found.ref), or_user=found.creator, role=_("who set it")
        )
        async with self.db.transaction() as tx:
            await self.jobs.cancel(tx, key_prefix=f"r{found.id}:")
            await self.store.cancel_reminder(tx, found.id)
        with speaking(ctx.room_language):  # the room learns it will not come
            await ctx.reply(render_reminder_cancelled(found))

    @job("reminder")
    async def reminder_due(self, run: JobRun) -> None:
        """Post first, then move a repeating reminder on: a re-run after a crash posts nothing twice
        (the outbox's transaction ids) and finds the reminder already moved."""
        found = await self.store.get_reminder(run.payload["reminder"])
        if found is None or found.state != "active" or found.due_at.timestamp() != run.payload["at"]:
            return
        due = format_time(found.due_at, found.zone)
        if run.missed:
            await run.outbox.message(found.room_id, Message.from_html(render_simple_missed(found, due)))
        else:
            users = list(dict.fromkeys([found.creator, *await self.store.subscribers("R", found.id)]))
            pills = [pill(u, self.rooms.display_name(found.room_id, u)) for u in users]

            def message() -> Message:  # rendered at each try of the send: late is judged as it goes out
                note = run.late_note()
                late_due, reason = (due, note.reason) if note else (None, None)
                html = render_simple_reminder(found, pills, late_due, reason)
                return Message.from_html(html, mentions=users)

            await run.outbox.message(found.room_id, message, notify=True)
        following = found.following(max(found.due_at, run.now))
        async with self.db.transaction() as tx:
            await self.store.move_reminder(tx, found.id, following)
            if following is not None:
                payload = {"reminder": found.id, "at": following.timestamp()}
                key = reminder_key(found.id, following)
                await self.jobs.schedule(tx, "reminder", following, payload, key=key, room_id=found.room_id)

    async def _reminder(self, reminder_id: int) -> SimpleReminder:
        found = await self.store.get_reminder(reminder_id)
        if found is None:
            raise UserError(_("There is no reminder {reminder}.").format(reminder=f"R{reminder_id}"))
        return found

    async def _reminder_here(self, ctx: Context, given: int | None, example: str) -> SimpleReminder:
        active = {r.id: r for r in await self.store.reminders_in(ctx.room_id)}
        chosen = resolve_single(active, "R", "reminder", given, example)
        if chosen not in active:
            raise UserError(
                _("There is no active reminder {reminder} in this room.").format(reminder=f"R{chosen}")
            )
        return active[chosen]
