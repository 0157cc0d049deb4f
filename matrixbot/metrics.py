"""Prometheus metrics of the running bot, served at GET /metrics when `http.listen` is set.

The counters are process-wide, the prometheus-client way: in production a process is one bot
(the data directory's lock sees to that). They live in their own registry, so nothing else a
library registers globally leaks into the bot's page. Gauges that describe state (rooms, time
since the last sync) are read from the bot when the page is scraped; the inbox backlog, read from
the database, is the value read after the previous scrape (the page never waits on the database).
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.process_collector import ProcessCollector

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)

COMMANDS = Counter(
    "matrixbot_commands",
    "Commands handled, by plugin and outcome (ok, refused: the user got a usage or permission "
    "answer, error: a handler failed, unknown: no such command here).",
    ["plugin", "outcome"],
    registry=REGISTRY,
)
ANSWER_SECONDS = Histogram(
    "matrixbot_command_seconds",
    "Time from taking a command up to its handler (and answer) being done.",
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
SCHEDULED = Counter(
    "matrixbot_scheduled_jobs",
    "Scheduled posts (jobs) run, by outcome: on_time, late, missed (past late_grace), failed (will retry).",
    ["outcome"],
    registry=REGISTRY,
)
SEND_RETRIES = Counter(
    "matrixbot_send_retries",
    "Sends the bot retried, by reason: rate_limited (429 after nio's own waits) or other (network, 5xx).",
    ["reason"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "matrixbot_rate_limited",
    "429 answers from the homeserver, to any request (nio waits as told, then retries).",
    registry=REGISTRY,
)
SYNC_AGE = Gauge(
    "matrixbot_sync_age_seconds",
    "Seconds since the last successful sync (long polls last up to 30 s; more means the bot lags).",
    registry=REGISTRY,
)
INBOX_BACKLOG = Gauge("matrixbot_inbox_backlog", "Events received but not handled yet.", registry=REGISTRY)
ROOMS = Gauge("matrixbot_rooms", "Rooms the bot is in.", registry=REGISTRY)
ROLES = ("leader", "standby", "starting")
ROLE = Gauge(
    "matrixbot_role",
    "1 for this instance's role: leader, standby (another instance on the same database leads) or starting.",
    ["role"],
    registry=REGISTRY,
)
SCHEDULER_RUNNING = Gauge(
    "matrixbot_scheduler_running", "1 while the scheduler is running.", registry=REGISTRY
)


def command_done(plugin: str | None, outcome: str, started: float) -> None:
    """Count a command (plugin None: no such command in that room) and time it from `started`."""
    COMMANDS.labels(plugin or "none", outcome if plugin else "unknown").inc()
    ANSWER_SECONDS.observe(time.perf_counter() - started)


def count_rate_limit(response: Any) -> None:
    """A nio response callback: nio calls it with each 429 answer before waiting and retrying."""
    if getattr(response, "status_code", None) in ("M_LIMIT_EXCEEDED", 429):
        RATE_LIMITED.inc()


def count_send_retry(problem: str) -> None:
    """Count one retried send; `problem` is the sender's description of the failure."""
    limited = "M_LIMIT_EXCEEDED" in problem or " 429 " in f" {problem} "
    SEND_RETRIES.labels("rate_limited" if limited else "other").inc()
