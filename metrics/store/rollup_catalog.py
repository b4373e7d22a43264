"""The roll-up catalogue: which tables exist at which grain, which one answers a query, and reading
their duration histograms (binned percentiles). Building and refreshing them: :mod:`metrics.store.rollup`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metrics.core.levels import TERRITORIAL
from metrics.core.registry import HOUR_BIN_EDGES

DIMS = ("dept_id", "category", "channel", "source", "urgency")
MIN_COMPRESSION = 3
QUANTILE_HISTOGRAM: dict[str, str] = {
    "response_hours_p50": "response", "response_hours_p90": "response",
    "close_hours_p50": "close", "close_hours_p90": "close",
}


@dataclass(frozen=True)
class RollupTable:
    """One roll-up table's grain: unit level (None: the request's own unit), time grain, kept dimensions."""

    name: str
    unit_level: str | None
    time: str
    dims: tuple[str, ...]

    def answers(self, *, unit_level: str | None, month_ok: bool, dims: frozenset[str]) -> bool:
        """Whether sums over this table equal the detail for a query that needs units down to
        ``unit_level`` (None: none), periods/buckets of whole months only when ``month_ok``, and ``dims``."""
        if self.time == "month" and not month_ok:
            return False
        if not dims <= set(self.dims):
            return False
        if self.unit_level is None or unit_level is None:
            return True
        return TERRITORIAL.index(unit_level) <= TERRITORIAL.index(self.unit_level)


FINEST = RollupTable("rollup_daily", None, "day", DIMS)
CATALOG: tuple[RollupTable, ...] = (
    FINEST,
    RollupTable("rollup_unit_month", None, "month", ()),
    RollupTable("rollup_street_month", "street", "month", ("dept_id", "category")),
    RollupTable("rollup_street_month_ways", "street", "month", ("channel", "source", "urgency")),
    RollupTable("rollup_street_day", "street", "day", ()),
)
BY_NAME = {t.name: t for t in CATALOG}


def pick_table(
    sizes: tuple[int, dict[str, int]] | None, *, unit_level: str | None, month_ok: bool,
    dims: frozenset[str], forced: bool = False,
) -> RollupTable | None:
    """The smallest current table that answers the query exactly; None to read the detail rows.

    Unless ``forced``, a table is used only when it is ``MIN_COMPRESSION`` times smaller than the
    requests (sparse data: the detail query is then as fast, bench/bench_scores_queries.py).
    """
    if sizes is None:
        return None
    total, rows = sizes
    fits = [t for t in CATALOG if t.answers(unit_level=unit_level, month_ok=month_ok, dims=dims)]
    best = min(fits, key=lambda t: (rows[t.name], CATALOG.index(t)))   # the finest always fits
    return best if forced or rows[best.name] * MIN_COMPRESSION <= total else None


def bin_bounds() -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bound (hours) of every histogram bin; the open last bin collapses to its edge."""
    edges = np.asarray(HOUR_BIN_EDGES)
    lower = np.concatenate([[0.0], edges])
    upper = np.concatenate([edges, [edges[-1]]])
    return lower, upper


def binned_quantile(counts: np.ndarray, p: float) -> float | None:
    """quantile_cont's interpolation over values spread evenly inside their bins (error ≤ one bin width)."""
    n = int(counts.sum())
    if n == 0:
        return None
    lower, upper = bin_bounds()
    cum = np.cumsum(counts)

    def value_at(rank: int) -> float:
        b = int(np.searchsorted(cum, rank, side="right"))
        before = cum[b] - counts[b]
        return float(lower[b] + (rank - before + 0.5) / counts[b] * (upper[b] - lower[b]))

    h = (n - 1) * p
    lo = int(np.floor(h))
    x_lo = value_at(lo)
    return x_lo if lo + 1 >= n else x_lo + (h - lo) * (value_at(lo + 1) - x_lo)
