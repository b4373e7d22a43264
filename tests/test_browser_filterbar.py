"""The filter bar in headless Chromium against the real server: four picks in a row for the period, the
unit and the level, each one shown by the widget, written to the URL and used by the page.

Regression test: the widgets used to remember the URL value from before their own rewrite, so every
second pick looked like a new deep link and the widget snapped back to the previous value.
"""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest

from metrics.core.formats import fmt_count, fmt_period
from metrics.core.i18n import t
from metrics.core.periods import parse_period
from tests.conftest import assert_no_error, open_page, wait_idle
from tests.test_browser_pages import wait_rendered

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

TILES = '[data-testid="stMetric"]'
CAPTION = '[data-testid="stMain"] [data-testid="stCaptionContainer"]'
START = "2026-09"                                   # inside the demo store (conftest.DEMO_END)
PERIOD_PICKS = ("2026-08", "2026-07", "2026-06", "2026-05")
LEVEL_PICKS = ("community", "grid", "district", "street")


@pytest.fixture(scope="module")
def store(demo_store):
    con = duckdb.connect(str(demo_store), read_only=True)
    yield con
    con.close()


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` (its displayed text) in the sidebar select box labelled ``label``."""
    box = page.locator('[data-testid="stSidebar"]').get_by_label(label, exact=True)
    box.click()
    page.keyboard.type(option)          # the list is virtualised: filter it so the option is drawn
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def shown(page, label: str) -> str:
    return page.locator('[data-testid="stSidebar"]').get_by_label(label, exact=True).input_value().strip()


def url_param(page, key: str) -> str | None:
    return parse_qs(urlparse(page.url).query).get(key, [None])[0]


def settle(page, key: str, wanted: str, timeout: float = 20.0) -> None:
    """Give the rerun time to write ``key=wanted`` into the URL (the assertions below say what failed)."""
    deadline = time.monotonic() + timeout
    while url_param(page, key) != wanted and time.monotonic() < deadline:
        time.sleep(0.3)
    wait_rendered(page, (TILES,))


def caption(page) -> str:
    return page.locator(CAPTION).first.inner_text()


def requests_tile(page) -> str:
    """The first KPI tile's value: the request count (metrics.present.headline puts it first)."""
    tile = page.locator(TILES).first
    assert "诉求量" in tile.locator('[data-testid="stMetricLabel"]').inner_text()
    return tile.locator('[data-testid="stMetricValue"]').inner_text().strip()


def count(store, period: str, unit: str | None = None) -> str:
    p = parse_period(period)
    sql = "SELECT count(*) FROM requests r WHERE r.received_at >= $start AND r.received_at < $end"
    params = {"start": p.start, "end": p.end}
    if unit is not None:
        sql += " AND r.unit_id IN (SELECT unit_id FROM unit_ancestors WHERE ancestor_id = $unit)"
        params["unit"] = unit
    return fmt_count(store.execute(sql, params).fetchone()[0], "zh")


def picks(store, picker: str) -> tuple[str, str, list[tuple[str, str]]]:
    """(the box's label, the URL key, four (URL value, displayed text) picks) of one picker."""
    if picker == "period":
        return t("period.month"), "period", [(m, fmt_period(parse_period(m), "zh")) for m in PERIOD_PICKS]
    if picker == "level":
        return t("level.shown"), "level", [(lv, t(f"level.{lv}")) for lv in LEVEL_PICKS]
    districts = store.execute("SELECT unit_id, name FROM units WHERE level = 'district' ORDER BY unit_id").fetchall()
    assert len(districts) >= 4, "the demo city has at least four districts"
    return t("level.district"), "unit", districts[:4]


@pytest.mark.parametrize("picker", ("period", "unit", "level"))
def test_four_picks_in_a_row(live_server, browser, store, picker):
    label, key, chosen = picks(store, picker)
    page = open_page(browser, f"{live_server}/?period={START}&level=street")
    try:
        wait_rendered(page, (TILES,))
        for value, text in chosen:
            choose(page, label, text)
            settle(page, key, value)
            assert shown(page, label) == text, f"the {picker} box snapped back after picking {text}"
            assert url_param(page, key) == value, page.url
            assert {"period": f"统计周期 {text}", "unit": f"单位 {text}",
                    "level": f"展示层级 {text}"}[picker] in caption(page)
            if picker != "level":   # the tiles count the picked period's / unit's requests
                period, unit = (value, None) if picker == "period" else (START, value)
                assert requests_tile(page) == count(store, period, unit), f"the tiles after picking {text}"
            if picker != "period":
                assert url_param(page, "period") == START, "the other filters stay"
            assert_no_error(page)
    finally:
        page.context.close()
