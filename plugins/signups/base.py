"""What the signups plugin's commands share: the store, finding the list a command means, joining
and leaving, and keeping the live list and the room's notices current. The commands live in
plugin.py.

What the room keeps (the live list, its edits, who moved up or down) is written in the room's
language, whoever's command changed it; an answer to a member in theirs (the core sees to it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from matrixbot import (
    Context,
    Message,
    Outbox,
    Plugin,
    Ref,
    Tx,
    UserError,
    check_size,
    resolve_single,
    speaking,
)

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
)
from .render import Names, render_list, render_moved
from .store import Change, Check, SignupStore
from .texts import _, texts

ListId = Annotated[int | None, Ref(LETTER, "signup list")]


class SignupsBase(Plugin):
    store: SignupStore
    translations = texts

    async def setup(self) -> None:
        self.store = SignupStore(self.db)

    async def _find(self, ctx: Context, given: int | None, example: str) -> SignupList:
        """The list meant: the one given (in this room), or the room's only open one."""
        if given is None:
            lists = [s for s in await self.store.in_room(ctx.room_id) if is_current(s, ctx.now)]
            given = resolve_single({s.id: s for s in lists}, LETTER, "signup list", None, example)
        found = await self.store.get(ctx.room_id, given)
        if found is None:
            raise UserError(_("There is no signup list {list} in this room.").format(list=f"{LETTER}{given}"))
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
            raise UserError(_("{reason} New sign-ups are not taken.").format(reason=reason))
        sheet = await self.store.sheet(signup_list)
        ref = signup_list.ref
        if sheet.entry(user, kind) is not None:
            if kind == "talk":
                raise UserError(
                    _("You have already offered a talk for {list}; {command} to withdraw.").format(
                        list=ref, command=f"{self.prefix}signup withdraw {ref}"
                    )
                )
            raise UserError(
                _("You have already signed up for {list}; {command} to withdraw.").format(
                    list=ref, command=f"{self.prefix}signup withdraw {ref}"
                )
            )
        if kind == "attend" and user in {e.user_id for e in sheet.allocation.speakers}:
            raise UserError(
                _("You are giving a talk at {list}, so you already have a place.").format(list=ref)
            )
        fits = await self._fits(signup_list.room_id)
        change = await self.store.join(signup_list.id, user, kind, topic, fits)
        await self._publish(outbox, change)
        return change

    async def _leave(
        self, outbox: Outbox, signup_list: SignupList, user: str, kinds: tuple[Kind, ...], not_on: str
    ) -> None:
        """Take `user` off (their `kinds` of entry); `not_on` says so when they were not on it."""
        change = await self.store.leave(signup_list.id, user, kinds)
        if len(change.after.entries) == len(change.before.entries):
            raise UserError(not_on.format(list=signup_list.ref))
        await self._publish(outbox, change)

    async def _publish(self, outbox: Outbox, change: Change) -> list[Entry]:
        """Edit the live list, and notify whoever moved up or down; return those moved down."""
        await self._refresh(outbox, change.after)
        moved = changes(change.before.allocation, change.after.allocation)
        signup_list = change.after.signup_list
        if moved.promoted or moved.demoted:
            names = self._names(signup_list.room_id)
            with speaking(await self.language(signup_list.room_id)):
                html = render_moved(signup_list, moved.promoted, moved.demoted, names)
            people = [e.user_id for e in (*moved.promoted, *moved.demoted)] + [signup_list.organiser]
            await outbox.message(signup_list.room_id, Message.from_html(html, mentions=people), notify=True)
        return list(moved.demoted)

    async def _refresh(self, outbox: Outbox, sheet: Sheet) -> None:
        """Replace the live list message with the current list (the edit mentions nobody)."""
        signup_list = sheet.signup_list
        if signup_list.event_id is None:
            return
        html = await self._live(sheet)
        await outbox.edit(signup_list.room_id, signup_list.event_id, Message.from_html(html))

    async def _live(self, sheet: Sheet) -> str:
        """The live list as the room keeps it: in the room's language."""
        room_id = sheet.signup_list.room_id
        with speaking(await self.language(room_id)):
            return render_list(sheet, self._names(room_id), self.clock.now(), self.prefix)

    async def _schedule_reminder(self, tx: Tx, signup_list: SignupList, origin: str) -> None:
        due = reminder_due(signup_list.details.when)
        if due > self.clock.now():
            key = reminder_key(signup_list, origin)
            await self.jobs.schedule(
                tx, "remind", due, {"list": signup_list.id}, key=key, room_id=signup_list.room_id
            )

    async def _fits(self, room_id: str) -> Check:
        """Refuses a change that would make the live list too large for one message (as the room
        reads it, in its language; the refusal in the language of the moment)."""
        language = await self.language(room_id)

        def check(sheet: Sheet) -> None:
            with speaking(language):
                html = render_list(sheet, self._names(room_id), self.clock.now(), self.prefix)
            check_size(Message.from_html(html).content(), _("With that, the list"))

        return check

    def _names(self, room_id: str) -> Names:
        return lambda user: self.rooms.display_name(room_id, user)


def reminder_key(signup_list: SignupList, origin: str) -> str:
    return f"s{signup_list.id}:remind:{origin}"
