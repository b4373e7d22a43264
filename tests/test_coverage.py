"""Metrics the data holds (issue 11): registry fields, coverage per period, headlines in order of
preference, no change against a period that lacked a metric, distinct legend buckets, spikes only
above a baseline the data covers."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.assess import alerts
from metrics.core.access import DEMO_VIEWER
from metrics.core.periods import month
from metrics.core.registry import METRICS
from metrics.present import geo, headline
from metrics.present.common import PAGE_CREDIT
from metrics.present.kpi import KPI_IDS
from metrics.query import coverage
from metrics.query.coverage import MIN_SHARE, judge, metric_coverage
from tests.fixtures_requests import build_store, closed, requests_frame, row

OCT, SEP = month(2026, 10), month(2026, 9)


def store(rows: list[dict], fields: dict[str, list[tuple[str, int, int]]] | None = None):
    """A fixture store of ``rows``; ``fields`` = import_id -> [(field, rows_with_value, rows_read)] coverage."""
    con = build_store(requests_frame(rows), rollups=False)
    for import_id, listed in (fields or {}).items():
        con.executemany("INSERT INTO import_fields VALUES (?, ?, NULL, ?, ?)",
                        [(import_id, f, n, read) for f, n, read in listed])
    return con


def timing_only(n: int, start: str = "2026-10-02 09:00:00", **kw) -> list[dict]:
    """n requests with close times and deadlines but no survey, as most 311 exports."""
    t0 = dt.datetime.fromisoformat(start)
    return [row(f"T{i:03d}", str(t0 + dt.timedelta(hours=i)), resolve_by=str(t0 + dt.timedelta(days=3)),
                **closed(str(t0 + dt.timedelta(hours=i + 5))), **kw) for i in range(n)]


def test_every_metric_states_stored_request_columns():
    con = build_store(rollups=False)
    columns = {r[0] for r in con.execute("DESCRIBE requests").fetchall()}
    for m in METRICS:
        for need in m.fields:
            assert set(need.split("|")) <= columns, (m.id, need)
    survey = {"visited", "contacted", "resolved", "satisfaction"}
    assert {m.id for m in METRICS if survey & {f for need in m.fields for f in need.split("|")}} == {
        "response_rate", "resolution_rate", "satisfaction_rate", "visit_coverage"}


def test_a_city_without_survey_or_flags_has_those_metrics_not_in_the_data():
    cov = metric_coverage(store(timing_only(10, import_id="imp"),
                                {"imp": [("received_at", 10, 10), ("resolve_by", 10, 10), ("closed_at", 10, 10)]}),
                          DEMO_VIEWER, OCT)
    assert cov["satisfaction_rate"].status == "missing" and cov["satisfaction_rate"].missing == ("visited", "satisfaction")
    assert cov["response_hours_p50"].missing == ("first_contact_at",)
    # stored with a default (false / 0) but never supplied by the import: not 0 %, not in the data
    assert cov["repeat_rate"].missing == ("is_repeat",) and cov["return_rate"].missing == ("returned_count",)
    assert cov["on_time_response_rate"].missing == ("respond_by", "first_contact_at")
    held = {m for m, c in cov.items() if c.held}
    assert held == {"requests", "requests_per_10k", "staff_per_10k", "proactive_share", "on_time_close_rate",
                    "close_hours_p50", "close_hours_p90", "backlog", "overdue"}
    assert headline.pick(cov, 3) == ("on_time_close_rate", "close_hours_p50", "backlog")


def test_an_import_without_coverage_rows_holds_its_defaulted_fields():
    """The demo generator and stores older than schema 2 recorded no import_fields: every field is theirs."""
    cov = metric_coverage(store(timing_only(4, import_id="demo")), DEMO_VIEWER, OCT)
    assert cov["repeat_rate"].status == "ok" and cov["return_rate"].status == "ok"


def test_partial_coverage_is_the_share_of_requests_with_the_field():
    rows = timing_only(8)
    for r in rows[:3]:
        r["resolve_by"] = None          # 5 of 8 have a deadline
    cov = metric_coverage(store(rows), DEMO_VIEWER, OCT, metric_ids=("on_time_close_rate", "close_hours_p50"))
    assert cov["on_time_close_rate"].status == "partial" and cov["on_time_close_rate"].share == pytest.approx(5 / 8)
    assert headline.coverage_note("partial", 5 / 8, "en") == "based on 62 % of requests"
    # a field null by nature (close time of open requests) is no partial coverage
    assert cov["close_hours_p50"].status == "ok"


@pytest.mark.parametrize("share, status", [(MIN_SHARE, "partial"), (MIN_SHARE - 1e-9, "missing"),
                                           (coverage.FULL_SHARE, "ok"), (coverage.FULL_SHARE - 1e-9, "partial")])
def test_per_request_fields_need_min_share_and_full_share_on_the_boundaries(share, status):
    shares = {"resolve_by": share, "closed_at": 0.5, "status": 0.0}
    assert judge("on_time_close_rate", ("resolve_by", "closed_at|status"), 100, shares).status == status


@pytest.mark.parametrize("share, held", [(0.0, False), (0.01, True)])
def test_a_field_null_by_nature_is_held_from_one_value(share, held):
    shares = {"visited": share, "satisfaction": share}
    assert judge("satisfaction_rate", ("visited", "satisfaction"), 100, shares).held is held


def test_no_change_against_a_period_that_lacked_the_metric():
    """September's file had no repeat flag (stored as false: 0 %); October's has one: no change, not +50 pp."""
    september = timing_only(6, start="2026-09-03 09:00:00", import_id="sep")
    october = [{**r, "request_id": "O" + r["request_id"], "is_repeat": i % 2 == 0}
               for i, r in enumerate(timing_only(6, import_id="oct"))]
    con = store(september + october, {"sep": [("received_at", 6, 6)], "oct": [("is_repeat", 6, 6)]})
    shown = headline.compared(con, DEMO_VIEWER, OCT, ("requests", "repeat_rate", "on_time_close_rate"),
                             basic_credit=PAGE_CREDIT)
    shown = shown.set_index("metric_id")
    assert shown.loc["repeat_rate", "value"] == pytest.approx(0.5)
    assert pd.isna(shown.loc["repeat_rate", "previous"]) and pd.isna(shown.loc["repeat_rate", "mom"])
    assert shown.loc["on_time_close_rate", "mom"] == pytest.approx(0.0), "held in both months: a change"
    sep = headline.compared(con, DEMO_VIEWER, SEP, ("repeat_rate",), basic_credit=PAGE_CREDIT).iloc[0]
    assert sep["status"] == "missing" and pd.isna(sep["value"]), "never 0 %"


def test_headlines_follow_the_order_of_preference_and_the_demo_keeps_its_tiles(demo_store):
    from metrics.core.periods import latest_full_month
    from metrics.store.snapshots import open_read

    con = open_read(demo_store)
    try:
        period = latest_full_month(con)
        assert headline.headline_ids(con, DEMO_VIEWER, period) == KPI_IDS
        assert headline.trend_rates(con, DEMO_VIEWER, period) == KPI_IDS[1:]
        assert headline.map_metric(con, DEMO_VIEWER, period) == "response_rate"
        assert all(c.status == "ok" for c in metric_coverage(con, DEMO_VIEWER, period).values())
    finally:
        con.close()
    timing = store(timing_only(5))
    assert headline.headline_ids(timing, DEMO_VIEWER, OCT) == ("requests", "on_time_close_rate", "close_hours_p50",
                                                               "backlog")
    assert headline.trend_rates(timing, DEMO_VIEWER, OCT) == ("on_time_close_rate",)
    assert headline.page_metrics(timing, DEMO_VIEWER, OCT, ("satisfaction_rate", "response_rate")) == (
        "satisfaction_rate", "response_rate", "requests", "on_time_close_rate", "close_hours_p50")


def test_empty_state_names_what_is_missing():
    cov = metric_coverage(store(timing_only(7)), DEMO_VIEWER, OCT, metric_ids=("response_hours_p50",))
    assert headline.empty_message(cov["response_hours_p50"], "en") == "No data: 7 requests exist but have no response times."
    empty = metric_coverage(store(timing_only(7)), DEMO_VIEWER, month(2026, 1), metric_ids=("response_hours_p50",))
    assert headline.empty_message(empty["response_hours_p50"], "en") is None, "no requests: the generic message"


# ---- legends: distinct buckets -------------------------------------------------------------------

def labels(values: list[float], *, rate: bool, integer: bool, centre: float | None = None) -> list[str]:
    scale = geo.make_scale(pd.Series(values, dtype=float), rate=rate, centre=centre, higher_is_better=True)
    fmt = (lambda v: f"{100 * v:.1f}%") if rate else (lambda v: f"{v:,.0f}") if integer else (lambda v: f"{v:.1f} h")
    return [text.removeprefix("≤ ").removeprefix("≥ ") for text, _ in geo.legend(scale, fmt, integer=integer)]


def test_few_counts_give_one_bucket_each_none_repeated_or_skipped():
    assert labels([1, 2, 3, 4, 2, 1], rate=False, integer=True) == ["4", "3", "2", "1"]
    assert labels([3, 3, 3], rate=False, integer=True) == ["3"]
    assert labels([0, 1], rate=False, integer=True) == ["1", "0"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 60), min_size=1, max_size=40))
def test_count_legends_never_repeat_a_bucket(values):
    shown = labels(values, rate=False, integer=True)
    assert len(shown) == len(set(shown)) and 1 <= len(shown) <= min(5, len(set(values)))
    assert [int(s.replace(",", "")) for s in shown] == sorted((int(s.replace(",", "")) for s in shown), reverse=True)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=40), st.floats(0, 1))
def test_rate_legends_never_repeat_a_bucket(values, centre):
    shown = labels(values, rate=True, integer=False, centre=centre)
    assert len(shown) == len(set(shown)) and len(shown) >= 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 2000), min_size=1, max_size=40))
def test_hour_legends_never_repeat_a_bucket(values):
    shown = labels(values, rate=False, integer=False)
    assert len(shown) == len(set(shown))


# ---- spikes: only above a baseline --------------------------------------------------------------

def weekly(subject: str, counts: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"subject": subject, "weeks_ago": range(len(counts)), "n": counts})


@pytest.mark.parametrize("baseline, spikes", [([1] * 8, True), ([1] * 7 + [0], False), ([0] * 8, False)])
def test_a_spike_needs_the_minimum_baseline_volume(baseline, spikes):
    found = alerts.find_spikes(weekly("噪音", [40, *baseline]), min_baseline=alerts.MIN_BASELINE)
    assert (not found.empty) is spikes


def test_spikes_only_where_the_data_covers_the_baseline_weeks():
    end = dt.datetime(2026, 11, 1)
    edge = end - dt.timedelta(weeks=alerts.BASELINE_WEEKS + 1)
    assert alerts.baseline_covered(store([row("A", str(edge))]), end)
    assert not alerts.baseline_covered(store([row("A", str(edge + dt.timedelta(seconds=1)))]), end)


def test_a_city_imported_last_month_raises_no_spikes():
    """43 categories, each new this week with 12 requests: before, 43 spikes over a threshold of 0.0."""
    from metrics.core.filters import Filters
    from metrics.present.pages import alert_list

    rows = [row(f"C{c}-{i}", f"2026-10-{25 + i % 6:02d} 10:00:00", category=f"类别{c}") for c in range(43)
            for i in range(12)]
    con = store([row("OLD", "2026-07-01 10:00:00"), *rows])    # the data covers the baseline weeks, empty
    end = dt.datetime(2026, 11, 1)
    assert len(alerts.find_spikes(alerts.weekly_counts(con, DEMO_VIEWER, end, "category"))) == 43
    found = alert_list(con, DEMO_VIEWER, "street", OCT, Filters(), dt.datetime(2026, 10, 31, 10))
    assert [a for a in found if a.kind == "spike"] == []


def test_the_funnel_leaves_out_steps_the_data_does_not_hold():
    from metrics.core.filters import Filters
    from metrics.present.detail import funnel

    assert funnel(store(timing_only(5)), DEMO_VIEWER, OCT, Filters())["step"].tolist() == ["received", "closed"]
    full = funnel(build_store(rollups=False), DEMO_VIEWER, OCT, Filters())
    assert full["step"].tolist() == ["received", "contacted", "closed", "visited", "resolved", "satisfied"]
