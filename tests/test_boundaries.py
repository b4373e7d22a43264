"""Exact boundaries of the deadline rules, on a few hand-built rows (October 2026, end 2026-11-01 00:00).

On time is ≤: a first contact or a closure exactly at its deadline is on time, one second later is
not. Overdue at the period end is resolve_by < end: a deadline exactly at the end is not yet overdue.
Open at the end is closed_at ≥ end: a request closed exactly at the end still counts in the backlog.
Every figure is checked by hand, against the pandas reference, on the detail rows and the roll-ups,
and where the same rule is written again (drill-down rows, backlog ageing).
"""
from __future__ import annotations

import functools

import pandas as pd
import pytest

from metrics.assess.engine import assess
from metrics.assess.schemes import load_scheme
from metrics.core.access import DEMO_VIEWER
from metrics.core.filters import Filters
from metrics.core.periods import parse_period
from metrics.present.detail import backlog_ageing
from metrics.query.detail import drill_rows
from metrics.query.tables import scope_totals, unit_table
from tests import fixtures_requests as fx
from tests.reference import reference_unit_table

PERIOD = parse_period("2026-10")
END = "2026-11-01 00:00:00"
CREDIT = 0.9

ROWS = [
    # G1: response and closure deadlines (all closed, nothing open at the end)
    fx.row("T1", "2026-10-05 08:00:00", unit_id="G1", respond_by="2026-10-05 10:00:00",
           first_contact_at="2026-10-05 10:00:00", resolve_by="2026-10-07 10:00:00",
           **fx.closed("2026-10-07 10:00:00")),                         # both exactly at the deadline: on time
    fx.row("T2", "2026-10-06 08:00:00", unit_id="G1", respond_by="2026-10-06 10:00:00",
           first_contact_at="2026-10-06 10:00:01", resolve_by="2026-10-08 10:00:00",
           **fx.closed("2026-10-08 10:00:01")),                         # one second late: not on time
    fx.row("T3", "2026-10-07 08:00:00", unit_id="G1", respond_by="2026-10-07 10:00:00",
           first_contact_at="2026-10-07 09:59:59", resolve_by="2026-10-09 10:00:00",
           **fx.closed("2026-10-09 09:59:59")),                         # one second early: on time
    # G2: open at the period end
    fx.row("T4", "2026-10-20 08:00:00", unit_id="G2", resolve_by=END),                 # due exactly at the end: not overdue
    fx.row("T5", "2026-10-20 09:00:00", unit_id="G2", resolve_by="2026-10-31 23:59:59"),  # due a second before: overdue
    fx.row("T6", "2026-10-20 10:00:00", unit_id="G2", resolve_by="2026-10-25 00:00:00",
           **fx.closed(END)),                                           # closed exactly at the end: still open, overdue
    fx.row("T7", "2026-10-20 11:00:00", unit_id="G2", resolve_by="2026-10-25 00:00:00",
           **fx.closed("2026-10-31 23:59:59")),                         # closed a second before the end: not open
]
RATES = ("on_time_response_rate", "on_time_close_rate")
STOCK = ("backlog", "overdue")
# by hand: G1 on time 2 of 3 (T1, T3) for both rates; G2 backlog T4, T5, T6 = 3, overdue T5, T6 = 2;
# G2's on-time close: T4, T5 not closed (late), T6 closed after its deadline, T7 too: 0 of 4.
EXPECTED = {
    ("G1", "on_time_response_rate"): 2 / 3, ("G1", "on_time_close_rate"): 2 / 3,
    ("G1", "backlog"): 0, ("G1", "overdue"): 0,
    ("G2", "on_time_close_rate"): 0.0, ("G2", "backlog"): 3, ("G2", "overdue"): 2,
}


@functools.cache
def store():
    return fx.build_store(fx.requests_frame(ROWS))


@pytest.mark.parametrize("source", ["detail", "rollup"])
def test_deadline_boundaries_by_hand_and_reference(source):
    got = unit_table(store(), DEMO_VIEWER, "grid", PERIOD, metric_ids=[*RATES, *STOCK], basic_credit=CREDIT,
                     source=source).set_index("unit_id")
    for (unit, metric), value in EXPECTED.items():
        assert got.at[unit, metric] == pytest.approx(value), (unit, metric, source)
    assert got.at["G1", "on_time_response_rate_num"] == 2 and got.at["G1", "on_time_response_rate_den"] == 3
    assert got.at["G1", "on_time_close_rate_num"] == 2 and got.at["G1", "on_time_close_rate_den"] == 3
    p = PERIOD.params()
    ref = reference_unit_table(fx.requests_frame(ROWS), fx.units_frame(), "grid", p["start"], p["end"],
                               basic_credit=CREDIT)
    for unit in ("G1", "G2"):
        for metric in (*RATES, *STOCK):
            want, have = ref.at[unit, metric], got.at[unit, metric]
            assert (pd.isna(want) and pd.isna(have)) or have == pytest.approx(want), (unit, metric)


