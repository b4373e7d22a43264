"""The registry is complete, documented and portable: every metric has SQL, a reference and labels."""
from __future__ import annotations

import re

import pytest

from metrics.scale.dialect import unsafe_spellings

from metrics.core import registry
from metrics.core.registry import BY_ID, METRICS
from tests import fixtures_requests as fx
from tests.reference import metrics_of

DESIGN_IDS = (
    "requests", "requests_per_10k", "proactive_share", "response_rate", "on_time_response_rate",
    "response_hours_p50", "response_hours_p90", "resolution_rate", "satisfaction_rate", "on_time_close_rate",
    "close_hours_p50", "close_hours_p90", "backlog", "overdue", "repeat_rate", "return_rate",
    "visit_coverage", "staff_per_10k",
)
REFERENCE_IDS = set(metrics_of(fx.requests_frame().iloc[:0], fx.requests_frame().iloc[:0],
                               fx.ts("2026-11-01 00:00:00"), 1, 1, 0.9))


@pytest.fixture(scope="module")
def fixture_con():
    return fx.build_store(rollups=False)


def test_every_design_metric_is_registered_once():
    assert [m.id for m in METRICS] == list(DESIGN_IDS)
    assert len(BY_ID) == len(METRICS)


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.id)
def test_metric_is_documented(metric):
    assert re.fullmatch(r"[a-z][a-z0-9_]*", metric.id)
    assert metric.zh and metric.en and metric.formula_zh and metric.formula_en
    assert re.search(r"[\u4e00-\u9fff]", metric.zh + metric.formula_zh)
    assert metric.unit in ("count", "rate", "hours", "per_10k", "score")
    assert metric.id in REFERENCE_IDS
    if metric.kind == "rate":
        assert metric.denominator and metric.terms and "assessable" in metric.formula_en
        assert metric.unit == "rate"
    if metric.kind == "quantile":
        assert metric.unit == "hours" and "quantile_cont" in metric.sql() and "bin" in metric.note_en
    if metric.kind == "stock":
        assert "period end" in metric.formula_en or "period end" in metric.note_en
    for name, value in metric.parameters:
        assert isinstance(value, float) and name


@pytest.mark.parametrize("credit", [0.9, 0.5])
@pytest.mark.parametrize("metric", [m for m in METRICS if m.kind != "per_10k"], ids=lambda m: m.id)
def test_metric_sql_equals_the_reference(metric, credit, fixture_con):
    """Each metric's own SQL over every fixture row equals the pandas reference over the same rows
    (stock metrics at the end 2026-11-01, over the rows received before it); rates with their parts."""
    end = fx.ts("2026-11-01 00:00:00")
    params = {k: v for k, v in {"basic_credit": credit, "end": end}.items() if f"${k}" in metric.sql()}
    value = fixture_con.execute(f"SELECT {metric.sql()} FROM requests r", params).fetchone()[0]
    rows = fx.requests_frame()
    ref = metrics_of(rows, rows[rows["received_at"] < end], end, None, None, credit)
    assert ref[metric.id] is not None and value == pytest.approx(ref[metric.id]), (metric.id, value, ref[metric.id])
    if metric.kind == "rate":   # the fixture exercises the rate: neither 0 nor undefined
        assert 0 < ref[f"{metric.id}_num"] <= ref[f"{metric.id}_den"], metric.id


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.id)
def test_metric_sql_is_portable(metric):
    """DESIGN §10: none of the five unsafe spellings in any condition, duration or aggregate of a metric."""
    parts = [cond for _, cond in metric.count_columns()] + ([metric.duration] if metric.duration else [])
    if metric.kind != "per_10k":
        parts.append(metric.sql())
    for part in parts:
        assert unsafe_spellings(f"SELECT {part} FROM requests r") == [], (metric.id, part)


def test_bin_edges_and_note_agree():
    edges = registry.HOUR_BIN_EDGES
    assert edges[0] == pytest.approx(1 / 60)
    assert all(b / a == pytest.approx(registry.BIN_RATIO) for a, b in zip(edges, edges[1:]))
    assert f"{100 * (registry.BIN_RATIO - 1):.1f} %" in registry.BINNED_NOTE_EN


def test_resolve_rejects_unknown_ids():
    with pytest.raises(ValueError, match="bogus"):
        registry.resolve(["requests", "bogus"])
