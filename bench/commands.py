"""The commands organisers type, as the benchmarks send them."""

from __future__ import annotations

from datetime import date, timedelta

HELP = "!help"
VOTE = "!vote 1 3 maybe 5"
MEETINGS = "!meetings"
POLLS = "!polls"
#: No time in it, so the time parser has to try (and fail) before the bot can answer.
UNPARSEABLE = "!remind blorfday at gizmo o'clock water the plants"


def poll(title: str = "Bench call", options: int = 8, today: date | None = None) -> str:
    """`!poll` with `options` one-hour slots on the days after next week, weekdays matching."""
    start = (today or date.today()) + timedelta(days=7)
    lines = [f"3-4pm {start + timedelta(days=k):%a %-d %b %Y}" for k in range(options)]
    return "\n".join([f"!poll {title}", *lines])


def poll_body(options: int = 8, today: date | None = None) -> str:
    """The option lines of `poll()`, as the datepoll parser receives them."""
    return poll(options=options, today=today).split("\n", 1)[1]


#: What a burst is made of: reading and writing commands, as in a busy room.
BURST_MIX = (HELP, VOTE, MEETINGS, POLLS)
