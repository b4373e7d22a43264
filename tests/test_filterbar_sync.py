"""The filter bar's URL/widget sync under AppTest: picks in a row stick (none is dropped), a period
kind switch and a department pick follow through, and a URL change from outside (a deep link, a
map drill-down) still moves the widgets. The browser version is tests/test_browser_filterbar.py.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
START = "2026-09"


@pytest.fixture(scope="module")
def units(demo_store) -> dict[str, list[str]]:
    con = duckdb.connect(str(demo_store), read_only=True)
    try:
        return {level: [r[0] for r in con.execute(
            "SELECT unit_id FROM units WHERE level = ? ORDER BY unit_id LIMIT 4", [level]).fetchall()]
            for level in ("district", "department")} | {
            "categories": [r[0] for r in con.execute(
                "SELECT category FROM requests GROUP BY 1 ORDER BY count(*) DESC LIMIT 4").fetchall()]}
    finally:
        con.close()


@pytest.fixture
def app(demo_store, monkeypatch):
    monkeypatch.setenv("GRIDSCORE_DB", str(demo_store))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("views/response.py")
    at.query_params["period"] = START
    return at.run()


def url(at: AppTest, key: str) -> str | None:
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) else value


def check(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


# picker -> (widget key, URL key, the picks: fixed values or the name of a list in ``units``)
PICKERS = {
    "month": ("fb_period_month_zh", "period", ("2026-08", "2026-07", "2026-06", "2026-05")),
    "level": ("fb_level_zh", "level", ("community", "grid", "district", "street")),
    "district": ("fb_unit_district_zh", "unit", "district"),
    "department": ("fb_unit_dept_zh", "unit", "department"),
}


@pytest.mark.parametrize("picker", list(PICKERS))
def test_four_picks_in_a_row_stick(app, units, picker):
    widget, key, picks = PICKERS[picker]
    picks = units[picks] if isinstance(picks, str) else picks
    assert len(picks) == 4
    for value in picks:
        app.selectbox(key=widget).select(value).run()
        check(app)
        assert app.selectbox(key=widget).value == value, f"{picker} snapped back after picking {value}"
        assert url(app, key) == value
        if picker == "district":
            assert url(app, "level") == "street", "the level follows the unit down one step"
        if picker != "month":
            assert url(app, "period") == START, "the other filters stay"


def test_four_category_changes_stick(app, units):
    picked: list[str] = []
    for category in units["categories"]:
        picked.append(category)
        app.multiselect(key="fb_cat_zh").set_value(list(picked)).run()
        check(app)
        assert app.multiselect(key="fb_cat_zh").value == picked
        assert url(app, "cat") == ",".join(picked)


def test_kind_switch_then_picks_then_back(app):
    app.button_group(key="fb_period_kind_zh").set_value("quarter").run()
    check(app)
    first = url(app, "period")
    assert first.startswith("20") and "-Q" in first
    options = app.selectbox(key="fb_period_quarter_zh").options
    assert len(options) >= 3, "the demo store spans several quarters"
    for quarter in ("2026-Q2", "2026-Q1", "2025-Q4"):
        app.selectbox(key="fb_period_quarter_zh").select(quarter).run()
        check(app)
        assert app.selectbox(key="fb_period_quarter_zh").value == quarter
        assert url(app, "period") == quarter
    app.button_group(key="fb_period_kind_zh").set_value("month").run()
    check(app)
    assert app.selectbox(key="fb_period_month_zh").value == url(app, "period")
    assert "-Q" not in url(app, "period")


def test_a_url_change_from_outside_still_moves_the_widgets(app, units):
    app.selectbox(key="fb_period_month_zh").select("2026-08").run()
    app.selectbox(key="fb_period_month_zh").select("2026-07").run()
    app.query_params["period"] = "2026-03"               # a deep link / the map's drill-down
    app.query_params["unit"] = units["district"][1]
    app.run()
    check(app)
    assert app.selectbox(key="fb_period_month_zh").value == "2026-03"
    assert app.selectbox(key="fb_unit_district_zh").value == units["district"][1]
    app.selectbox(key="fb_period_month_zh").select("2026-02").run()   # and picks work again after it
    assert url(app, "period") == "2026-02" and app.selectbox(key="fb_period_month_zh").value == "2026-02"


def test_the_response_page_switch_redraws_its_part_with_close_times(app):
    """The response / close switch lives in a fragment (views/response.py): its tables follow it."""
    columns = lambda: [set(d.value.columns) for d in app.dataframe]  # noqa: E731
    assert any("response_hours_p50" in c for c in columns())
    app.button_group(key="which_zh").set_value("close").run()
    check(app)
    assert any("close_hours_p50" in c for c in columns()) and not any("response_hours_p50" in c for c in columns()[:3])
    assert url(app, "period") == START


def test_the_requests_page_pickers_sort_the_rows_and_keep_the_filters(app):
    """The row pickers live in a fragment (views/requests.py): a new order reaches the URL and the table."""
    app.switch_page("views/requests.py").run()
    check(app)
    sort = next(s for s in app.selectbox if s.value == "received_at")   # the sort box, by its default
    sort.select("category").run()
    check(app)
    assert url(app, "sort") == "category" and url(app, "period") == START
    shown = app.dataframe[0].value["category"].tolist()
    assert shown == sorted(shown, reverse=True), "descending by category"
