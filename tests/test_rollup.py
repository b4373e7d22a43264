"""Roll-up tables: exact counts, freshness, the after_write hook, binned quantiles."""
from __future__ import annotations

import numpy as np
import pytest

from metrics.store import snapshots as store
from metrics.core.registry import HOUR_BIN_EDGES
from metrics.store.rollup import refresh_rollups, rollup_count_columns, rollup_ready
from metrics.store.rollup_catalog import binned_quantile
from tests import fixtures_requests as fx


def test_rollup_counts_equal_detail_counts():
    con = fx.build_store()
    for column, condition in rollup_count_columns():
        if "$" in condition:
            continue
        detail = con.execute(f"SELECT sum(CASE WHEN {condition} THEN 1 ELSE 0 END) FROM requests r").fetchone()[0]
        assert con.execute(f"SELECT sum({column}) FROM rollup_daily").fetchone()[0] == detail, column


def test_rollup_is_stale_after_a_write_and_fresh_after_refresh():
    con = fx.build_store()
    assert rollup_ready(con)
    con.execute("DELETE FROM requests WHERE request_id = 'R20'")
    assert not rollup_ready(con)
    refresh_rollups(con)
    refresh_rollups(con)   # idempotent
    assert rollup_ready(con)
    assert con.execute("SELECT sum(requests__t0) FROM rollup_daily").fetchone()[0] == len(fx.REQUESTS) - 1


def test_after_write_builds_rollups(tmp_path):
    path = tmp_path / "s.duckdb"
    with store.write_snapshot(path, fresh=True) as con:
        con.register("u", fx.units_frame())
        con.execute("INSERT INTO units BY NAME SELECT * FROM u")
        con.register("r", fx.requests_frame())
        con.execute("INSERT INTO requests BY NAME SELECT * FROM r")
        store.after_write(con)
    con = store.open_read(path)
    assert rollup_ready(con)
    con.close()


def test_binned_quantile_is_within_one_bin():
    rng = np.random.default_rng(1)
    hours = rng.lognormal(2, 1.5, 5000)
    counts = np.zeros(len(HOUR_BIN_EDGES) + 1)
    bins = np.where(hours < HOUR_BIN_EDGES[0], 0, 1 + np.floor(24 * np.log10(hours * 60))).astype(int)
    np.add.at(counts, np.minimum(bins, len(HOUR_BIN_EDGES)), 1)
    for p in (0.1, 0.5, 0.9, 0.99):
        exact = float(np.quantile(hours, p))
        assert binned_quantile(counts, p) == pytest.approx(exact, rel=0.101)
    assert binned_quantile(np.zeros(len(HOUR_BIN_EDGES) + 1), 0.5) is None

