"""Which round a command means: the one named, else the room's only open one (or its latest)."""

from __future__ import annotations

from matrixbot import UserError, resolve_single

from .model import Round
from .store import CheckinStore


async def open_round(store: CheckinStore, room_id: str, given: int | None, example: str) -> Round:
    """The open round given, else the room's only open one."""
    open_rounds = await store.open_rounds(room_id)
    if given is not None and given not in open_rounds:
        known = await store.round(given, room_id)
        raise UserError(f"Check-in C{given} has closed." if known else f"There is no check-in C{given} here.")
    return open_rounds[resolve_single(open_rounds, "C", "check-in round", given, example)]


async def shown_round(store: CheckinStore, room_id: str, given: int | None) -> Round:
    """The round given, else the room's only open one, else its latest."""
    if given is not None:
        rnd = await store.round(given, room_id)
        if rnd is None:
            raise UserError(f"There is no check-in C{given} here.")
        return rnd
    open_rounds = await store.open_rounds(room_id)
    if open_rounds:
        return open_rounds[resolve_single(open_rounds, "C", "check-in round", None, "!checkin status C3")]
    rounds = await store.rounds(room_id)
    if not rounds:
        raise UserError("There are no check-ins here yet. Start one with !checkin start QUESTION.")
    return rounds[-1]
