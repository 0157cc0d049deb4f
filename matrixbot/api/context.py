"""What a command handler gets: who said what where, and how to answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from matrixbot.api.plugin import Services
from matrixbot.errors import PermissionDenied
from matrixbot.matrix.events import RoomEvent
from matrixbot.matrix.markup import Message
from matrixbot.matrix.sender import Outbox
from matrixbot.time import When, format_time


@dataclass
class Context:
    event: RoomEvent
    services: Services
    outbox: Outbox
    zone: str
    user_zone: str | None
    usage: str = ""
    read_as: str = ""
    """How an ambiguous command line was read; said once, under the first reply."""

    @property
    def room_id(self) -> str:
        return self.event.room_id

    @property
    def sender(self) -> str:
        return self.event.sender

    @property
    def now(self) -> datetime:
        """Now, when the command is handled: for what the bot does (see `sent_at`)."""
        return self.services.clock.now()

    def sent_at(self, since: datetime | None = None) -> datetime:
        """When the member sent the command: what a deadline judges, and what "in 10 minutes"
        counts from. `since` is when the thing it acts on came to be (a poll's creation): the
        event's own time is trusted only between that and when the bot received it (`Sent`)."""
        return self.event.sent.at(since)

    @property
    def is_direct(self) -> bool:
        return self.services.rooms.is_direct(self.room_id)

    async def reply(
        self, html: str, *, mentions: tuple[str, ...] | list[str] = (), notify: bool = False
    ) -> str:
        """Answer the command (a reply, in its thread if it was sent in one). Escape user text in `html`."""
        if self.read_as:
            html, self.read_as = f"{html}<br>{self.read_as}", ""
        return await self.reply_message(Message.from_html(html, mentions=mentions), notify=notify)

    async def reply_message(self, message: Message, *, notify: bool = False) -> str:
        return await self.outbox.message(self.room_id, message, notify=notify, reply_to=self.event)

    async def say(self, html: str, *, mentions: tuple[str, ...] | list[str] = (), notify: bool = True) -> str:
        """Post in the room (not as a reply); `m.text` by default so mentions notify."""
        message = Message.from_html(html, mentions=mentions)
        return await self.outbox.message(
            self.room_id, message, notify=notify, thread_root=self.event.thread_root
        )

    async def is_admin(self, room_id: str | None = None) -> bool:
        return await self.services.rooms.is_admin(room_id or self.room_id, self.sender)

    async def require_admin(
        self, what: str, *, or_user: str | None = None, room_id: str | None = None
    ) -> None:
        """Refuse unless the sender is a room admin (or `or_user`, e.g. the organiser of the thing)."""
        if or_user is not None and self.sender == or_user:
            return
        if not await self.is_admin(room_id):
            who = "its organiser or a room admin" if or_user else "a room admin"
            raise PermissionDenied(f"Only {who} can {what}.")

    async def parse_time(self, text: str, *, future: bool = True, now: datetime | None = None) -> When:
        """`text` read as a time in the room's zone; "in 10 minutes", "tomorrow" and "past" count from
        `now` (e.g. when the command was sent), else from the clock."""
        return await self.services.times.read(
            lambda times: times.parse(text, self.zone, future=future, now=now)
        )

    def show_time(self, moment: datetime, *, with_date: bool = True) -> str:
        """A time in the room's zone, plus the sender's own zone when theirs differs."""
        other = self.user_zone if self.user_zone and self.user_zone != self.zone else None
        return format_time(moment, self.zone, other_zone=other, with_date=with_date)
