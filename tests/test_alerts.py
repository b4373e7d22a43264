"""metrics.assess.alerts: spikes above baseline + 3σ, scheme floors, overdue units, and the links they carry."""
from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from metrics.assess import alerts
from metrics.core.access import DEMO_VIEWER
from metrics.core.filters import Filters
from metrics.assess.schemes import load_scheme


def weekly(subject: str, counts: list[int]) -> pd.DataFrame:
    """counts[0] = this week, counts[1..8] = the baseline weeks."""
    return pd.DataFrame({"subject": subject, "weeks_ago": range(len(counts)), "n": counts})


def test_a_week_far_above_a_steady_baseline_is_a_spike():
    frame = pd.concat([weekly("噪音", [60, 20, 22, 19, 21, 20, 18, 22, 20]), weekly("供暖", [24, 20, 22, 19, 21, 20, 18, 22, 20])])
    spikes = alerts.find_spikes(frame)
    assert spikes["subject"].tolist() == ["噪音"]
    assert spikes["threshold"].iloc[0] < 60


def test_spike_baseline_uses_the_sample_standard_deviation():
    """Baseline weeks 0, 10, 0, 10, 0, 10, 0, 10: mean 5, Σ(x − mean)² = 8 × 25 = 200.
    Sample sd (÷ 7) = √(200 / 7) = 5.345225, threshold = 5 + 3 × 5.345225 = 21.035675;
    the population sd (÷ 8) would be 5 and the threshold 20. A week of 21 lies between the two:
    not a spike under the sample definition; 22 is one (22 − 5 = 17 ≥ MIN_SPIKE)."""
    baseline = [0, 10, 0, 10, 0, 10, 0, 10]
    assert alerts.find_spikes(weekly("between", [21, *baseline])).empty
    [spike] = alerts.find_spikes(weekly("above", [22, *baseline])).to_dict("records")
    assert spike["mean"] == pytest.approx(5.0)
    assert spike["sd"] == pytest.approx(5.345225, abs=1e-6)
    assert spike["threshold"] == pytest.approx(21.035675, abs=1e-6)


def test_small_numbers_do_not_raise_alarms():
    assert alerts.find_spikes(weekly("宠物", [5, 0, 0, 0, 0, 0, 0, 0, 0])).empty, "needs MIN_SPIKE more than the mean"


def test_missing_baseline_weeks_count_as_zero():
    frame = weekly("新类别", [40, 2]).iloc[[0, 1]]
    spikes = alerts.find_spikes(frame)
    assert spikes["mean"].iloc[0] == pytest.approx(2 / 8)


def test_floors_flag_bottom_grade_and_low_rates_but_not_small_samples():
    scheme = load_scheme("beijing-3rates")
    scored = pd.DataFrame({
        "unit_id": ["good", "bad", "tiny"], "unit_name": ["好", "差", "小"], "name_en": ["Good", "Bad", "Tiny"],
        "score": [95.0, 60.0, 10.0], "insufficient": [False, False, True],
        "response_rate": [0.99, 0.90, 0.1], "resolution_rate": [0.95, 0.5, 0.1], "satisfaction_rate": [0.96, 0.6, 0.1],
    })
    found = alerts.floor_alerts(scored, scheme)
    assert {a.subject for a in found} == {"bad"}
    assert {a.metric for a in found} == {"score", "response_rate", "resolution_rate", "satisfaction_rate"}
    sat = next(a for a in found if a.metric == "satisfaction_rate")
    assert sat.page == "satisfaction" and sat.query == {"unit": "bad"}


def test_overdue_alerts_link_to_the_overdue_rows():
    table = pd.DataFrame({"unit_id": ["a", "b"], "unit_name": ["甲", "乙"], "name_en": [None, "B"], "overdue": [0, 7]})
    found = alerts.overdue_alerts(table)
    assert [(a.subject, a.value, a.page, a.query["metric"]) for a in found] == [("b", 7.0, "requests", "overdue")]


def test_spike_links_open_the_last_seven_days():
    spikes = pd.DataFrame({"subject": ["G1"], "n": [50.0], "mean": [10.0], "sd": [2.0], "threshold": [16.0]})
    [alert] = alerts.spike_alerts(spikes, "grid", {"G1": ("一号网格", "Grid 1")}, dt.datetime(2026, 10, 1))
    assert alert.query == {"period": "2026-09-24..2026-09-30", "unit": "G1"} and alert.name_zh == "一号网格"


def test_weekly_counts_respect_scope_and_filters(demo_store):
    con = duckdb.connect(str(demo_store), read_only=True)
    try:
        end = dt.datetime(2026, 10, 1)
        every = alerts.weekly_counts(con, DEMO_VIEWER, end, "category")
        category = every.groupby("subject")["n"].sum().idxmax()
        one = alerts.weekly_counts(con, DEMO_VIEWER, end, "category", Filters(categories=(category,)))
        assert set(one["subject"]) == {category}
        assert one["n"].sum() == every.loc[every["subject"] == category, "n"].sum()
        assert every["weeks_ago"].between(0, alerts.BASELINE_WEEKS).all()
        since = end - dt.timedelta(weeks=alerts.BASELINE_WEEKS + 1)
        direct = con.execute("SELECT count(*) FROM requests WHERE received_at >= ? AND received_at < ? AND category IS NOT NULL",
                             [since, end]).fetchone()[0]
        assert every["n"].sum() == direct
        grids = alerts.weekly_counts(con, DEMO_VIEWER, end, "grid")
        levels = con.execute("SELECT DISTINCT level FROM units WHERE list_contains(?, unit_id)",
                             [grids["subject"].unique().tolist()]).fetchall()
        assert levels in ([("grid",)], [])
    finally:
        con.close()
