"""Which round a command means: the one named, else the room's only open one (or its latest); for an
answer, the round open when it was sent."""

from __future__ import annotations

from datetime import datetime

from matrixbot import UserError, format_time, resolve_single

from .model import Round
from .store import CheckinStore
from .texts import _


async def answered_round(
    store: CheckinStore, room_id: str, given: int | None, sent: datetime, example: str
) -> Round:
    """The round an answer sent at `sent` is for: the one given, else the room's only round open
    then; a round closed since still takes it (however late it reached the bot)."""
    rounds = await store.open_at(room_id, sent)
    if given is not None and given not in rounds:
        known = await store.round(given, room_id)
        if known is None:
            raise UserError(_no_such_round(given))
        if sent < known.opened_at:
            raise UserError(
                _("Check-in {round} had not started when you sent that.").format(round=f"C{given}")
            )
        raise UserError(_too_late(known, sent))
    if given is None and not rounds:
        started = [r for r in await store.rounds(room_id) if r.opened_at <= sent]
        if started:
            raise UserError(_too_late(started[-1], sent))
    return rounds[resolve_single(rounds, "C", "check-in round", given, example)]


def _no_such_round(given: int) -> str:
    return _("There is no check-in {round} here.").format(round=f"C{given}")


def _too_late(rnd: Round, sent: datetime) -> str:
    zone = rnd.series.zone
    return _("Check-in {round} closed {closed}; your answer, sent {sent}, was not counted.").format(
        round=rnd.ref, closed=format_time(rnd.closes_at, zone), sent=format_time(sent, zone)
    )


async def shown_round(store: CheckinStore, room_id: str, given: int | None) -> Round:
    """The round given, else the room's only open one, else its latest."""
    if given is not None:
        rnd = await store.round(given, room_id)
        if rnd is None:
            raise UserError(_no_such_round(given))
        return rnd
    open_rounds = await store.open_rounds(room_id)
    if open_rounds:
        return open_rounds[resolve_single(open_rounds, "C", "check-in round", None, "!checkin status C3")]
    rounds = await store.rounds(room_id)
    if not rounds:
        raise UserError(
            _("There are no check-ins here yet. Start one with {command}.").format(
                command=_("!checkin start QUESTION")
            )
        )
    return rounds[-1]
