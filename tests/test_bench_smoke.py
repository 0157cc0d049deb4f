"""The benchmark harness at tiny sizes, so it does not rot: every part runs and produces its figures.

Targets are not asserted here (tiny samples are noise); what must hold at any size is: every
command answered exactly once, one member's answers in the order of their commands, every reminder
posted exactly once, and one notice for a flood of unreadable messages. The full run is `make bench`.
maubot takes part only if its venv (bench/.venv-maubot) is already there: the test never makes it.
It takes about a minute, so it runs in the slow suite (`make test-slow`, in CI), not in `make test`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench import maubot_peer
from bench.env import BenchEnv
from bench.internals import Synapse
from bench.runner import PARTS, Outputs, run
from bench.sizes import QUICK


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_quick_bench_runs_every_part(synapse: Synapse, tmp_path: Path) -> None:
    results = tmp_path / "quick.json"
    had_maubot = maubot_peer.python() is not None
    found = await run(QUICK, PARTS, Outputs(results=results), "smoke", env=BenchEnv(synapse))

    assert (maubot_peer.python() is not None) == had_maubot, "the smoke run must not make maubot's venv"
    compared = [f for f in found if f.maubot is not None]
    assert bool(compared) == had_maubot, "a maubot column exactly when its venv is there"
    if had_maubot:
        maubot_bursts = [
            f for f in found if f.metric.startswith("maubot burst") and "exactly once" in f.metric
        ]
        assert maubot_bursts and all(f.value == f.floor for f in maubot_bursts)

    assert all(math.isfinite(f.value) for f in found), [f.metric for f in found if not math.isfinite(f.value)]
    correctness = [
        f
        for f in found
        if "exactly once" in f.metric
        or "lost or doubled" in f.metric
        or "notices" in f.metric
        or "out of command order" in f.metric
    ]
    assert correctness and all(f.passed is not False for f in correctness), [
        (f.metric, f.target) for f in correctness
    ]
    metrics = " ".join(f.metric for f in found)
    parts = (
        "relay",
        "echo bot",
        "first answer",
        "reply !poll",
        "out of command order",
        "answer p50",
        "by 3 members",
        "out of the room's command order",
        "reminders",
        "help during",
        "notices",
        "parsed",
        "calendar feed",
        "joined room",
    )
    for part in parts:
        assert part in metrics
    document = json.loads(results.read_text())
    assert document["figures"] and document["run"]["machine"]["python"]
