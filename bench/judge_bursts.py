"""The bursts' rows: every command answered once, the tail against maubot's, the median answer, and
how many answers came out of their commands' order (one member's, and in a room shared by many)."""

from __future__ import annotations

from bench.members import CrowdBursts, MemberBursts
from bench.stats import Figure
from bench.timing import Burst


def peer_rows(name: str, burst: Burst, *, crowd: bool = False) -> list[Figure]:
    """A peer's burst, for information (`crowd`: sent by many members)."""
    rows = [
        Figure(f"{name}: answered exactly once", burst.answered_once, "", burst.sent, "sent", None, "all"),
        Figure(f"{name}: last send → last answer", burst.tail_ms, "ms"),
        Figure(f"{name}: answer p50", burst.p50_ms, "ms"),
        Figure(f"{name}: {_member_order(crowd)}", burst.out_of_order, ""),
    ]
    if crowd:
        rows.append(Figure(f"{name}: {ROOM_ORDER}", burst.out_of_room_order, ""))
    return rows


ROOM_ORDER = "answers out of the room's command order"


def _member_order(crowd: bool) -> str:
    return "a member's answers out of command order" if crowd else "answers out of command order"


def bot_rows(
    name: str, burst: Burst, echo: Burst, maubot: Burst | None, *, crowd: bool = False
) -> list[Figure]:
    """Our bot's burst: every command answered exactly once; the tail at most maubot's (1.2× the echo
    bot's where maubot was not measured); none of one member's answers out of their order. The
    median answer and (`crowd`) the answers to different members that overtook one another are
    shown beside the peers' for information."""
    echo_tail = echo.tail_ms if echo.lost == 0 else None
    if maubot is not None:
        limit, target = maubot.tail_ms, "≤ maubot's"
    elif echo_tail is not None:
        limit, target = 1.2 * echo_tail, "≤ 1.2× echo tail"
    else:
        limit, target = None, ""
    rows = [
        Figure(
            f"{name}: not answered exactly once",
            burst.sent - burst.answered_once,
            "",
            None,
            "",
            0,
            f"0 (lost {burst.lost}, doubled {burst.doubled})",
            maubot.sent - maubot.answered_once if maubot else None,
        ),
        Figure(
            f"{name}: last send → last answer",
            burst.tail_ms,
            "ms",
            echo_tail,
            "echo tail",
            limit,
            target,
            maubot.tail_ms if maubot else None,
        ),
        Figure(
            f"{name}: answer p50",
            burst.p50_ms,
            "ms",
            echo.p50_ms,
            "echo p50",
            maubot=maubot.p50_ms if maubot else None,
        ),
        Figure(
            f"{name}: {_member_order(crowd)}",
            burst.out_of_order,
            "",
            echo.out_of_order,
            "echo bot's",
            0,
            "0 (one member's in order)",
            maubot.out_of_order if maubot else None,
        ),
    ]
    if crowd:
        rows.append(
            Figure(
                f"{name}: {ROOM_ORDER}",
                burst.out_of_room_order,
                "",
                echo.out_of_room_order,
                "echo bot's",
                maubot=maubot.out_of_room_order if maubot else None,
            )
        )
    return rows


def member_burst_rows(m: MemberBursts) -> list[Figure]:
    """The bursts by many members: the peers' for information, then ours, judged."""

    def names(who: str, bursts: CrowdBursts) -> tuple[str, str]:
        one, many = bursts.one_room, bursts.many_rooms
        return (
            f"{who} burst of {one.sent} by {m.members} members, one room",
            f"{who} burst of {many.sent} by {m.members} members, {bursts.rooms} rooms",
        )

    rows = []
    peers = [("echo bot", m.echo)] + ([("maubot", m.maubot)] if m.maubot else [])
    for who, bursts in peers:
        one_name, many_name = names(who, bursts)
        rows += peer_rows(one_name, bursts.one_room, crowd=True)
        rows += peer_rows(many_name, bursts.many_rooms, crowd=True)
    one_name, many_name = names("bot", m.bot)
    mb = m.maubot
    rows += bot_rows(one_name, m.bot.one_room, m.echo.one_room, mb.one_room if mb else None, crowd=True)
    rows += bot_rows(
        many_name, m.bot.many_rooms, m.echo.many_rooms, mb.many_rooms if mb else None, crowd=True
    )
    return rows
