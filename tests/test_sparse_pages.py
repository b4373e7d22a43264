"""The pages on a real city without a return-visit survey (Boston from ../shared/realdata), under AppTest:
a metric the data lacks says "not in the data" with its reason, never 0 %; the overview's tiles and
trend lines are metrics the data holds; empty states say what is missing; tables show no None."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.realcities import build_city
from tests.test_realdata import DATA

pytestmark = pytest.mark.skipif(DATA is None, reason="no shared/realdata folder (set GRIDSCORE_REALDATA)")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def boston(tmp_path_factory) -> Path:
    return build_city(tmp_path_factory.mktemp("boston"), "boston")


@pytest.fixture
def page(boston, monkeypatch):
    monkeypatch.setenv("GRIDSCORE_DB", str(boston))

    def run(name: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        if name != "overview":
            at.switch_page(f"views/{name}.py")
        at.run()
        assert not at.exception and not at.error, (name, at.exception, [e.value for e in at.error])
        return at
    return run


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_headlines_are_what_boston_holds(page):
    at = page("overview")
    shown = tiles(at)
    assert list(shown)[:4] == ["诉求量", "按期办结率", "办结时长中位数", "在办量"]
    assert shown["诉求量"] == "100" and shown["按期办结率"] == "80.9%"   # 72 of the 89 with a target date
    assert any("基于 89% 的诉求" in c.value for c in at.caption), "partial coverage is said"


def test_satisfaction_page_says_not_in_the_data_with_the_reason(page):
    at = page("satisfaction")
    shown = tiles(at)
    for label in ("满意率", "解决率", "响应率", "回访率"):
        assert shown[label] == "不在数据中"
    satisfaction = next(m for m in at.metric if m.label == "满意率")
    assert "回访记录" in satisfaction.help and "满意度评价" in satisfaction.help
    assert any(i.value == "暂无数据：本期有 100 条诉求，但没有回访记录、满意度评价。" for i in at.info)
    assert sum(v not in ("不在数据中", "暂无数据", "—") for v in shown.values()) >= 3


def test_resolution_page_never_shows_zero_for_missing_flags(page):
    at = page("resolution")
    shown = tiles(at)
    assert shown["重复率"] == "不在数据中" and shown["退单率"] == "不在数据中"
    table = next(d.value for d in at.dataframe if "on_time_close_rate" in d.value.columns)
    assert "repeat_rate" not in table and "return_rate" not in table, "no column of 0 % (stored defaults)"
    assert table["on_time_close_rate"].notna().any()


def test_response_page_opens_on_close_times_and_names_missing_groups(page):
    at = page("response")
    assert tiles(at)["响应时长中位数"] == "不在数据中"
    assert at.segmented_control[0].value == "close"
    assert "暂无数据：本期有 100 条诉求，但没有紧急程度。" in [i.value for i in at.info]


def test_requests_table_shows_dashes_not_none(page):
    at = page("requests")
    [table] = [d.value for d in at.dataframe]
    text = table[[c for c in table.columns if pd.api.types.is_string_dtype(table[c])]]
    assert not text.isna().any().any(), "a missing text or time is a dash"
    assert (text["first_contact_at"] == "—").all() and pd.notna(table["received_at"]).all()


def test_unit_tables_leave_out_the_columns_of_missing_metrics(page):
    at = page("response")
    by_unit = next(d.value for d in at.dataframe if "on_time_close_rate" in d.value.columns and "unit_name" in d.value)
    assert "response_hours_p50" not in by_unit and "on_time_response_rate" not in by_unit
    assert {"close_hours_p50", "close_hours_p90", "requests"} <= set(by_unit.columns)


@pytest.mark.parametrize("values, pinned", [([0.8], True), ([], True), ([0.85, 0.97], False), ([0.85, 0.85], True),
                                            ([0.0, 1.0], False), ([-0.01, 0.5], True), ([0.5, 1.01], True)])
def test_rate_axes_run_0_to_100_percent_when_sparse(values, pinned):
    import plotly.graph_objects as go

    from views.ui import RATE_AXIS, bound_rates

    fig = go.Figure()
    fig.add_bar(x=list(range(len(values))), y=[100] * len(values))             # a count axis: left alone
    fig.add_scatter(x=list(range(len(values))), y=values, yaxis="y2")
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right", **RATE_AXIS})
    bound_rates(fig)
    assert (fig.layout.yaxis2.range == (0, 1)) is pinned and fig.layout.yaxis.range is None


def test_tables_leave_out_empty_rows_and_metric_columns_without_values():
    from views.ui import with_values

    frame = pd.DataFrame({"unit_name": ["A", "B", "C"], "requests": [0, 3, 1],
                          "repeat_rate": [None, None, None], "close_hours_p50": [None, 2.5, None]})
    shown = with_values(frame, ["unit_name", "requests", "repeat_rate", "close_hours_p50"])
    assert shown["unit_name"].tolist() == ["B", "C"] and list(shown.columns) == ["unit_name", "requests",
                                                                                 "close_hours_p50"]
