"""How much traffic each benchmark makes: the issue's sizes, and tiny ones for the smoke test."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    relay: int = 200
    echo_replies: int = 200
    replies_per_command: int = 100
    burst_one_room: int = 20
    burst_many: int = 200
    burst_rooms: int = 10
    reminders: int = 10
    reminder_lead_s: int = 8
    """The first `!remind in N seconds`: long enough for all of them to be set before it is due."""
    reminder_spacing_s: float = 2.0
    mass_reminders: int = 1000
    mass_rooms: int = 50
    mass_window_s: float = 60.0
    mass_lead_s: float = 12.0
    """Seeded reminders start falling due this long after seeding, once the bot is surely up."""
    scale: tuple[int, ...] = (1_000, 10_000, 100_000)
    scale_replies: int = 100
    parse_runs: int = 20
    calendar_runs: int = 20
    """Writes of a 1,000-item feed, and fetches of it (each after a change, and unchanged)."""


FULL = Sizes()
QUICK = Sizes(
    relay=10,
    echo_replies=10,
    replies_per_command=3,
    burst_one_room=5,
    burst_many=10,
    burst_rooms=2,
    reminders=2,
    reminder_lead_s=4,
    reminder_spacing_s=1.0,
    mass_reminders=20,
    mass_rooms=2,
    mass_window_s=2.0,
    mass_lead_s=4.0,
    scale=(200,),
    scale_replies=5,
    parse_runs=3,
    calendar_runs=2,
)
