"""The scaling plot: start-up time and idle memory against the number of stored reminders."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bench.scale import StoreSize


def plot_scaling(sizes: Sequence[StoreSize], path: Path) -> Path | None:
    """Write the PNG; None when matplotlib is not installed (`pip install -e '.[bench]'`)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    # a log axis cannot show the empty store: put it at 100 and label it
    xs = [max(s.reminders, 100) for s in sizes]
    labels = ["empty" if s.reminders == 0 else f"{s.reminders:,}" for s in sizes]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    left.plot(xs, [s.first_answer_s for s in sizes], "o-", label="start → first answer")
    left.plot(xs, [s.ready_s for s in sizes], "s--", label="start → ready")
    left.axhline(3.0, color="grey", linestyle=":", label="target at 100k (3 s)")
    left.set_ylabel("seconds")
    left.set_ylim(bottom=0)
    right.plot(xs, [s.idle_rss_mb for s in sizes], "o-", color="tab:green", label="idle RSS")
    right.axhline(120, color="grey", linestyle=":", label="target at 100k (120 MB)")
    right.set_ylabel("MB")
    right.set_ylim(bottom=0)
    for axis in (left, right):
        axis.set_xscale("log")
        axis.set_xticks(xs, labels)
        axis.minorticks_off()
        axis.set_xlabel("reminders stored")
        axis.legend(fontsize=8)
        axis.grid(alpha=0.3)
    fig.suptitle(
        "matrixbot start-up and memory as the store grows\n(n reminders, n/20 rooms' settings, n/100 open polls)"
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
