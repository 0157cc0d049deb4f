"""Parsing cost in this process: an 8-option poll body through datepoll's own parser, once warm."""

from __future__ import annotations

import time

from matrixbot.plugins.datepoll.parse import parse_proposal

from bench import commands
from matrixbot.api.commands import Body
from matrixbot.time import SystemClock, TimeParser


def poll_parse_ms(runs: int) -> list[float]:
    """Milliseconds per `parse_proposal` of an 8-option body, after the parser's own warm-up."""
    times = TimeParser(SystemClock(), ("en",))
    times.warm()
    body = Body(commands.poll_body(8))
    parse_proposal("Bench call", body, times, "UTC")
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        parse_proposal("Bench call", body, times, "UTC")
        samples.append((time.perf_counter() - began) * 1000)
    return samples
