"""The issue's targets: every measurement becomes a table row with its floor, ratio and verdict."""

from __future__ import annotations

from dataclasses import dataclass

from bench.floors import Floors
from bench.reminders import MassReminders, Punctuality
from bench.replies import EmptyStore
from bench.scale import StoreSize
from bench.stats import Figure, Spread
from bench.timing import Burst


@dataclass
class Measured:
    floors: Floors
    empty: EmptyStore | None = None
    mass: MassReminders | None = None
    scale: list[StoreSize] | None = None
    poll_parse_ms: Spread | None = None


def figures(m: Measured) -> list[Figure]:
    f = m.floors
    rows = [
        Figure("relay p50 (floor)", f.relay.p50, "ms"),
        Figure("relay p90 (floor)", f.relay.p90, "ms"),
        Figure("relay p99 (floor)", f.relay.p99, "ms"),
        Figure("relay max (floor)", f.relay.max, "ms"),
        Figure("relay of a mention p50", f.relay_mention.p50, "ms", f.relay.p50, "relay p50"),
        Figure("relay of a mention max", f.relay_mention.max, "ms", f.relay.max, "relay max"),
        Figure("echo bot p50 (library floor)", f.echo.p50, "ms", f.relay.p50, "relay p50"),
        Figure("echo bot p99 (library floor)", f.echo.p99, "ms", f.relay.p99, "relay p99"),
        Figure("echo bot idle RSS", f.echo_idle_rss_mb, "MB"),
        Figure("echo bot start → ready", f.echo_ready_s, "s"),
        *_burst_rows("echo bot", f.echo_burst_one_room, f.echo_burst_many, None),
    ]
    if m.empty is not None:
        rows += _empty_store_rows(m.empty, f)
    if m.mass is not None:
        rows += _mass_rows(m.mass, f)
    if m.scale:
        rows += _scale_rows(m.scale)
    if m.poll_parse_ms is not None:
        rows.append(
            Figure(
                "8-option poll body parsed, warm (max)", m.poll_parse_ms.max, "ms", None, "", 50, "≤ 50 ms"
            )
        )
    return rows


def _latency_rows(name: str, spread: Spread, echo: Spread) -> list[Figure]:
    """Judged against the echo bot's samples paired with these (same text, same moment)."""
    return [
        Figure(
            f"{name} p50", spread.p50, "ms", echo.p50, "paired echo p50", 1.1 * echo.p50, "≤ 1.1× echo p50"
        ),
        Figure(
            f"{name} p99", spread.p99, "ms", echo.p99, "paired echo p99", 1.2 * echo.p99, "≤ 1.2× echo p99"
        ),
    ]


def _burst_rows(who: str, one: Burst | None, many: Burst | None, floors: Floors | None) -> list[Figure]:
    rows = []
    for label, burst, echo in (
        ("one room", one, floors.echo_burst_one_room if floors else None),
        ("10 rooms", many, floors.echo_burst_many if floors else None),
    ):
        if burst is None:
            continue
        name = f"{who} burst of {burst.sent}, {label}"
        rows.append(
            Figure(f"{name}: answered exactly once", burst.answered_once, "", burst.sent, "sent", None, "all")
            if floors is None
            else Figure(
                f"{name}: not answered exactly once",
                burst.sent - burst.answered_once,
                "",
                None,
                "",
                0,
                f"0 (lost {burst.lost}, doubled {burst.doubled})",
            )
        )
        if echo is not None and echo.lost == 0:
            rows.append(
                Figure(
                    f"{name}: last send → last answer",
                    burst.tail_ms,
                    "ms",
                    echo.tail_ms,
                    "echo tail",
                    1.2 * echo.tail_ms,
                    "≤ 1.2× echo tail",
                )
            )
        else:
            rows.append(Figure(f"{name}: last send → last answer", burst.tail_ms, "ms"))
    return rows


def _empty_store_rows(e: EmptyStore, f: Floors) -> list[Figure]:
    rows = [
        Figure("empty store: start → ready (log line)", e.ready_s, "s", f.echo_ready_s, "echo ready"),
        Figure(
            "empty store: start → first answer",
            e.first_answer_s,
            "s",
            f.echo_ready_s,
            "echo ready",
            0.8,
            "≤ 0.8 s",
        ),
        Figure(
            "empty store, restart: start → first answer",
            e.restart_first_answer_s,
            "s",
            f.echo_ready_s,
            "echo ready",
            0.8,
            "≤ 0.8 s",
        ),
        Figure("empty store: idle RSS", e.idle_rss_mb, "MB", f.echo_idle_rss_mb, "echo RSS", 60, "≤ 60 MB"),
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
    ]
    rows.append(
        Figure(
            "CPU per command (bot process)",
            e.bot_cpu_ms_per_command,
            "ms",
            e.echo_cpu_ms_per_message,
            "echo, per message",
        )
    )
    if e.all_commands is not None:
        rows += _latency_rows("reply, all commands", e.all_commands.bot, e.all_commands.echo)
    for name, paired in e.per_command.items():
        rows += _latency_rows(f"reply {name}", paired.bot, paired.echo)
    rows += _burst_rows("bot", e.burst_one_room, e.burst_many, f)
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
                3.0 if big else None,
                "≤ 3 s" if big else "",
            ),
            Figure(
                f"{s.reminders:,} reminders: idle RSS",
                s.idle_rss_mb,
                "MB",
                empty.idle_rss_mb,
                "empty store",
                120.0 if big else None,
                "≤ 120 MB" if big else "",
            ),
            Figure(
                f"{s.reminders:,} reminders: reply p50",
                s.replies.p50,
                "ms",
                empty.replies.p50,
                "empty store p50",
                1.1 * empty.replies.p50 if big else None,
                "≤ 1.1× empty" if big else "",
            ),
        ]
    return rows
