"""What the slow suite measured, kept for the README's "Reliability" section.

A fault test calls `record(suite, summary)` with one sentence of counts it took from the room's
history; `python -m tests.reliability.figures README.md` (run by `make test-slow` after the suite)
writes the latest sentence of each suite between the README's reliability markers. The figures file
is not tracked: the README carries the figures of the last run a developer made.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

FIGURES_FILE = Path(os.environ.get("MATRIXBOT_FIGURES", ".figures/reliability.jsonl"))
START, END = "<!-- reliability:start -->", "<!-- reliability:end -->"
SUITES = {
    "crash loop": "Random `kill -9`s, encryption on",
    "kill at the inbox": "`kill -9` the moment a command is stored, encryption on",
    "held lock": "Another process holds `BEGIN EXCLUSIVE` for 20 s",
    "full disk": "`data_dir` on a full tmpfs for 20 s",
    "fault past the limit": "A held lock past `storage_fault_limit`",
    "crash loop on PostgreSQL": "Random `kill -9`s, encryption on, state in PostgreSQL",
    "database connection cut": "PostgreSQL cuts the bot's connection (`pg_terminate_backend`) every 0.7 s for 20 s",
    "database server restart": "PostgreSQL stopped for 20 s, then started",
    "database away past the limit": "PostgreSQL stopped past `storage_fault_limit`",
    "standby crash loop": "Two instances on one PostgreSQL database: random `kill -9`s of whichever leads, encryption on",
    "leader cut from the database": "The leader's lock session cut, and its reconnections refused (fencing)",
    "machine gone": "The leader's machine gone: its network drops every packet (a network namespace whose link is set down)",
    "full disk at start": "`data_dir` on a full tmpfs when the bot starts",
    "network faults": "A fault-injecting proxy between the bot and Synapse",
    "outage": "Synapse stopped while reminders fall due",
    "downtime": "The bot stopped across a poll's deadline and a check-in's close",
    "long gap": "More than 2,000 messages while the bot is down",
    "room flood": "One member floods 20 rooms with polls",
    "slow clients": "Half-sent requests to `/health` under a low open-file limit, and a homeserver restart",
    "bad input": "Hypothesis over every parser",
    "secrets at DEBUG": "The whole meeting flow at `log_level: DEBUG`",
}


def record(suite: str, summary: str) -> None:
    """Keep one sentence of what `suite` measured (appended; the latest one per suite wins)."""
    if suite not in SUITES:
        raise ValueError(f"unknown suite {suite!r}: add it to SUITES")
    FIGURES_FILE.parent.mkdir(parents=True, exist_ok=True)
    with FIGURES_FILE.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"suite": suite, "summary": summary, "at": time.time()}) + "\n")
    print(f"\n{suite}: {summary}")


def latest(path: Path = FIGURES_FILE) -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            found[entry["suite"]] = entry
    return found


def render(figures: dict[str, dict[str, object]]) -> str:
    newest = max((float(str(e["at"])) for e in figures.values()), default=time.time())
    when = time.strftime("%Y-%m-%d", time.gmtime(newest))
    lines = [
        START,
        f"Measured {when} by `make test-slow` on {os.cpu_count()} cores, Python {platform.python_version()}, "
        "against a real Synapse on loopback; every count is read from the room's history by a separate client.",
        "",
        "| fault | what happened |",
        "| --- | --- |",
    ]
    for suite, title in SUITES.items():
        entry = figures.get(suite)
        lines.append(f"| {title} | {entry['summary'] if entry else 'not run'} |")
    lines.append(END)
    return "\n".join(lines)


def write_readme(readme: Path, path: Path = FIGURES_FILE) -> bool:
    """Replace the figures between the markers; False (and nothing written) when none were kept."""
    figures = latest(path)
    if not figures:
        return False
    text = readme.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    readme.write_text(head + render(figures) + tail, encoding="utf-8")
    return True


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    print("README figures updated" if write_readme(target) else f"no figures in {FIGURES_FILE}")
