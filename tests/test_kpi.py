"""The Overview's four KPIs and their month-on-month change, against the pandas reference."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from metrics.core.access import DEMO_VIEWER, Viewer
from metrics.present.kpi import KPI_IDS, overview_kpis
from metrics.core.periods import latest_full_month, month
from tests.reference import reference_totals


@pytest.fixture(scope="module")
def raw(demo_store):
    con = duckdb.connect(str(demo_store), read_only=True)
    requests = con.execute("SELECT * FROM requests").df()
    units = con.execute("SELECT * FROM units").df()
    period = latest_full_month(con)
    yield con, requests, units, period
    con.close()


def _bounds(period) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime.combine(period.start, dt.time()), dt.datetime.combine(period.end, dt.time())


def test_latest_full_month_is_the_demo_end(raw):
    _, _, _, period = raw
    assert period == month(2026, 10)


@pytest.mark.parametrize("scope", [None, "first-district"])
def test_kpis_equal_the_reference(raw, scope):
    con, requests, units, period = raw
    if scope == "first-district":
        scope = sorted(units.loc[units["level"] == "district", "unit_id"])[0]
    viewer = DEMO_VIEWER if scope is None else Viewer("unit", scope_unit_id=scope)
    kpis = {k.metric_id: k for k in overview_kpis(con, viewer, period, basic_credit=0.9)}
    assert tuple(kpis) == KPI_IDS
    now = reference_totals(requests, units, *_bounds(period), scope=scope)
    before = reference_totals(requests, units, *_bounds(month(2026, 9)), scope=scope)
    for metric_id in KPI_IDS:
        assert kpis[metric_id].value == pytest.approx(now[metric_id], rel=1e-12), metric_id
        assert kpis[metric_id].previous == pytest.approx(before[metric_id], rel=1e-12), metric_id
    # month-on-month: rates in percentage points, the count relative
    assert kpis["requests"].change == pytest.approx(now["requests"] / before["requests"] - 1)
    for rate in KPI_IDS[1:]:
        assert kpis[rate].change == pytest.approx(now[rate] - before[rate])
    assert 0 < now["requests"] and all(0 < now[r] <= 1 for r in KPI_IDS[1:])


def test_empty_period_gives_zero_requests_and_no_rates(raw):
    con, *_ = raw
    kpis = {k.metric_id: k for k in overview_kpis(con, DEMO_VIEWER, month(2030, 1), basic_credit=0.9)}
    assert kpis["requests"].value == 0
    assert all(kpis[r].value is None for r in KPI_IDS[1:]), "a zero denominator is no data, not 0"
