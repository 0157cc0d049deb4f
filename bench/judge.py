"""The issue's targets: every measurement becomes a table row with its floor, ratio and verdict."""

from __future__ import annotations

from dataclasses import dataclass

from bench.floods import Floods
from bench.floors import Floors, PeerFloor
from bench.judge_bursts import bot_rows, member_burst_rows, peer_rows
from bench.judge_floods import flood_rows
from bench.judge_rooms import rooms_rows
from bench.languages import LanguageMemory
from bench.members import MemberBursts
from bench.reminders import MassReminders, Punctuality
from bench.replies import EmptyStore
from bench.rooms import RoomsSize
from bench.scale import StoreSize
from bench.stats import Figure, Spread
from bench.timing import Burst


@dataclass(frozen=True)
class Calendar:
    """A room calendar of 1,000 items (bench/calendar.py)."""

    written_ms: Spread
    served_changed_ms: Spread
    served_unchanged_ms: Spread


@dataclass
class Measured:
    floors: Floors
    empty: EmptyStore | None = None
    mass: MassReminders | None = None
    scale: list[StoreSize] | None = None
    floods: Floods | None = None
    rooms: list[RoomsSize] | None = None
    members: MemberBursts | None = None
    """The bursts sent by many members (`bench/members.py`)."""
    poll_parse_ms: Spread | None = None
    calendar: Calendar | None = None
    languages: LanguageMemory | None = None


def figures(m: Measured) -> list[Figure]:
    f = m.floors
    mb = f.maubot
    rows = [
        Figure("relay p50 (floor)", f.relay.p50, "ms"),
        Figure("relay p90 (floor)", f.relay.p90, "ms"),
        Figure("relay p99 (floor)", f.relay.p99, "ms"),
        Figure("relay max (floor)", f.relay.max, "ms"),
        Figure("relay of a mention p50", f.relay_mention.p50, "ms", f.relay.p50, "relay p50"),
        Figure("relay of a mention max", f.relay_mention.max, "ms", f.relay.max, "relay max"),
        # the peers' own figures: echo's in the value column, maubot's beside it
        Figure(
            "echo bot p50 (library floor)",
            f.echo.replies.p50,
            "ms",
            f.relay.p50,
            "relay p50",
            maubot=mb.replies.p50 if mb else None,
        ),
        Figure(
            "echo bot p99 (library floor)",
            f.echo.replies.p99,
            "ms",
            f.relay.p99,
            "relay p99",
            maubot=mb.replies.p99 if mb else None,
        ),
        Figure("echo bot idle RSS", f.echo.idle_rss_mb, "MB", maubot=mb.idle_rss_mb if mb else None),
        Figure("echo bot start → ready", f.echo.ready_s, "s", maubot=mb.ready_s if mb else None),
        Figure(
            "echo bot start → first answer",
            f.echo.first_answer_s,
            "s",
            maubot=mb.first_answer_s if mb else None,
        ),
        *_peer_burst_rows("echo bot", f.echo),
    ]
    if mb is not None:
        rows += _peer_burst_rows("maubot", mb)
    if m.empty is not None:
        rows += _empty_store_rows(m.empty, f)
    if m.members is not None:
        rows += member_burst_rows(m.members)
    if m.mass is not None:
        rows += _mass_rows(m.mass, f)
    if m.scale:
        rows += _scale_rows(m.scale)
    if m.floods is not None:
        rows += flood_rows(m.floods)
    if m.rooms:
        rows += rooms_rows(m.rooms)
    if m.poll_parse_ms is not None:
        rows.append(
            Figure(
                "8-option poll body parsed, warm (max)", m.poll_parse_ms.max, "ms", None, "", 50, "≤ 50 ms"
            )
        )
    if m.calendar is not None:
        c = m.calendar
        rows += [
            Figure(
                "calendar feed of 1,000 items written (max)", c.written_ms.max, "ms", None, "", 50, "≤ 50 ms"
            ),
            Figure("calendar feed of 1,000 items written p50", c.written_ms.p50, "ms"),
            Figure("calendar feed of 1,000 items served after a change p50", c.served_changed_ms.p50, "ms"),
            Figure(
                "calendar feed of 1,000 items served unchanged (304) p50", c.served_unchanged_ms.p50, "ms"
            ),
        ]
    if m.languages is not None:
        lm = m.languages
        rows += [
            Figure("idle RSS, English only (fake transport)", lm.english, "MB"),
            Figure(
                "idle RSS, de, en, es, fr in use, above English only",
                lm.in_use_mb,
                "MB",
                None,
                "",
                5,
                "≤ 5 MB",
            ),
            Figure(
                "start-up RSS, rooms of four languages set, above English only",
                lm.start_mb,
                "MB",
                None,
                "",
                0.5,
                "≤ 0.5 MB (none loaded)",
            ),
        ]
    return rows


