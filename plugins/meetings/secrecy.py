"""Keeping an access code out of rooms: a command message that shows one is removed when the bot
may, and its sender is told what became of it, also when the command itself is refused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from matrixbot import Body, Context, UserError, speaking

from .parse import mentions_code
from .render import code_refusal_note
from .texts import _


async def redact_secret(ctx: Context) -> bool:
    """Redact the command message when the bot may; whether it did."""
    services = ctx.services
    if not await services.rooms.can_redact(ctx.room_id):
        return False
    with speaking(ctx.room_language):  # the room sees the reason where the message was
        reason = _("it showed an access code")
    return await services.sender.redact(ctx.room_id, ctx.event.event_id, reason=reason)


async def hide_code(ctx: Context, body: Body) -> bool | None:
    """Redact a room message whose lines show an access code: True if removed, False if it stays
    visible (the bot may not remove it), None when there was nothing to hide (no code, or a
    direct message)."""
    if ctx.is_direct or not mentions_code(body.text):
        return None
    return await redact_secret(ctx)


@contextmanager
def told_if_refused(removed: bool | None, undone: str, prefix: str) -> Iterator[None]:
    """A refusal raised inside says too what became of the message that showed a code (`removed`)
    and what was not done (`undone`: "Nothing was scheduled.")."""
    try:
        yield
    except UserError as exc:
        if removed is None:
            raise
        raise exc.noted(code_refusal_note(removed, undone, prefix)) from None
