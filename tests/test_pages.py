"""Every dashboard page under AppTest over several filter combinations: no exception, no error box.

Includes a unit without requests, an empty period, each period kind, a department, filters on
category / channel / source, and English. The session demo store is shared (read-only).
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("overview", "map", "response", "resolution", "satisfaction", "requests", "glossary")
TITLES = {"overview": ("全域总览", "Territory overview"), "map": ("网格地图", "Grid map"), "response": ("响应时效", "Response"),
          "resolution": ("办结与解决", "Resolution"), "satisfaction": ("满意度", "Satisfaction"),
          "requests": ("工单明细", "Requests"), "glossary": ("指标说明", "Glossary")}


@pytest.fixture(scope="module")
def samples(demo_store) -> dict[str, str]:
    """Unit ids and values from the demo store to build filter combinations from."""
    con = duckdb.connect(str(demo_store), read_only=True)
    try:
        def one(sql: str) -> str | None:
            row = con.execute(sql).fetchone()
            return row[0] if row else None

        return {
            "street": one("SELECT unit_id FROM units WHERE level = 'street' ORDER BY unit_id LIMIT 1"),
            "community": one("SELECT unit_id FROM units WHERE level = 'community' ORDER BY unit_id LIMIT 1"),
            "department": one("SELECT unit_id FROM units WHERE level = 'department' ORDER BY unit_id LIMIT 1"),
            # a unit without any request: a grid if one is empty, else any unit without requests
            "empty_unit": one(
                "SELECT u.unit_id FROM units u WHERE u.level <> 'city' AND NOT EXISTS ("
                " SELECT 1 FROM requests r JOIN unit_ancestors a ON a.unit_id = r.unit_id"
                " WHERE a.ancestor_id = u.unit_id) AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.dept_id = u.unit_id)"
                " ORDER BY u.level DESC, u.unit_id LIMIT 1"
            ),
            "category": one("SELECT category FROM requests GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"),
            "channel": one("SELECT channel FROM requests GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"),
        }
    finally:
        con.close()


def combos(s: dict[str, str]) -> dict[str, dict[str, str]]:
    out = {
        "default": {},
        "english": {"lang": "en"},
        "quarter_street": {"period": "2026-Q3", "unit": s["street"], "level": "community"},
        "year_grid_level": {"period": "2025", "level": "grid"},
        "custom_range": {"period": "2026-08-15..2026-09-14", "cat": s["category"], "ch": s["channel"]},
        "community_points": {"unit": s["community"], "level": "grid", "layer": "points", "metric": "requests"},
        "department": {"unit": s["department"], "level": "department", "src": "proactive"},
        "empty_period": {"period": "2019-01"},
        "hexagons": {"layer": "hex", "res": "7", "metric": "response_hours_p90"},
        "overdue_rows": {"metric": "overdue", "sort": "category", "desc": "0", "page": "2"},
    }
    if s["empty_unit"]:
        out["unit_without_data"] = {"unit": s["empty_unit"]}
    return out


@pytest.fixture
def app(demo_store, monkeypatch):
    monkeypatch.setenv("GRIDSCORE_DB", str(demo_store))

    def make(page: str, params: dict[str, str]) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        if page != "overview":
            at.switch_page(f"views/{page}.py")
        for key, value in params.items():
            at.query_params[key] = value
        return at.run()
    return make


COMBO_NAMES = ("default", "english", "quarter_street", "year_grid_level", "custom_range", "community_points",
               "department", "empty_period", "hexagons", "overdue_rows", "unit_without_data")


@pytest.mark.parametrize("combo", COMBO_NAMES)
@pytest.mark.parametrize("page", PAGES)
def test_page_runs_without_error(app, samples, page, combo):
    params = combos(samples).get(combo)
    if params is None:
        pytest.skip("the demo store has no unit without requests")
    at = app(page, params)
    assert not at.exception, f"{page} {params}: {at.exception}"
    assert not at.error, f"{page} {params}: {[e.value for e in at.error]}"
    assert [t.value for t in at.title] == [TITLES[page][params.get("lang") == "en"]]
    if "period" in params:
        assert at.query_params["period"] in (params["period"], [params["period"]]), "the URL keeps the period"
    drawn = len(at.dataframe) + len(at.get("plotly_chart")) + len(at.get("deck_gl_json_chart"))
    no_data = [i.value for i in at.info if "暂无数据" in i.value or "No data" in i.value]
    if combo == "empty_period" and page not in ("map", "glossary"):
        assert no_data, f"{page}: an empty period must say so"
    elif page == "map" and combo == "department":
        assert any("部门没有地理边界" in i.value for i in at.info), "departments have no map: say so"
    elif combo not in ("empty_period", "unit_without_data"):
        assert drawn, f"{page} {params}: nothing drawn"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_says_when_the_data_ends(app, page):
    at = app(page, {})
    assert any("数据截至" in c.value for c in at.caption), f"{page} has no 'data as of' line"


def test_empty_period_says_no_data_instead_of_empty_charts(app):
    at = app("response", {"period": "2019-01"})
    assert any("暂无数据" in i.value for i in at.info)


def test_overview_keeps_the_four_kpis_and_adds_the_score(app):
    at = app("overview", {})
    labels = [m.label for m in at.metric]
    assert labels[:5] == ["诉求量", "响应率", "解决率", "满意率", "综合得分"]
    assert all(m.delta for m in at.metric[:4])


def test_filters_land_in_the_url(app, samples):
    at = app("resolution", {"unit": samples["street"]})
    assert at.query_params["unit"] == [samples["street"]] or at.query_params["unit"] == samples["street"]
    assert "period" in at.query_params and "level" in at.query_params


def test_english_labels_follow_the_switch(app):
    at = app("response", {"lang": "en"})
    assert any("Data as of" in c.value for c in at.caption)
    assert "Response time, median" in [m.label for m in at.metric]


def test_requests_page_masks_phone_numbers(app):
    """The demo's 11-digit mobiles shown as 138****5678, also inside the description (联系电话…)."""
    at = app("requests", {})
    frame = at.dataframe[0].value
    phones = frame["citizen_phone"].dropna().astype(str)
    phones = phones[phones != "—"]   # a proactive (patrol) request has no caller: shown as a dash
    assert len(phones) >= 10, "the first page should show citizens' phones"
    assert phones.str.fullmatch(r"1[3-9]\d\*{4}\d{4}").all(), phones[~phones.str.fullmatch(r"1[3-9]\d\*{4}\d{4}")]
    described = frame["description"].dropna().astype(str)
    with_phone = described[described.str.contains("联系电话")]
    assert len(with_phone), "some descriptions carry a phone"
    assert with_phone.str.contains(r"联系电话\D{0,3}1[3-9]\d\*{4}\d{4}").all(), with_phone.tolist()
    assert not described.str.contains(r"\d{7}").any(), "no unmasked run of 7 digits in any description"


def test_picking_a_district_in_the_filter_bar_rewrites_the_url(app, demo_store):
    con = duckdb.connect(str(demo_store), read_only=True)
    district = con.execute("SELECT unit_id FROM units WHERE level = 'district' ORDER BY unit_id LIMIT 1").fetchone()[0]
    con.close()
    at = app("response", {"period": "2026-08", "level": "grid"})
    at.selectbox(key="fb_unit_district_zh").select(district).run()
    assert not at.exception
    assert at.query_params["unit"] in (district, [district])
    assert at.query_params["level"] in ("street", ["street"]), "the level follows the unit down one step"
    assert at.query_params["period"] in ("2026-08", ["2026-08"]), "other filters stay"
    assert any("展示层级 街道" in c.value for c in at.caption)


def test_pages_say_no_data_for_a_unit_without_requests(app, samples):
    if not samples["empty_unit"]:
        pytest.skip("the demo store has no unit without requests")
    at = app("satisfaction", {"unit": samples["empty_unit"]})
    assert not at.exception
    assert any("暂无数据" in i.value for i in at.info)
