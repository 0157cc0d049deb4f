"""The start-up row of the bench (`bench.rooms`: issue 24's rooms and crowded room) at tiny sizes,
so it does not rot: every size is measured, for ours and (when its venv is there) maubot, and every
figure is a number. Targets are not asserted (tiny samples are noise). The full run is `make bench`.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench import maubot_peer
from bench.env import BenchEnv
from bench.internals import Synapse
from bench.runner import Outputs, run
from bench.sizes import QUICK


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_quick_rooms_row_measures_every_size(synapse: Synapse, tmp_path: Path) -> None:
    found = await run(
        QUICK, ("rooms",), Outputs(results=tmp_path / "rooms.json"), "smoke", env=BenchEnv(synapse)
    )

    rows = {f.metric: f for f in found}
    labels = [*(f"{n} joined room" for n in QUICK.rooms), f"one room of {QUICK.crowd} members"]
    for label in labels:
        for what in (
            "restart → first answer (median)",
            "first start → first answer",
            "idle RSS",
            "reply p50",
        ):
            assert any(m.startswith(label) and m.endswith(what) for m in rows), (label, what)
    assert "idle RSS growth per 1,000 rooms" in rows
    assert all(math.isfinite(f.value) for f in found), [f.metric for f in found if not math.isfinite(f.value)]
    if maubot_peer.python() is not None:
        assert all(rows[m].maubot is not None for m in rows if "restart" in m), "maubot beside ours"
