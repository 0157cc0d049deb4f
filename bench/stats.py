"""Percentiles and the figure/target records every benchmark returns."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): always a value that was measured."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True)
class Spread:
    """p50/p90/p99/max of a set of samples (milliseconds unless said otherwise)."""

    n: int
    p50: float
    p90: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(
            len(values),
            percentile(values, 50),
            percentile(values, 90),
            percentile(values, 99),
            max(values) if values else math.nan,
        )


@dataclass(frozen=True)
class Figure:
    """One row of the table: a measured value, the floor it is judged against, and its target.

    `limit` is the largest passing value (computed from the floor and the issue's target); with
    neither it nor `lower`, the figure is shown for information only.
    """

    metric: str
    value: float
    unit: str
    floor: float | None = None
    floor_name: str = ""
    limit: float | None = None
    target: str = ""
    maubot: float | None = None
    """maubot's figure for the same thing in the same run (None: not measured, or no counterpart)."""
    lower: float | None = None
    """The smallest passing value, for a count that must be exactly something (with `limit`)."""

    @property
    def ratio(self) -> float | None:
        if self.floor is None or self.floor == 0:
            return None
        return self.value / self.floor

    @property
    def maubot_ratio(self) -> float | None:
        if self.maubot is None or self.maubot == 0 or math.isnan(self.maubot):
            return None
        return self.value / self.maubot

    @property
    def passed(self) -> bool | None:
        if self.limit is None and self.lower is None:
            return None
        return (
            not math.isnan(self.value)
            and (self.limit is None or self.value <= self.limit)
            and (self.lower is None or self.value >= self.lower)
        )

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio, "maubot_ratio": self.maubot_ratio, "passed": self.passed}
