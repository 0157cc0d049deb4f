"""Whether a meeting's reminders may mention @room: only if its organiser may (the bot posts it on
their behalf), and a refusal names who may. Whom they mention besides: `model.mentioned`."""

from __future__ import annotations

from matrixbot import Context, PermissionDenied, bdi, h


async def check_room_mention(ctx: Context, organiser: str) -> None:
    """Refuse `notify: @room` when the organiser may not mention @room here, saying who may."""
    rooms, room = ctx.services.rooms, ctx.room_id
    if await rooms.can_mention_room(room, organiser):
        return
    able = [u for u in rooms.humans(room) if await rooms.can_mention_room(room, u)]
    name = rooms.display_name(room, organiser)
    who, who_html = ("You", "You") if organiser == ctx.sender else (name, bdi(name))
    rule = " may not mention @room in this room, so the meeting's reminders may not either. Leave @room out"
    names, names_html = ctx.names(able) if able else ("", "")
    instead = f", or let {names} (who may) schedule it" if able else ""
    instead_html = f", or let {names_html} (who may) schedule it" if able else ""
    raise PermissionDenied(f"{who}{rule}{instead}.", html=f"{who_html}{h(rule)}{instead_html}.")
