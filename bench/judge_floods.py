"""Issue 28's targets for the floods (`bench.floods`): under each, another room's `!help` p50
≤ 0.5 s and max ≤ 1 s; every command answered exactly once; one notice for unreadable messages."""

from __future__ import annotations

from bench.floods import Floods, RoomFlood
from bench.stats import Figure, Spread
from bench.unreadable import UnreadableFlood


def flood_rows(floods: Floods) -> list[Figure]:
    return [
        *(row for flood in floods.rooms for row in _room_flood_rows(flood)),
        *(row for flood in floods.unreadable for row in _unreadable_rows(flood)),
    ]


def _help_rows(name: str, waits: Spread, maubot: Spread | None = None) -> list[Figure]:
    p50, top = (maubot.p50, maubot.max) if maubot else (None, None)
    return [
        Figure(f"help during {name} p50", waits.p50, "ms", limit=500, target="≤ 500 ms", maubot=p50),
        Figure(f"help during {name} max", waits.max, "ms", limit=1000, target="≤ 1 s", maubot=top),
    ]


def _room_flood_rows(f: RoomFlood) -> list[Figure]:
    mb = f.maubot
    missed = f"0 (of {f.sent}, the other room's too)"
    return [
        *_help_rows(f.name, f.waits, mb.waits if mb else None),
        Figure(
            f"{f.name}: not answered exactly once",
            f.sent - f.answered_once,
            "",
            limit=0,
            target=missed,
            maubot=mb.sent - mb.answered_once if mb else None,
        ),
        Figure(f"{f.name}: first send → last answer", f.took_s, "s", maubot=mb.took_s if mb else None),
    ]


def _unreadable_rows(f: UnreadableFlood) -> list[Figure]:
    return [
        *_help_rows(f.name, f.waits),
        Figure(f"{f.name}: notices in the room", f.notices, "", limit=1, target="1", lower=1),
        Figure(
            f"{f.name}: !help not answered exactly once",
            f.asked - f.answered_once,
            "",
            limit=0,
            target=f"0 (of {f.asked})",
        ),
        Figure(
            f"{f.name}: first event → notice seen", f.notice_s, "s", f.notice_after_s, "its wait for a key"
        ),
    ]