def _peer_burst_rows(who: str, peer: PeerFloor) -> list[Figure]:
    rows = []
    for label, burst in (("one room", peer.burst_one_room), ("10 rooms", peer.burst_many)):
        rows += peer_rows(f"{who} burst of {burst.sent}, {label}", burst)
    return rows


def _latency_rows(name: str, spread: Spread, echo: Spread, maubot: Spread | None = None) -> list[Figure]:
    """Judged against maubot's samples paired with these (echo's where maubot was not measured)."""
    if maubot is None:
        return [
            Figure(
                f"{name} p50",
                spread.p50,
                "ms",
                echo.p50,
                "paired echo p50",
                1.1 * echo.p50,
                "≤ 1.1× echo p50",
            ),
            Figure(
                f"{name} p99",
                spread.p99,
                "ms",
                echo.p99,
                "paired echo p99",
                1.2 * echo.p99,
                "≤ 1.2× echo p99",
            ),
        ]
    return [
        Figure(
            f"{name} p50",
            spread.p50,
            "ms",
            echo.p50,
            "paired echo p50",
            maubot.p50,
            "≤ maubot p50",
            maubot.p50,
        ),
        Figure(
            f"{name} p99",
            spread.p99,
            "ms",
            echo.p99,
            "paired echo p99",
            maubot.p99,
            "≤ maubot p99",
            maubot.p99,
        ),
    ]


def _burst_rows(one: Burst | None, many: Burst | None, floors: Floors) -> list[Figure]:
    rows = []
    for label, burst, echo, maubot in (
        (
            "one room",
            one,
            floors.echo.burst_one_room,
            floors.maubot.burst_one_room if floors.maubot else None,
        ),
        ("10 rooms", many, floors.echo.burst_many, floors.maubot.burst_many if floors.maubot else None),
    ):
        if burst is not None:
            rows += bot_rows(f"bot burst of {burst.sent}, {label}", burst, echo, maubot)
    return rows


def _empty_store_rows(e: EmptyStore, f: Floors) -> list[Figure]:
    mb = f.maubot
    echo_first = f.echo.first_answer_s
    rows = [
        Figure(
            "empty store: start → ready (log line)",
            e.ready_s,
            "s",
            f.echo.ready_s,
            "echo ready",
            maubot=mb.ready_s if mb else None,
        ),
        Figure(
            "empty store: start → first answer",
            e.first_answer_s,
            "s",
            echo_first,
            "echo first answer",
            mb.first_answer_s if mb else 0.8,
            "≤ maubot's" if mb else "≤ 0.8 s",
            mb.first_answer_s if mb else None,
        ),
        Figure(
            "empty store, restart: start → first answer",
            e.restart_first_answer_s,
            "s",
            echo_first,
            "echo first answer",
            mb.restart_first_answer_s if mb else 0.8,
            "≤ maubot's restart" if mb else "≤ 0.8 s",
            mb.restart_first_answer_s if mb else None,
        ),
        Figure(
            "empty store: idle RSS",
            e.idle_rss_mb,
            "MB",
            f.echo.idle_rss_mb,
            "echo RSS",
            1.1 * mb.idle_rss_mb if mb else 60,
            "≤ 1.1× maubot's" if mb else "≤ 60 MB",
            mb.idle_rss_mb if mb else None,
        ),
    ]
    if e.unencrypted is not None:
        u = e.unencrypted
        rows += [
            Figure(
                "encryption off: start → first answer",
                u.first_answer_s,
                "s",
                e.first_answer_s,
                "encryption on",
                maubot=mb.first_answer_s if mb else None,
            ),
            Figure(
                "encryption off, restart: start → first answer",
                u.restart_first_answer_s,
                "s",
                e.restart_first_answer_s,
                "encryption on",
                maubot=mb.restart_first_answer_s if mb else None,
            ),
            Figure(
                "encryption off: idle RSS",
                u.idle_rss_mb,
                "MB",
                e.idle_rss_mb,
                "encryption on",
                maubot=mb.idle_rss_mb if mb else None,
            ),
        ]
    rows += [
        Figure("empty store: RSS after the whole run", e.rss_after_use_mb, "MB"),
        Figure(
            "fresh bot: first unparseable time answered",
            e.first_unparseable_ms,
            "ms",
            None,
            "",
            200,
            "≤ 200 ms",
        ),
        Figure(
            "CPU per command (bot process)",
            e.bot_cpu_ms_per_command,
            "ms",
            e.echo_cpu_ms_per_message,
            "echo, per message",
        ),
    ]
    if e.all_commands is not None:
        a = e.all_commands
        rows += _latency_rows("reply, all commands", a.bot, a.echo, a.maubot)
    for name, paired in e.per_command.items():
        rows += _latency_rows(f"reply {name}", paired.bot, paired.echo, paired.maubot)
    rows += _burst_rows(e.burst_one_room, e.burst_many, f)
    if e.reminders is not None:
        rows += _punctuality_rows(f"{e.reminders.expected} reminders", e.reminders, f.relay)
    return rows