def test_totals_agree_on_the_boundaries():
    totals = scope_totals(store(), DEMO_VIEWER, PERIOD, metric_ids=[*RATES, *STOCK], basic_credit=CREDIT)
    assert totals["on_time_response_rate"] == pytest.approx(2 / 3)       # T4-T7 have no respond_by
    assert totals["on_time_close_rate"] == pytest.approx(2 / 7)          # T1, T3 of the 7 with a resolve_by
    assert (totals["backlog"], totals["overdue"]) == (3, 2)


def test_drill_rows_behind_the_boundaries():
    """The rows behind each number: credit 1 exactly on the deadline, 0 a second after."""
    rows, total = drill_rows(store(), DEMO_VIEWER, PERIOD, Filters(), metric_id="on_time_response_rate",
                             order_by="request_id", descending=False, basic_credit=CREDIT)
    assert total == 3 and dict(zip(rows["request_id"], rows["credit"])) == {"T1": 1.0, "T2": 0.0, "T3": 1.0}
    rows, _ = drill_rows(store(), DEMO_VIEWER, PERIOD, Filters(), metric_id="on_time_close_rate",
                         order_by="request_id", descending=False, basic_credit=CREDIT)
    assert {k: v for k, v in zip(rows["request_id"], rows["credit"]) if k in ("T1", "T2", "T3")} == {
        "T1": 1.0, "T2": 0.0, "T3": 1.0}
    for metric, ids in (("overdue", {"T5", "T6"}), ("backlog", {"T4", "T5", "T6"})):
        rows, total = drill_rows(store(), DEMO_VIEWER, PERIOD, Filters(), metric_id=metric,
                                 order_by="request_id", descending=False, basic_credit=CREDIT)
        assert total == len(ids) and set(rows["request_id"]) == ids, metric


def test_backlog_ageing_splits_overdue_on_the_same_boundary():
    ageing = backlog_ageing(store(), DEMO_VIEWER, PERIOD, Filters())
    assert (int(ageing["overdue"].sum()), int(ageing["within"].sum())) == (2, 1)   # T5, T6 overdue; T4 within


def visited_rows(prefix: str, unit_id: str, n: int, resolved: int) -> list[dict[str, object]]:
    """n visited, contacted, satisfied requests in October, the first ``resolved`` of them resolved."""
    return [fx.row(f"{prefix}{k:02d}", f"2026-10-{1 + k % 28:02d} 09:00:00", unit_id=unit_id,
                   **fx.closed(f"2026-10-{1 + k % 28:02d} 12:00:00"), **fx.visit(True, k < resolved, "satisfied"))
            for k in range(n)]


def test_exactly_the_minimum_volume_is_ranked_one_below_is_not():
    """beijing-3rates needs 30 valid return visits: S1 with exactly 30 is ranked, S2 with 29 is not."""
    scheme = load_scheme("beijing-3rates")
    assert (scheme.min_volume.basis, scheme.min_volume.n) == ("visited", 30)
    rows = visited_rows("A", "G1", 30, resolved=27) + visited_rows("B", "S2", 29, resolved=29) \
        + visited_rows("C", "S3", 31, resolved=31)
    scored = assess(fx.build_store(fx.requests_frame(rows)), DEMO_VIEWER, scheme, PERIOD).set_index("unit_id")
    assert scored["volume"].to_dict() == {"S1": 30, "S2": 29, "S3": 31}
    assert scored["insufficient"].to_dict() == {"S1": False, "S2": True, "S3": False}
    assert scored.loc["S2", "insufficient_reason"] == "visited 29 < 30"
    # S1: 100 × (0.1 × 1 + 0.5 × 27/30 + 0.4 × 1) = 95; S3: 100; S2 scores 100 too but takes no rank
    assert scored["score"].to_dict() == pytest.approx({"S1": 95.0, "S2": 100.0, "S3": 100.0})
    assert {u: None if pd.isna(r) else int(r) for u, r in scored["rank"].items()} == {"S1": 2, "S2": None, "S3": 1}
    assert scored.loc["S1", "grade_zh"] == "优秀" and pd.isna(scored.loc["S2", "grade_zh"])
