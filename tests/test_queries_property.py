"""Property tests: on random request sets the SQL equals the pandas reference, whatever the order."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.core.access import DEMO_VIEWER, Viewer
from metrics.core.filters import Filters
from metrics.core.periods import parse_period
from metrics.query.tables import scope_totals, unit_table
from metrics.core.registry import METRICS
from tests import fixtures_requests as fx
from tests.reference import reference_totals, reference_unit_table
from tests.test_queries import columns_of, same

BASE = dt.datetime(2026, 9, 28)
UNIT_IDS = [u[0] for u in fx.UNITS if u[3] in ("street", "community", "grid")] + [None]
maybe_bool = st.sampled_from([True, False, None])
offset = st.integers(min_value=0, max_value=10 * 24 * 3600)   # whole seconds, midnights included


@st.composite
def request_rows(draw) -> pd.DataFrame:
    n = draw(st.integers(min_value=0, max_value=25))
    rows = []
    for i in range(n):
        received = BASE + dt.timedelta(seconds=draw(st.sampled_from([0, 4 * 86400, 4 * 86400 - 1])) if draw(
            st.booleans()) else draw(offset))

        def later() -> dt.datetime | None:
            return draw(st.one_of(st.none(), offset.map(lambda s: received + dt.timedelta(seconds=s // 3))))

        closed_at = later()
        rows.append(fx.row(
            f"H{i:03d}", received.isoformat(sep=" "),
            unit_id=draw(st.sampled_from(UNIT_IDS)), dept_id=draw(st.sampled_from(["P1", "P2", None])),
            category=draw(st.sampled_from(["噪音扰民", "供暖"])), source=draw(st.sampled_from(["citizen", "proactive"])),
            respond_by=later(), resolve_by=later(), first_contact_at=later(), closed_at=closed_at,
            status=draw(st.sampled_from(["open", "closed", None])),
            assessable=draw(st.booleans()), visited=draw(maybe_bool), contacted=draw(maybe_bool),
            resolved=draw(maybe_bool), is_repeat=draw(maybe_bool),
            returned_count=draw(st.sampled_from([0, 1, 2, None])),
            satisfaction=draw(st.sampled_from(["satisfied", "basic", "unsatisfied", None])),
        ))
    return fx.requests_frame(rows)


def check(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.index) == sorted(want.index)
    for m in METRICS:
        for column in columns_of(m.id):
            for unit in want.index:
                assert same(got.at[unit, column], want.at[unit, column]), (m.id, column, unit)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests=request_rows(), period=st.sampled_from(["2026-10", "2026-10-02..2026-10-02", "W2026-10"]),
       level=st.sampled_from(["street", "community", "grid", "department", "city"]),
       scope=st.sampled_from([None, "S1", "P2"]), credit=st.sampled_from([0.9, 0.8]),
       seed=st.integers(0, 3))
def test_sql_equals_reference_on_random_requests(requests, period, level, scope, credit, seed):
    con = fx.build_store(requests.sample(frac=1, random_state=seed))
    p = parse_period(period)
    viewer = Viewer("unit", scope) if scope else DEMO_VIEWER
    start, end = p.params()["start"], p.params()["end"]
    want = reference_unit_table(requests, fx.units_frame(), level, start, end, scope, basic_credit=credit)
    detail = unit_table(con, viewer, level, p, basic_credit=credit, source="detail").set_index("unit_id")
    check(detail, want)
    pd.testing.assert_frame_equal(
        unit_table(con, viewer, level, p, basic_credit=credit, source="rollup").set_index("unit_id"), detail,
        check_exact=True)
    totals = scope_totals(con, viewer, p, Filters(categories=("供暖",)), basic_credit=credit)
    ref = reference_totals(requests, fx.units_frame(), start, end, scope, {"categories": ("供暖",)}, credit)
    assert all(same(totals[m.id], ref[m.id]) for m in METRICS), [m.id for m in METRICS
                                                                  if not same(totals[m.id], ref[m.id])]