def _punctuality_rows(name: str, p: Punctuality, relay: Spread | None) -> list[Figure]:
    rows = [
        Figure(
            f"{name}: lost or doubled",
            p.lost + p.doubled,
            "",
            None,
            "",
            0,
            f"0 (lost {p.lost}, doubled {p.doubled})",
        ),
    ]
    if relay is not None:
        rows += [
            Figure(
                f"{name}: client-seen lateness p50",
                p.client_late_ms.p50,
                "ms",
                relay.p50,
                "relay p50",
                relay.p50 + 10,
                "≤ relay p50 + 10 ms",
            ),
            Figure(
                f"{name}: client-seen lateness max",
                p.client_late_ms.max,
                "ms",
                relay.max,
                "relay max",
                relay.max + 50,
                "≤ relay max + 50 ms",
            ),
        ]
    else:
        rows += [
            Figure(
                f"{name}: client-seen lateness p50", p.client_late_ms.p50, "ms", None, "", 250, "≤ 250 ms"
            ),
            Figure(f"{name}: client-seen lateness max", p.client_late_ms.max, "ms", None, "", 2000, "≤ 2 s"),
        ]
    rows += [
        Figure(f"{name}: server-timestamp lateness p50", p.server_late_ms.p50, "ms"),
        Figure(f"{name}: server-timestamp lateness max", p.server_late_ms.max, "ms"),
    ]
    return rows


def _mass_rows(m: MassReminders, f: Floors) -> list[Figure]:
    name = f"{m.punctuality.expected} reminders in {m.window_s:g} s, {m.rooms} rooms"
    return [
        *_punctuality_rows(name, m.punctuality, None),
        *_latency_rows("reply while they go out", m.commands_meanwhile, m.echo_meanwhile),
        Figure("bot CPU while they go out (share of one core)", 100 * m.bot_cpu_s / m.window_s, "%"),
        Figure("homeserver CPU meanwhile (share of one core)", 100 * m.homeserver_cpu_s / m.window_s, "%"),
    ]


def _scale_rows(sizes: list[StoreSize]) -> list[Figure]:
    empty = sizes[0]
    rows = []
    for s in sizes[1:]:
        big = s is sizes[-1]
        rows += [
            Figure(
                f"{s.reminders:,} reminders: start → first answer",
                s.first_answer_s,
                "s",
                empty.first_answer_s,
                "empty store",
                2.0 if big else None,
                "≤ 2 s" if big else "",
            ),
            Figure(
                f"{s.reminders:,} reminders: idle RSS",
                s.idle_rss_mb,
                "MB",
                empty.idle_rss_mb,
                "empty store",
                1.1 * empty.idle_rss_mb + 20 if big else None,
                "≤ 1.1× empty + 20 MB" if big else "",
            ),
            _scale_reply_row(s, empty, big),
        ]
    return rows


def _scale_reply_row(s: StoreSize, empty: StoreSize, big: bool) -> Figure:
    """Reply p50 on a store of size N against the empty store's, corrected for the homeserver's drift
    between the two sittings by the echo bot's paired replies (the same correction for both)."""
    floor, floor_name = empty.replies.p50, "empty store p50"
    if s.echo_replies is not None and empty.echo_replies is not None:
        drift = s.echo_replies.p50 / empty.echo_replies.p50
        floor, floor_name = floor * drift, f"empty store p50 × {drift:.2f} (echo bot's drift)"
    return Figure(
        f"{s.reminders:,} reminders: reply p50",
        s.replies.p50,
        "ms",
        floor,
        floor_name,
        1.1 * floor if big else None,
        "≤ 1.1× empty" if big else "",
    )
