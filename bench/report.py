"""Presenting a run: the terminal table, `results/latest.json`, and the figures section of bench/README.md."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import maubot_peer
from bench.judge import Measured
from bench.rooms import RoomsSize
from bench.scale import StoreSize
from bench.stats import Figure

START, END = "<!-- figures:start -->", "<!-- figures:end -->"


def _number(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "s":
        text = f"{value:.2f}"
    elif unit in ("ms", "MB", "%"):
        text = f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"
    else:
        text = f"{value:g}"
    return f"{text} {unit}".strip()


def _verdict(figure: Figure) -> str:
    return {None: "", True: "pass", False: "FAIL"}[figure.passed]


def rows(figures: Sequence[Figure]) -> list[list[str]]:
    return [
        [
            f.metric,
            _number(f.value, f.unit),
            f"{_number(f.floor, f.unit)} ({f.floor_name})" if f.floor is not None and f.floor_name else "",
            f"{f.ratio:.2f}×" if f.ratio is not None else "",
            _number(f.maubot, f.unit) if f.maubot is not None else "",
            f"{f.maubot_ratio:.2f}×" if f.maubot_ratio is not None else "",
            f.target,
            _verdict(f),
        ]
        for f in figures
    ]


HEADER = ["metric", "value", "floor", "ratio", "maubot", "× maubot", "target", "result"]


def table(figures: Sequence[Figure]) -> str:
    """A plain-text table for the terminal."""
    body = rows(figures)
    widths = [max(len(r[i]) for r in [HEADER, *body]) for i in range(len(HEADER))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in [HEADER, *body]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(figures: Sequence[Figure]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + " --- |" * len(HEADER)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in r) + " |" for r in rows(figures)]
    return "\n".join(lines)


def scale_markdown(sizes: Sequence[StoreSize]) -> str:
    lines = [
        "| reminders | rooms' settings | open polls | store on disk | start → ready | start → first answer | idle RSS | reply p50 | reply p99 | echo bot p50 (paired) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in sizes:
        echo = f"{s.echo_replies.p50:.0f} ms" if s.echo_replies else ""
        lines.append(
            f"| {s.reminders:,} | {s.settings_rooms:,} | {s.open_polls:,} | {s.db_mb:.1f} MB | {s.ready_s:.2f} s "
            f"| {s.first_answer_s:.2f} s | {s.idle_rss_mb:.0f} MB | {s.replies.p50:.0f} ms | {s.replies.p99:.0f} ms "
            f"| {echo} |"
        )
    return "\n".join(lines)


def rooms_markdown(sizes: Sequence[RoomsSize]) -> str:
    lines = [
        "| rooms | members each | seeding | first start (ours / maubot) | restart, median (ours / maubot) "
        "| idle RSS (ours / maubot) | reply p50 (ours / maubot / echo) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in sizes:
        mb = s.maubot
        echo = f" / {s.echo_replies.p50:.0f}" if s.echo_replies else ""
        lines.append(
            f"| {s.label} | {s.members} | {s.seed_s:.0f} s "
            f"| {s.bot.first_start_s:.2f} / {f'{mb.first_start_s:.2f}' if mb else '–'} s "
            f"| {s.bot.restart_s:.2f} / {f'{mb.restart_s:.2f}' if mb else '–'} s "
            f"| {s.bot.idle_rss_mb:.0f} / {f'{mb.idle_rss_mb:.0f}' if mb else '–'} MB "
            f"| {s.bot.replies.p50:.0f} / {f'{mb.replies.p50:.0f}' if mb else '–'}{echo} ms |"
        )
    return "\n".join(lines)


def write_json(path: Path, figures: Sequence[Figure], measured: Measured, run: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"run": run, "figures": [f.to_json() for f in figures], "measured": asdict(measured)}
    path.write_text(json.dumps(document, indent=2, default=str))


def figures_section(
    figures: Sequence[Figure], measured: Measured, run: dict[str, Any], plot: str | None
) -> str:
    machine = run["machine"]
    parts = [
        f"Measured {run['finished']} with `{run['command']}` ({run['duration_s']:.0f} s) on "
        f"{machine['cores (nproc)']} cores ({machine['cpu']}), {machine['memory']}, {machine['os']}, "
        f"Python {machine['python']}, Synapse {machine['synapse']}, matrix-nio {machine['matrix-nio']}"
        + (f", maubot {maubot_peer.VERSION}" if measured.floors.maubot else ", without maubot")
        + "; bots and homeserver on the same machine, over loopback. "
        f"Load average during the run (1 min, sampled every 10 s): {_load(run)}.",
        "",
        markdown(figures),
    ]
    if measured.scale:
        parts += ["", "Growth with the store:", "", scale_markdown(measured.scale)]
    if measured.rooms:
        parts += [
            "",
            "Growth with the rooms (beside maubot in the same rooms):",
            "",
            rooms_markdown(measured.rooms),
        ]
    if plot:
        parts += ["", f"![start-up and memory against store size]({plot})"]
    return "\n".join(parts)


def _load(run: dict[str, Any]) -> str:
    load = run.get("load average")
    if not load:
        return "not recorded"
    return f"median {load['median']:.2f}, min {load['min']:.2f}, max {load['max']:.2f}"


def update_readme(readme: Path, section: str) -> None:
    """Replace what lies between the figure markers of `readme` with `section`."""
    text = readme.read_text()
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise RuntimeError(f"{readme} has no {START} … {END} markers")
    readme.write_text(pattern.sub(lambda _: f"{START}\n{section}\n{END}", text))
