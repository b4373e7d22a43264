"""The wall (大屏): its data carries no personal field and the Overview's KPI numbers; the page runs
under AppTest in Chinese, English, with a pinned panel, an empty period and an empty store; ?scale=
multiplies the charts' pixel sizes and refits the map's zoom."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics.present import wall
from metrics.core.access import DEMO_VIEWER
from metrics.core.filters import Filters
from metrics.present.kpi import overview_kpis
from metrics.present.pages import scope_scored
from metrics.core.periods import latest_full_month
from metrics.store.snapshots import open_read
from tests.fixtures_requests import build_store
from views import wall_parts as parts

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "views" / "wall.py")


@pytest.fixture(scope="module")
def con(demo_store):
    connection = open_read(demo_store)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def data(con) -> wall.WallData:
    return wall.assemble(con, DEMO_VIEWER, "zh")


def test_wall_data_has_no_personal_columns(data):
    for name, frame in data.frames().items():
        leaked = set(frame.columns) & wall.PERSONAL_FIELDS
        assert not leaked, f"{name} carries {leaked}"
    props = {key for f in data.map["features"]["features"] for key in f["properties"]}
    assert props <= {"unit_id", "fill", "tip", "name"}, props
    assert not any("citizen" in str(c) or "phone" in str(c) for f in data.frames().values() for c in f.columns)


def test_wall_kpis_are_the_overview_numbers(con, data):
    period = latest_full_month(con)
    assert data.period == period
    expected = overview_kpis(con, DEMO_VIEWER, period, basic_credit=0.9)
    assert [(k.metric_id, k.value, k.previous) for k in data.kpis] == \
           [(k.metric_id, k.value, k.previous) for k in expected]
    assert all(k.value is not None for k in data.kpis)
    assert data.score == scope_scored(con, DEMO_VIEWER, period, Filters(), "beijing-3rates")


def test_wall_ranking_and_week(data):
    assert 0 < len(data.best) <= wall.RANK_N and len(data.best) == len(data.worst)
    assert data.best["score"].is_monotonic_decreasing
    assert data.worst["score"].is_monotonic_increasing, "bottom list starts with the worst"
    assert len(data.trend) == 12
    assert data.week.period.days == 7 and data.week.requests > 0
    assert data.week.overdue <= data.week.backlog
    assert {a.kind for a in data.alerts} <= set(wall.ALERT_KINDS)


def test_district_satisfaction_map(con):
    data = wall.assemble(con, DEMO_VIEWER, "en", map_metric="satisfaction_rate", level="district")
    assert data.map["level"] == "district" and data.map["metric"] == "satisfaction_rate"
    fills = [f["properties"]["fill"] for f in data.map["features"]["features"]]
    assert fills and all(len(c) == 4 for c in fills)


def test_every_string_has_both_languages():
    assert all(len(pair) == 2 and all(pair) for pair in wall.STRINGS.values())
    assert wall.wt("no_such_key", "en") == "no_such_key"


@pytest.mark.parametrize("text, expect", [
    (None, 1.0), ("", 1.0), ("2", 2.0), ("1.25", 1.25), (" 2 ", 2.0), ("x", 1.0), ("nan", 1.0),
    ("inf", 1.0), ("0.1", 0.75), ("9", 4.0),
])
def test_screen_scale(text, expect):
    assert wall.screen_scale(text) == expect


def test_scaled_view_fits_a_box_twice_as_large(data):
    view = data.map["view"]
    assert wall.scaled_view(view, 1) == view
    doubled = wall.scaled_view(view, 2)
    assert doubled["zoom"] == pytest.approx(view["zoom"] + 1)
    assert (doubled["latitude"], doubled["longitude"]) == (view["latitude"], view["longitude"])


def test_figures_scale_their_pixel_sizes(data):
    labels = {m: m for m in wall.TREND_METRICS}
    one, two = (parts.trend_figure(data.trend, labels, "zh", s) for s in (1, 2))
    assert two.layout.font.size == 2 * one.layout.font.size
    assert two.layout.margin.b == 2 * one.layout.margin.b
    assert two.data[1].line.width == 2 * one.data[1].line.width
    cats = [parts.categories_figure(data.categories, "zh", s) for s in (1, 2)]
    assert cats[1].layout.yaxis.tickfont.size == 2 * cats[0].layout.yaxis.tickfont.size
    assert cats[1].data[0].textfont.size == 2 * cats[0].data[0].textfont.size


@pytest.fixture
def page(demo_store, monkeypatch):
    def run(params: dict[str, str], db: Path | None = None) -> AppTest:
        monkeypatch.setenv("GRIDSCORE_DB", str(db or demo_store))
        at = AppTest.from_file(PAGE, default_timeout=120)
        for key, value in params.items():
            at.query_params[key] = value
        return at.run()
    return run


def _html(at: AppTest) -> str:
    return "\n".join(str(h.proto.body) for h in at.get("html"))


@pytest.mark.parametrize("params, expect", [
    ({}, "综合得分"),
    ({"lang": "en"}, "Composite score"),
    ({"panel": "1"}, "前 5 名"),
    ({"panel": "3", "lang": "en"}, "Alerts this week"),
    ({"panel": "2", "rotate": "7"}, "诉求热点类别"),
    ({"period": "2019-01"}, "暂无数据"),
    ({"map": "satisfaction_rate", "level": "district", "panel": "9", "rotate": "x"}, "区满意率"),
    ({"scale": "2", "panel": "2"}, "诉求热点类别"),
    ({"scale": "abc"}, "综合得分"),
])
def test_wall_page_runs(page, params, expect):
    at = page(params)
    assert not at.exception, at.exception
    assert not at.error
    text = _html(at)
    assert expect in text
    assert "数据截至" in text or "Data as of" in text


def test_wall_page_scales_charts_and_map(page, data):
    at = page({"scale": "2", "panel": "2"})
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert figures and all(f["layout"]["font"]["size"] == 32 for f in figures)
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert deck["initialViewState"]["zoom"] == pytest.approx(data.map["view"]["zoom"] + 1)


def test_wall_page_shows_the_kpi_numbers(page, data):
    text = _html(page({}))
    assert f"{data.kpis[0].value:,.0f}" in text
    assert f"{100 * data.kpis[3].value:.1f}%" in text
    assert f"{data.score['value']:.1f}" in text


def test_wall_page_on_an_empty_store(page, tmp_path):
    path = tmp_path / "empty.duckdb"
    build_store(requests=pd.DataFrame({"request_id": pd.Series(dtype=str),
                                       "received_at": pd.Series(dtype="datetime64[us]")}), path=str(path)).close()
    at = page({}, db=path)
    assert not at.exception, at.exception
    assert "还没有工单数据" in _html(at)


def test_wall_data_on_an_empty_store(tmp_path):
    con = build_store(requests=pd.DataFrame({"request_id": pd.Series(dtype=str),
                                             "received_at": pd.Series(dtype="datetime64[us]")}))
    assert wall.assemble(con, DEMO_VIEWER, "zh") is None
    assert isinstance(con, duckdb.DuckDBPyConnection)
