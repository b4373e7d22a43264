"""Histograms, top categories, hour × weekday and drill-down rows, on the hand-built fixture."""
from __future__ import annotations

import pandas as pd
import pytest

from metrics.core.access import DEMO_VIEWER, Viewer
from metrics.core.filters import Filters
from metrics.core.periods import parse_period
from metrics.query.tables import unit_table
from metrics.query.detail import category_top, drill_rows, duration_histogram, hour_weekday
from metrics.core.registry import METRICS
from tests import fixtures_requests as fx

OCTOBER = parse_period("2026-10")
ADMIN = Viewer("admin", None, may_see_personal=True)


@pytest.fixture(scope="module")
def con():
    return fx.build_store()


@pytest.fixture(scope="module")
def con_detail():
    return fx.build_store(rollups=False)


@pytest.mark.parametrize("which, column", [("response", "first_contact_at"), ("close", "closed_at")])
def test_histogram_counts_every_duration(con, con_detail, which, column):
    hist = duration_histogram(con, DEMO_VIEWER, which, OCTOBER)
    frame = fx.requests_frame()
    rows = frame[(frame.received_at >= "2026-10-01") & (frame.received_at < "2026-11-01")
                 & frame.assessable & frame[column].notna()]
    assert hist["count"].sum() == len(rows)
    hours = (rows[column] - rows.received_at).dt.total_seconds() / 3600
    for h in hours:   # every duration sits in a bin whose bounds hold it
        inside = hist[(hist.lower_hours <= h) & (h < hist.upper_hours)]
        assert inside["count"].sum() >= 1, h
    pd.testing.assert_frame_equal(hist, duration_histogram(con_detail, DEMO_VIEWER, which, OCTOBER))


def test_category_top_with_change(con, con_detail):
    top = category_top(con, DEMO_VIEWER, OCTOBER, n=2)
    assert top["category"].tolist() == ["噪音扰民", "供暖"]   # 11, then 2 each: ties by name (code point)
    assert top.loc[0, "requests"] == 11 and top.loc[0, "previous"] == 2
    assert top.loc[0, "change"] == pytest.approx((11 - 2) / 2)
    assert pd.isna(top.loc[1, "change"])   # nothing the month before: no relative change
    pd.testing.assert_frame_equal(top, category_top(con_detail, DEMO_VIEWER, OCTOBER, n=2))


def test_hour_weekday_is_a_full_grid(con):
    grid = hour_weekday(con, DEMO_VIEWER, OCTOBER)
    assert len(grid) == 168 and grid["requests"].sum() == 15
    # R03 2026-10-01 00:00 is a Thursday (4), hour 0
    assert grid.set_index(["weekday", "hour"]).at[(4, 0), "requests"] >= 1


@pytest.mark.parametrize("metric", [m for m in METRICS if m.kind in ("rate", "count", "stock", "quantile")],
                         ids=lambda m: m.id)
def test_drill_rows_are_the_rows_behind_the_number(con, metric):
    table = unit_table(con, ADMIN, "street", OCTOBER, Filters(), [metric.id], basic_credit=0.9).set_index("unit_id")
    rows, total = drill_rows(con, ADMIN, OCTOBER, unit_id="S1", metric_id=metric.id, page_size=1000, basic_credit=0.9)
    assert len(rows) == total
    if metric.kind == "rate":
        assert total == table.at["S1", f"{metric.id}_den"]
        assert rows["credit"].sum() == pytest.approx(table.at["S1", f"{metric.id}_num"])
    elif metric.kind in ("count", "stock"):
        assert total == table.at["S1", metric.id]
    else:
        assert rows["hours"].astype(float).quantile(metric.p) == pytest.approx(table.at["S1", metric.id])


def test_drill_rows_paging_and_order(con):
    first, total = drill_rows(con, ADMIN, OCTOBER, order_by="received_at", descending=False, page_size=4,
                              basic_credit=0.9)
    second, _ = drill_rows(con, ADMIN, OCTOBER, order_by="received_at", descending=False, page=2, page_size=4,
                           basic_credit=0.9)
    assert total == 15 and len(first) == 4
    assert first["request_id"].tolist() == ["R03", "R04", "R05", "R06"]
    assert second["request_id"].tolist()[0] == "R07"
    with pytest.raises(ValueError, match="order_by"):
        drill_rows(con, ADMIN, OCTOBER, order_by="citizen_phone; DROP TABLE requests", basic_credit=0.9)


def test_drill_rows_are_masked_and_scoped(con):
    masked, total = drill_rows(con, Viewer("unit", "S2"), OCTOBER, page_size=100, basic_credit=0.9)
    assert total == 2 and set(masked["unit_id"]) == {"S2"}
    assert set(masked["citizen_phone"]) == {"138****5678"} and set(masked["citizen_name"]) == {"张*明"}
    assert masked["description"].str.contains("13812345678").sum() == 0
    assert masked["address"].iloc[0].endswith("社区***")
    clear, _ = drill_rows(con, ADMIN, OCTOBER, unit_id="S2", page_size=100, basic_credit=0.9)
    assert set(clear["citizen_phone"]) == {"13812345678"}
