"""The benchmark harness at tiny sizes, so it does not rot: every part runs and produces its figures.

Targets are not asserted here (tiny samples are noise); what must hold at any size is: every
command answered exactly once and every reminder posted exactly once. The full run is `make bench`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench.env import BenchEnv
from bench.runner import PARTS, Outputs, run
from bench.sizes import QUICK
from matrixbot.testing.synapse import Synapse


@pytest.mark.timeout(120)
async def test_quick_bench_runs_every_part(synapse: Synapse, tmp_path: Path) -> None:
    results = tmp_path / "quick.json"
    found = await run(QUICK, PARTS, Outputs(results=results), "smoke", env=BenchEnv(synapse))

    assert all(math.isfinite(f.value) for f in found), [f.metric for f in found if not math.isfinite(f.value)]
    correctness = [f for f in found if "exactly once" in f.metric or "lost or doubled" in f.metric]
    assert correctness and all(f.passed is not False for f in correctness), [
        (f.metric, f.target) for f in correctness
    ]
    metrics = " ".join(f.metric for f in found)
    for part in ("relay", "echo bot", "first answer", "reply !poll", "reminders", "parsed"):
        assert part in metrics
    document = json.loads(results.read_text())
    assert document["figures"] and document["run"]["machine"]["python"]
