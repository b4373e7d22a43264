"""Additive roll-up tables, rebuilt by every writer (store.after_write), read by the query layer.

``rollup_daily``: one row per lowest unit × department × day × category × channel × source ×
urgency, with every count column the additive metrics are built from (``<metric>__t<i>``,
``<metric>__d``, see :mod:`metrics.core.registry`). Summing it over any set of rows gives exactly
the counts the detail query would, so rates from it are identical, not approximate.
``rollup_hist``: the same keys × ``which`` ('response' / 'close') × histogram bin of the
duration in hours (fixed log-spaced edges, ``registry.HOUR_BIN_EDGES``), for binned percentiles.
"""
from __future__ import annotations

import duckdb
import numpy as np

from metrics.core import sqldialect as sd
from metrics.core.registry import BY_ID, HOUR_BIN_EDGES, METRICS, hour_bin_sql
from metrics.core.sqlfiles import read_sql

KEYS = ("unit_id", "dept_id", "category", "channel", "source", "urgency")
# which histogram -> the per-row hours expression (NULL where it does not apply), from the registry
HISTOGRAMS: dict[str, str] = {
    "response": BY_ID["response_hours_p50"].duration,
    "close": BY_ID["close_hours_p50"].duration,
}
MIN_COMPRESSION = 3
QUANTILE_HISTOGRAM: dict[str, str] = {
    "response_hours_p50": "response", "response_hours_p90": "response",
    "close_hours_p50": "close", "close_hours_p90": "close",
}


def rollup_count_columns() -> list[tuple[str, str]]:
    """Every (column, per-row condition) stored in rollup_daily."""
    cols: dict[str, str] = {}
    for m in METRICS:
        if m.additive:
            cols.update(m.count_columns())
    return list(cols.items())


def refresh_rollups(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild rollup_daily and rollup_hist from requests (a few seconds for 1M requests)."""
    keys = ", ".join(f"r.{k}" for k in KEYS)
    day = sd.to_date("r.received_at")
    counts = ", ".join(f"sum(CASE WHEN {cond} THEN 1 ELSE 0 END) AS {col}" for col, cond in rollup_count_columns())
    con.execute(read_sql("rollup_daily").format(keys=keys, day=day, counts=counts))
    parts = [
        f"SELECT {keys}, {day} AS day, '{which}' AS which, {hour_bin_sql(f'({hours})')} AS bin "
        f"FROM requests r WHERE ({hours}) IS NOT NULL"
        for which, hours in HISTOGRAMS.items()
    ]
    con.execute(read_sql("rollup_hist").format(keys=", ".join(KEYS), rows="\nUNION ALL\n".join(parts)))
    con.execute(
        "INSERT OR REPLACE INTO gridscore_meta SELECT 'rollup_requests', CAST(count(*) AS TEXT) FROM requests"
    )
    con.execute(
        "INSERT OR REPLACE INTO gridscore_meta SELECT 'rollup_rows', CAST(count(*) AS TEXT) FROM rollup_daily"
    )


def mark_touched(con: duckdb.DuckDBPyConnection, received_sql: str, params: dict | None = None) -> None:
    """Record the days a write is about to change (old rows) or has changed (new rows).

    ``received_sql`` is a SELECT whose first column is a ``received_at`` timestamp (or date). Call it
    for the rows' stored values before an UPDATE/DELETE and for the new values after; then
    ``after_write(con, incremental=True)`` refreshes the roll-ups of those days only.
    """
    con.execute("CREATE TEMP TABLE IF NOT EXISTS _touched_days (day DATE)")
    con.execute(f"INSERT INTO _touched_days SELECT DISTINCT CAST(t.received_at AS DATE) FROM ({received_sql}) t(received_at)"
                " WHERE t.received_at IS NOT NULL", params or {})


def refresh_touched(con: duckdb.DuckDBPyConnection) -> None:
    """Refresh the roll-ups of the days recorded by :func:`mark_touched` (all of them if none are current)."""
    refresh_rollups(con)
    con.execute("DROP TABLE IF EXISTS _touched_days")


def rollup_state(con: duckdb.DuckDBPyConnection) -> tuple[bool, bool]:
    """(ready, preferred) of the roll-ups, reading the requests' row count once.

    Ready: the roll-ups exist and were built from the current requests (same row count).
    Preferred: ready, and at least ``MIN_COMPRESSION`` times smaller than requests: only then is
    it faster to read. Sparse data (e.g. 1M requests over 2,700 grids × 730 days) gives about one
    roll-up row per request, and the detail query is then as fast (bench/bench_scores_queries.py).
    """
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('rollup_daily', 'rollup_hist')"
    ).fetchone()[0]
    if found < 2:
        return False, False
    stamp, rows, total = con.execute(
        "SELECT max(CASE WHEN key = 'rollup_requests' THEN value END),"
        " max(CASE WHEN key = 'rollup_rows' THEN value END), (SELECT count(*) FROM requests)"
        " FROM gridscore_meta"
    ).fetchone()
    ready = stamp is not None and stamp == str(total)
    return ready, ready and rows is not None and int(rows) * MIN_COMPRESSION <= total


def rollup_ready(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the roll-ups exist and were built from the current requests (same row count)."""
    return rollup_state(con)[0]


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
