"""Answering a check-in: `!here`, a ✅ on the question, or a reply to it. An answer counts when it
was sent while the round was open; one that reaches the bot after the summary corrects it."""

from __future__ import annotations

from matrixbot import (
    Context,
    Message,
    Outbox,
    Reaction,
    Rest,
    RoomEvent,
    UserError,
    command,
    h,
    on_message,
    on_reaction,
    speaking,
    strip_reply_fallback,
)

from .base import CheckinsBase, RoundId
from .lookup import answered_round
from .model import Answer, Round
from .parse import check_note
from .render import render_correction, render_status
from .texts import _

_YES = "✅"


class Answers(CheckinsBase):
    @command("here", example="!here busy but here")
    async def here(self, ctx: Context, given: RoundId = None, note: Rest = "") -> None:
        """Answer a check-in: you are still here, with an optional note.

        An answer counts when it was sent while the round was open, even if it reaches me later."""
        sent = ctx.sent_at()
        rnd = await answered_round(self.store, ctx.room_id, given, sent, _("!here C3 all well"))
        text = check_note(note)
        await self.store.add_answer(rnd.id, Answer(ctx.sender, sent, text, "command", ctx.event.event_id))
        thanks = _("Thanks, noted for check-in {round}.").format(round=rnd.ref)
        if rnd.closed:
            thanks += " " + _("It was sent before the round closed, so it counts.")
        await ctx.reply(thanks)
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
            with speaking(await self.language(event.room_id, event.sender)):  # an answer to them
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
        summary was posted: the summary is edited, and the room told in one line (in its language)."""
        if not rnd.closed or rnd.summary_event_id is None:
            return
        fresh = await self._round(rnd.id)
        states, show = await self._states(fresh), await self._show(rnd.room_id)
        name = None if who is None else self.rooms.display_name(rnd.room_id, who)
        with speaking(await self.language(rnd.room_id)):
            html = render_status(fresh, states, show, summary=True)
            line = render_correction(rnd, name)
        await outbox.edit(rnd.room_id, rnd.summary_event_id, Message.from_html(html))
        await outbox.message(rnd.room_id, Message.from_html(line))
