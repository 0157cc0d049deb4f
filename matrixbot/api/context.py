"""What a command handler gets: who said what where, and how to answer."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from matrixbot.api.plugin import Services
from matrixbot.errors import PermissionDenied, UserError
from matrixbot.i18n import ENGLISH, _, _n
from matrixbot.matrix.events import RoomEvent
from matrixbot.matrix.markup import Message, bdi, h
from matrixbot.matrix.posting import Posting
from matrixbot.matrix.sender import Outbox
from matrixbot.time import When, format_time

NAMED = 3
"""People named in a refusal at most; the rest are counted."""


@dataclass
class Context:
    """Made once the plugin that handles the command is known (`made`), from that plugin's services."""

    event: RoomEvent
    services: Services
    outbox: Outbox
    zone: str
    user_zone: str | None
    usage: str = ""
    read_as: str = ""
    """How an ambiguous command line was read; said once, under the first reply."""
    language: str = ENGLISH
    """The language of the answers: the sender's own (`!set my language`), else the room's. The
    command runs in it (see `matrixbot.i18n.speaking`), and reads dates in it and English."""
    room_language: str = ENGLISH
    """The room's language: for what the room keeps (a live tally, a list), not only the sender."""

    @classmethod
    async def made(cls, event: RoomEvent, services: Services, outbox: Outbox) -> Context:
        """The context of `event`, a command for the plugin whose `services` these are."""
        settings = services.settings
        room_language = await settings.language(event.room_id)
        return cls(
            event=event,
            services=services,
            outbox=outbox,
            zone=await settings.zone(event.room_id),
            user_zone=await settings.user_zone(event.sender),
            language=await settings.user_language(event.sender) or room_language,
            room_language=room_language,
        )

    @property
    def room_id(self) -> str:
        return self.event.room_id

    async def refuse(self, exc: UserError) -> Posting:
        """Answer a refusal in one line: its HTML, or its message made a sentence and escaped,
        and the usage line when it is about the command's words."""
        text = exc.html
        if text is None:
            names = {*self.services.catalog.plugins, *self.services.settings.declared}
            text = h(as_sentence(exc.message, names))
        if exc.show_usage and self.usage:
            text += "<br>" + _("Usage: {usage}").format(usage=f"<code>{h(self.usage)}</code>")
        return await self.reply(text)

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
        event's own time is trusted only between that and when the bot received it (`Sent`).
        A command that came with no time at all (made by the bot itself, a console) is sent now."""
        if not (self.event.ts or self.event.received):
            return self.now
        return self.event.sent.at(since)

    @property
    def is_direct(self) -> bool:
        return self.services.rooms.is_direct(self.room_id)

    async def reply(
        self, html: str, *, mentions: tuple[str, ...] | list[str] = (), notify: bool = False
    ) -> Posting:
        """Answer the command (a reply, in its thread if it was sent in one). Escape user text in `html`.

        The answer is on its way when this returns: `await (...).event_id()` when you keep its id."""
        if self.read_as:
            html, self.read_as = f"{html}<br>{self.read_as}", ""
        return await self.reply_message(Message.from_html(html, mentions=mentions), notify=notify)

    async def reply_message(self, message: Message, *, notify: bool = False) -> Posting:
        return await self.outbox.message(self.room_id, message, notify=notify, reply_to=self.event)

    async def say(
        self, html: str, *, mentions: tuple[str, ...] | list[str] = (), notify: bool = True
    ) -> Posting:
        """Post in the room (not as a reply); `m.text` by default so mentions notify."""
        message = Message.from_html(html, mentions=mentions)
        return await self.outbox.message(
            self.room_id, message, notify=notify, thread_root=self.event.thread_root
        )

    async def is_admin(self, room_id: str | None = None) -> bool:
        return await self.services.rooms.is_admin(room_id or self.room_id, self.sender)

    async def may(self, *, or_user: str | None = None, room_id: str | None = None) -> bool:
        """Whether the sender is `or_user` (the organiser of the thing, say) or a room admin."""
        return (or_user is not None and self.sender == or_user) or await self.is_admin(room_id)

    async def require_admin(
        self,
        what: str,
        *,
        or_user: str | None = None,
        role: str | None = None,
        room_id: str | None = None,
    ) -> None:
        """Refuse unless the sender is a room admin (or `or_user`, e.g. the organiser of the thing,
        whom `role` describes: "its organiser" by default), naming who may (see `refusal`). `what`
        and `role` are said in the language being written: pass them translated."""
        if not await self.may(or_user=or_user, room_id=room_id):
            raise await self.refusal(what, or_user=or_user, role=role, room_id=room_id)

    async def refusal(
        self,
        what: str,
        *,
        or_user: str | None = None,
        role: str | None = None,
        room_id: str | None = None,
    ) -> PermissionDenied:
        """Why the sender may not do `what`, naming who may instead: "Only Alice (its organiser)
        or a room admin (Carol or Dan) can cancel M1." The room admins named are the members of
        the room (`room_id`, else this one) with the power to change its settings; none named when
        none is a member. Every refusal of a permission says it this way."""
        room = room_id or self.room_id
        admin_text, admin_html = await self.room_admin(room, besides=or_user)
        if or_user is None:
            said = _("Only {admin} can {what}.")
            return PermissionDenied(
                said.format(admin=admin_text, what=what), html=said.format(admin=admin_html, what=h(what))
            )
        name = self.services.rooms.display_name(room, or_user)
        role = role or _("its organiser")
        said = _("Only {name} ({role}) or {admin} can {what}.")
        return PermissionDenied(
            said.format(name=name, role=role, admin=admin_text, what=what),
            html=said.format(name=bdi(name), role=h(role), admin=admin_html, what=h(what)),
        )

    async def room_admin(self, room_id: str | None = None, *, besides: str | None = None) -> tuple[str, str]:
        """ "a room admin (Carol or Dan)": the room's admins who are members, by name (but
        `besides`), or "a room admin" when none is; as plain text and as HTML."""
        room = room_id or self.room_id
        admins = [u for u in await self.services.rooms.admins(room) if u != besides]
        if not admins:
            return _("a room admin"), _("a room admin")
        names, names_html = self.names(admins, room)
        said = _("a room admin ({names})")
        return said.format(names=names), said.format(names=names_html)

    async def require_owner(self, what: str) -> None:
        """Refuse unless the sender is one of the bot's owners (its config), naming them."""
        owners = sorted(self.services.rooms.owners)
        if self.sender in owners:
            return
        if not owners:
            raise PermissionDenied(
                _("Only the bot's owners can {what}, and its config names none (owners:).").format(what=what)
            )
        names, names_html = self.names(owners)
        said = _("Only the bot's owners ({names}) can {what}.")
        raise PermissionDenied(
            said.format(names=names, what=what), html=said.format(names=names_html, what=h(what))
        )

    def names(self, users: Sequence[str], room_id: str | None = None) -> tuple[str, str]:
        """`users` by their display names in the room, for a sentence: "Alice", "Alice or Bob",
        "Alice, Bob, Carol or 2 more"; as plain text and as HTML (each name isolated)."""
        shown = [self.services.rooms.display_name(room_id or self.room_id, u) for u in users[:NAMED]]
        rest = len(users) - len(shown)
        text, html = list(shown), [bdi(n) for n in shown]
        if rest:
            more = _n("{n} more", "{n} more", rest).format(n=rest)
            text.append(more)
            html.append(more)
        return _or_list(text), _or_list(html)

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


def _or_list(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return _("{first} or {second}").format(first=", ".join(items[:-1]), second=items[-1])


def as_sentence(message: str, names: Collection[str]) -> str:
    """A refusal with its first letter capitalised, unless its first word is a name a person types
    (a setting, a plugin: `names`) or shaped like one (`checkin_nudge`, `@bob:x`, `P3`), which
    is shown exactly as written."""
    first = message.split(None, 1)[0].rstrip(":,;.") if message.strip() else ""
    word = first.replace("-", "").replace("'", "")  # "sign-ups", "don't" are words
    if not (word.isalpha() and word.islower()) or first in names:
        return message
    return message[:1].upper() + message[1:]
