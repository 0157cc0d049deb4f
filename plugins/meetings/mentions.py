"""Whether a meeting's reminders may mention @room: only if its organiser may (the bot posts it on
their behalf), and a refusal names who may. Whom they mention besides: `model.mentioned`."""

from __future__ import annotations

from matrixbot import Context, PermissionDenied, bdi, h

from .texts import _


async def check_room_mention(ctx: Context, organiser: str) -> None:
    """Refuse `notify: @room` when the organiser may not mention @room here, saying who may."""
    rooms, room = ctx.services.rooms, ctx.room_id
    if await rooms.can_mention_room(room, organiser):
        return
    able = [u for u in rooms.humans(room) if await rooms.can_mention_room(room, u)]
    name = rooms.display_name(room, organiser)
    if organiser == ctx.sender:
        rule = _("You may not mention @room in this room, so the meeting's reminders may not either.")
    else:
        rule = _("{name} may not mention @room in this room, so the meeting's reminders may not either.")
    instead = _("Leave @room out, or let {names} (who may) schedule it.") if able else _("Leave @room out.")
    names, names_html = ctx.names(able) if able else ("", "")
    text = f"{rule.format(name=name)} {instead.format(names=names)}"
    html = f"{h(rule).format(name=bdi(name))} {h(instead).format(names=names_html)}"
    raise PermissionDenied(text, html=html)
