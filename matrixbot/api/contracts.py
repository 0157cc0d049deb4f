"""Typed calls between plugins: one plugin offers a capability, another finds it by its contract.

A capability is a runtime-checkable `typing.Protocol` declared here, in the public API, with a
`Contract` naming it. A plugin offers it by having the Protocol's methods; another plugin asks
`self.services.provider(CONTRACT)` and gets the first loaded plugin that offers it, typed as the
Protocol, or None when no plugin does (the cooperation is optional). No plugin names another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeGuard, TypeVar, runtime_checkable

T = TypeVar("T")


@dataclass(frozen=True)
class Contract(Generic[T]):
    """A capability a plugin may offer, checked by its Protocol: `Contract[P](P)`.

    The Protocol is wrapped because mypy accepts only concrete classes where `type[T]` is
    expected, so `provider(P)` itself could not be typed.
    """

    protocol: type
    """A `@runtime_checkable` Protocol: a plugin offers it when it has all of its methods."""

    def offered_by(self, candidate: object) -> TypeGuard[T]:
        return isinstance(candidate, self.protocol)


@dataclass(frozen=True)
class PollWinner:
    """A closed poll's winner, for the meetings plugin (`!meeting from-poll P3`), or the tied
    option chosen (`!meeting from-poll P3 2`)."""

    title: str
    start: datetime
    """Aware, in the poll's zone."""
    end: datetime | None
    zone: str
    poll_id: int


@runtime_checkable
class PollWinners(Protocol):
    """Offered by the datepoll plugin: the winning slot of a room's closed poll."""

    async def winner_for_meeting(
        self, room_id: str, poll_number: int, option: int | None = None
    ) -> PollWinner:
        """The winner of poll `poll_number` in the room, or `option` when it is one of a tie's
        options; UserError when there is none (open, no votes, a tie and no option chosen)."""
        ...


POLL_WINNERS: Contract[PollWinners] = Contract(PollWinners)
