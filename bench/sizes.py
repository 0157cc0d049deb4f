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
    burst_members: int = 10
    """Members who send the bursts by many members (`bench/members.py`): the same two sizes, so
    that each member sends two commands into each room."""
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
    language_runs: int = 3
    """Bots measured with rooms in all four languages and in English only (each a fresh process)."""
    flood_polls: tuple[tuple[int, int], ...] = ((400, 8), (400, 20), (800, 20))
    """Many-room floods (issue 28): (twenty-option `!poll`s, rooms they are spread over), one member's."""
    flood_poll_options: int = 20
    flood_ask_pause_s: float = 0.5
    """During a many-room flood, another room's `!help` is sent this long after the last one's answer."""
    flood_unreadable: tuple[int, ...] = (30, 40)
    """Made-up encrypted events one member sends into one room, the bot limited to `flood_bot_rate`."""
    flood_bot_rate: float = 0.5
    """Messages a second the homeserver lets the bot post during the unreadable flood (burst 1)."""
    rooms: tuple[int, ...] = (1, 300, 1_000)
    """Joined rooms of 5 members (issue 24), ascending: start-up, memory and replies beside maubot."""
    crowd: int = 500
    """Members of the one crowded room."""
    rooms_restarts: int = 3
    """Restarts on the warm store at each size (their median is judged)."""
    rooms_replies: int = 30
    flood_notice_after_s: float | None = None
    """When the bot tells a room about unreadable messages: None as shipped (`NOTICE_AFTER`, 60 s,
    so each unreadable flood lasts a minute); a quick run shortens it (see `bench/notice_soon.py`)."""


FULL = Sizes()
QUICK = Sizes(
    relay=10,
    echo_replies=10,
    replies_per_command=3,
    burst_one_room=5,
    burst_many=10,
    burst_rooms=2,
    burst_members=3,
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
    language_runs=1,
    flood_polls=((6, 2),),
    flood_unreadable=(3,),
    flood_bot_rate=4.0,
    flood_notice_after_s=0.0,
    rooms=(1, 3),
    crowd=6,
    rooms_restarts=1,
    rooms_replies=2,
)
