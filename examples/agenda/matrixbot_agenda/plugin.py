"""The agenda plugin: commands and the 👍 reaction. Thin: parse, store, render, reply."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from matrixbot import (
    Body,
    CalendarItem,
    Context,
    Plugin,
    Reaction,
    Ref,
    Rest,
    Shown,
    Title,
    UserError,
    command,
    format_ref,
    format_when,
    h,
    on_reaction,
    resolve_single,
    speaking,
)

from .calendar import agenda_item
from .migrations import MIGRATIONS
from .model import LETTER, Topic, check_title, in_order, supports
from .render import Names, render_added, render_agenda, render_done
from .store import TopicStore
from .texts import _, texts

TopicId = Annotated[int | None, Ref(LETTER, "topic")]
"""`T3`, or nothing: then the room's only open topic."""


class Agenda(Plugin):
    """A room's meeting agenda: topics members add, in order of the 👍 support they get."""

    name = "agenda"
    description = "A meeting agenda: members add topics, support them with 👍, and tick them off."
    migrations = MIGRATIONS
    translations = texts  # the catalog its texts (and those declared above and below) are said from

    async def setup(self) -> None:
        self.topics = TopicStore(self.db)

    @command("agenda")
    async def show(self, ctx: Context) -> None:
        """Show the agenda: open topics, the most supported first."""
        topics = in_order(await self.topics.open_topics(ctx.room_id))
        await ctx.reply(render_agenda(topics, self._names(ctx.room_id), self.prefix))

    @show.sub("add", lines="[notes…]", example="!agenda add Budget for 2025⏎Draft is in the shared folder")
    async def add(self, ctx: Context, title: Title, *, body: Body) -> None:
        """Put a topic on the agenda.

        The lines after the first are the topic's notes.
        """
        notes = "\n".join(line for _number, line in body.lines)
        topic = await self.topics.add(ctx.room_id, ctx.sender, ctx.event.event_id, check_title(title), notes)
        with speaking(ctx.room_language):  # the topic's own message: the room reacts to it
            added = render_added(topic)
        answer = await ctx.reply(added)
        await self.topics.set_event(topic.id, await answer.event_id())

    @show.sub("done", example="!agenda done T3")
    async def done(self, ctx: Context, topic_id: TopicId = None) -> None:
        """Tick a topic off (whoever added it, or a room admin)."""
        topic = await self._find(ctx, topic_id, "!agenda done T3")
        await ctx.require_admin(
            _("tick off {topic}").format(topic=topic.ref), or_user=topic.proposer, role=_("who added it")
        )
        await self.topics.set_done(topic.id)
        await ctx.reply(render_done(topic))

    @show.sub("for", example="!agenda for Thursday 6pm")
    async def set_for(self, ctx: Context, when: Annotated[Rest, Shown("WHEN|none")]) -> None:
        """Say when the agenda is for: its meeting goes on the room's calendar.

        "none" takes it off the calendar again."""
        if when.strip().lower() in texts.keyword("none") | texts.keyword("off"):
            cleared = await self.topics.clear_date(ctx.room_id)
            await ctx.reply(
                _("The agenda is off the room's calendar.") if cleared else _("The agenda had no date.")
            )
            return
        meeting = await ctx.parse_time(when, now=ctx.sent_at())
        if meeting.problems:
            raise UserError(meeting.problems[0].message)
        await self.topics.set_date(ctx.room_id, meeting)
        said = _("The agenda is for {when}: it is on the room's calendar ({command}).")
        await ctx.reply(said.format(when=h(format_when(meeting)), command=f"{h(self.prefix)}calendar"))

    async def calendar_items(self, room_id: str, start: datetime, end: datetime) -> list[CalendarItem]:
        """The meeting the agenda is for, with its topics, on the room's calendar."""
        when = await self.topics.date(room_id)
        if when is None:
            return []
        item = agenda_item(when, in_order(await self.topics.open_topics(room_id)), self.prefix)
        return [item] if item.start < end and item.end >= start else []

    @on_reaction
    async def supported(self, reaction: Reaction) -> None:
        """👍 on a topic's message supports it; taking the reaction away withdraws the support."""
        if not supports(reaction.key):
            return
        topic = await self.topics.by_message(reaction.room_id, reaction.target)
        if topic is not None and not topic.done:
            await self.topics.support(topic.id, reaction.sender, given=not reaction.removed)

    async def _find(self, ctx: Context, topic_id: int | None, example: str) -> Topic:
        """The topic meant: the one given (in this room), or the room's only open one."""
        if topic_id is None:
            open_topics = {t.id: t for t in await self.topics.open_topics(ctx.room_id)}
            topic_id = resolve_single(open_topics, LETTER, "topic", None, example)
        topic = await self.topics.get(ctx.room_id, topic_id)
        if topic is None:
            missing = _("There is no topic {topic} in this room; {command} lists them.")
            raise UserError(
                missing.format(topic=format_ref(LETTER, topic_id), command=f"{self.prefix}agenda")
            )
        if topic.done:
            raise UserError(_("{topic} is done already.").format(topic=topic.ref))
        return topic

    def _names(self, room_id: str) -> Names:
        return lambda user_id: self.rooms.display_name(room_id, user_id)
