"""Issue 24's targets for start-up as the rooms grow (`bench.rooms`): at the most rooms, a restart's
first answer ≤ maubot's and ≤ 1.3× our own in one room; idle RSS growth per 1,000 rooms ≤ maubot's;
reply p50 flat (≤ 1.1× the one-room p50, corrected by the echo bot's drift between the sittings)."""

from __future__ import annotations

from collections.abc import Sequence

from bench.rooms import RoomsSize
from bench.stats import Figure


def rooms_rows(sizes: Sequence[RoomsSize]) -> list[Figure]:
    grown = [s for s in sizes if not s.crowded]
    if not grown:
        return []
    one, most = grown[0], grown[-1]
    rows: list[Figure] = []
    for s in sizes:
        judged = s is most and s is not one
        rows += [
            _restart_row(s, one, judged),
            Figure(
                f"{s.label}: first start → first answer",
                s.bot.first_start_s,
                "s",
                maubot=s.maubot.first_start_s if s.maubot else None,
            ),
            Figure(
                f"{s.label}: idle RSS",
                s.bot.idle_rss_mb,
                "MB",
                one.bot.idle_rss_mb,
                "1 room",
                maubot=s.maubot.idle_rss_mb if s.maubot else None,
            ),
            _reply_row(s, one, judged),
        ]
    if most is not one:
        rows.append(_growth_row(one, most))
    return rows


def _restart_row(s: RoomsSize, one: RoomsSize, judged: bool) -> Figure:
    limit, target = None, ""
    if judged:
        limit, target = 1.3 * one.bot.restart_s, "≤ 1.3× 1 room"
        if s.maubot is not None:
            limit, target = min(limit, s.maubot.restart_s), "≤ maubot's and ≤ 1.3× 1 room"
    return Figure(
        f"{s.label}: restart → first answer (median)",
        s.bot.restart_s,
        "s",
        one.bot.restart_s,
        "1 room",
        limit,
        target,
        s.maubot.restart_s if s.maubot else None,
    )


def _reply_row(s: RoomsSize, one: RoomsSize, judged: bool) -> Figure:
    floor, floor_name = one.bot.replies.p50, "1 room p50"
    if s.echo_replies is not None and one.echo_replies is not None and s is not one:
        drift = s.echo_replies.p50 / one.echo_replies.p50
        floor, floor_name = floor * drift, f"1 room p50 × {drift:.2f} (echo bot's drift)"
    return Figure(
        f"{s.label}: reply p50",
        s.bot.replies.p50,
        "ms",
        floor,
        floor_name,
        1.1 * floor if judged else None,
        "≤ 1.1× 1 room (flat)" if judged else "",
        s.maubot.replies.p50 if s.maubot else None,
    )


def _growth_row(one: RoomsSize, most: RoomsSize) -> Figure:
    """Idle RSS added per 1,000 rooms, between one room and the most."""
    per = 1000 / (most.rooms - one.rooms)
    ours = (most.bot.idle_rss_mb - one.bot.idle_rss_mb) * per
    theirs = None
    if most.maubot is not None and one.maubot is not None:
        theirs = (most.maubot.idle_rss_mb - one.maubot.idle_rss_mb) * per
    return Figure(
        "idle RSS growth per 1,000 rooms",
        ours,
        "MB",
        limit=theirs,
        target="≤ maubot's" if theirs is not None else "",
        maubot=theirs,
    )
