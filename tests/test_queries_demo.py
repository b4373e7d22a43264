"""The query layer against the pandas reference on the demo city (the session's demo store)."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from metrics.core.access import DEMO_VIEWER, Viewer
from metrics.core.filters import Filters
from metrics.core.periods import parse_period
from metrics.query.tables import scope_totals, time_series, unit_table
from metrics.core.registry import METRICS, RATE_IDS
from tests.reference import reference_totals, reference_unit_table
from tests.test_queries import columns_of, same


@pytest.fixture(scope="module")
def demo(demo_store):
    con = duckdb.connect(str(demo_store), read_only=True)
    requests = con.execute("SELECT * FROM requests").df()
    units = con.execute("SELECT * FROM units").df()
    yield con, requests, units
    con.close()


def _first(units: pd.DataFrame, level: str) -> str:
    return sorted(units.loc[units.level == level, "unit_id"])[0]


CASES = [("district", "2026-09", None), ("street", "2026-09", None), ("department", "2026-09", None),
         ("street", "W2026-09", None), ("community", "2026-Q3", "district"), ("grid", "2026-09", "street")]


@pytest.mark.parametrize("level, period, scoped", CASES)
def test_demo_unit_table_equals_reference(demo, level, period, scoped):
    con, requests, units = demo
    viewer = Viewer("unit", _first(units, scoped)) if scoped else DEMO_VIEWER
    p = parse_period(period)
    got = unit_table(con, viewer, level, p, basic_credit=0.9).set_index("unit_id")
    want = reference_unit_table(requests, units, level, p.params()["start"], p.params()["end"],
                                viewer.scope_unit_id)
    assert list(got.index) == sorted(want.index) and len(got) > 0
    assert got["requests"].sum() > 0
    bad = [(unit, column) for m in METRICS for column in columns_of(m.id) for unit in want.index
           if not same(got.at[unit, column], want.at[unit, column])]
    assert not bad, bad[:10]


@pytest.mark.parametrize("level", ["street", "department", "grid"])
def test_demo_rollup_equals_detail_exactly(demo, level):
    con, _, _ = demo
    p = parse_period("2026-09")
    f = Filters(sources=("citizen",))
    pd.testing.assert_frame_equal(unit_table(con, DEMO_VIEWER, level, p, f, basic_credit=0.9, source="rollup"),
                                  unit_table(con, DEMO_VIEWER, level, p, f, basic_credit=0.9, source="detail"),
                                  check_exact=True)


def test_demo_streets_add_up_to_districts_and_city(demo):
    con, _, _ = demo
    p = parse_period("2026-Q3")
    additive = ["requests", "backlog", "overdue"] + [f"{m}_{x}" for m in RATE_IDS for x in ("num", "den")]
    for child, parent in (("street", "district"), ("district", "city")):
        kids = unit_table(con, DEMO_VIEWER, child, p, basic_credit=0.9).groupby("parent_id")[additive].sum()
        parents = unit_table(con, DEMO_VIEWER, parent, p, basic_credit=0.9).set_index("unit_id")[additive]
        pd.testing.assert_frame_equal(kids, parents.loc[kids.index], check_names=False, check_dtype=False,
                                      check_exact=False, rtol=1e-12)
    totals = scope_totals(con, DEMO_VIEWER, p, basic_credit=0.9)
    city = unit_table(con, DEMO_VIEWER, "city", p, basic_credit=0.9).iloc[0]
    assert totals["requests"] == city["requests"] and same(totals["satisfaction_rate"], city["satisfaction_rate"])


def test_demo_time_series_and_totals_equal_reference(demo):
    con, requests, units = demo
    p = parse_period("2026-Q3")
    series = time_series(con, DEMO_VIEWER, [m.id for m in METRICS], p, grain="month", basic_credit=0.9)
    for row in series.itertuples(index=False):
        start = pd.Timestamp(row.bucket).to_pydatetime()
        want = reference_totals(requests, units, start, row.bucket_end.to_pydatetime())
        for m in METRICS:
            assert same(getattr(row, m.id), want[m.id]), (row.bucket, m.id, getattr(row, m.id), want[m.id])
