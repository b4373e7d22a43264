"""The real server, started cold, in headless Chromium: the Overview and a deep link."""
from __future__ import annotations

import pytest

from tests.conftest import assert_no_error, open_page, running_server, screenshot, wait_idle
from tests.test_frame import existing_pages

pytestmark = pytest.mark.browser


def test_overview_shows_four_kpi_tiles_with_change(live_server, browser):
    page = open_page(browser, live_server + "/")
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    wait_idle(page)   # the first tiles drawn may belong to a run still going; read the finished page
    tiles = page.locator('[data-testid="stMetric"]')
    text = [tiles.nth(i).inner_text() for i in range(min(tiles.count(), 4))]
    for label, tile in zip(["诉求量", "响应率", "解决率", "满意率"], text):
        assert label in tile
    deltas = page.locator('[data-testid="stMetricDelta"]')
    assert deltas.count() >= 4, "every KPI tile shows its month-on-month change"
    assert "数据截至" in page.inner_text("body")
    assert_no_error(page)
    screenshot(page, "frame-overview-1920")
    page.context.close()


def test_deep_link_is_the_first_request_to_a_cold_server(demo_store, browser):
    deep = [p for p in existing_pages() if p != "overview"]
    assert deep, "app.py registers pages besides the Overview"
    with running_server(demo_store) as url:
        page = open_page(browser, f"{url}/{deep[0]}?lang=en")
        nav = page.locator('[data-testid="stSidebarNav"]')
        assert nav.count() == 1, "the deep link ran app.py (its navigation is there)"
        assert "Overview" in nav.inner_text(), "the frame's language came from the URL"
        assert_no_error(page)
        for name in deep[1:]:
            page.goto(f"{url}/{name}")
            wait_idle(page)
            assert_no_error(page)
        page.context.close()
