"""The wall (/wall) in headless Chromium against the real server, as a wall screen shows it:
1920×1080 and 3840×2160, dark, no sidebar, KPI numbers visible, the deck.gl map and the plotly
trend drawn, no error, no vertical scrolling, nothing fetched from the internet.
Screenshots go to test-artifacts/wall-<width>.png.
"""
from __future__ import annotations

import re
import time
from urllib.parse import urlparse

import pytest

from metrics import wall
from metrics.access import DEMO_VIEWER
from metrics.i18n import fmt_count, fmt_rate
from metrics.store import open_read
from tests.conftest import ROOT, assert_no_error, running_server, screenshot, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.timeout(400)]

DECK = '[data-testid="stDeckGlJsonChart"] canvas'
PLOTLY = ".js-plotly-plot .main-svg"
SIZES = ((1920, 1080), (3840, 2160))


def _wall_in_menu() -> bool:
    return re.search(r'\(\s*"admin",\s*"wall"', (ROOT / "app.py").read_text(encoding="utf-8")) is not None


@pytest.fixture(scope="module")
def server(demo_store):
    if not _wall_in_menu():
        pytest.skip("app.py does not list the wall page yet")
    with running_server(demo_store) as url:
        yield url


@pytest.fixture(scope="module")
def expected(demo_store) -> dict[str, str]:
    con = open_read(demo_store)
    try:
        data = wall.assemble(con, DEMO_VIEWER, "zh")
    finally:
        con.close()
    kpis = {k.metric_id: k for k in data.kpis}
    return {
        "requests": fmt_count(kpis["requests"].value, "zh"),
        "satisfaction": fmt_rate(kpis["satisfaction_rate"].value, "zh"),
        "score": f"{data.score['value']:.1f}",
    }


@pytest.mark.parametrize("width, height", SIZES)
def test_wall_fills_the_screen(server, browser, expected, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1,
                                  locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(90_000)
    outside: list[str] = []
    page.on("request", lambda req: outside.append(req.url) if req.url.startswith("http")
            and urlparse(req.url).hostname not in ("127.0.0.1", "localhost") else None)
    try:
        page.goto(f"{server}/wall")
        page.wait_for_selector(".wall-kpis")
        page.wait_for_selector(DECK, state="attached")
        page.wait_for_selector(PLOTLY)
        wait_idle(page, 90_000)
        time.sleep(2)  # deck.gl draws after the canvas is attached
        assert_no_error(page)

        tiles = page.locator(".wall-kpi")
        assert tiles.count() == 5
        kpi_text = page.inner_text(".wall-kpis")
        for value in expected.values():
            assert value in kpi_text, f"{value} not on the KPI row: {kpi_text!r}"
        assert all(tiles.nth(i).is_visible() for i in range(5))
        box = tiles.nth(0).bounding_box()
        assert box and box["y"] + box["height"] <= height

        canvas = page.locator(DECK).first.bounding_box()
        assert canvas and canvas["width"] > width * 0.3 and canvas["height"] > height * 0.4, canvas
        assert page.locator(PLOTLY).count() >= 1
        assert page.locator('[data-testid="stSidebar"]').is_hidden()
        assert page.locator('[data-testid="stHeader"]').is_hidden()
        assert "数据截至" in page.inner_text("body")

        scroll, inner = page.evaluate("[document.scrollingElement.scrollHeight, window.innerHeight]")
        main_scroll = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
        assert scroll <= inner + 4 and main_scroll <= inner + 4, (scroll, main_scroll, inner)
        bg = page.evaluate("getComputedStyle(document.querySelector('[data-testid=stMain]')).backgroundColor")
        assert sum(int(c) for c in re.findall(r"\d+", bg)[:3]) < 120, f"background is not dark: {bg}"
        assert not outside, f"fetched from the internet: {outside[:5]}"
        screenshot(page, f"wall-{width}")
    finally:
        context.close()


def test_wall_pinned_panel_in_english(server, browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        page.goto(f"{server}/wall?lang=en&panel=3")
        page.wait_for_selector(".wall-kpis")
        page.wait_for_selector(DECK, state="attached")
        wait_idle(page, 90_000)
        assert_no_error(page)
        body = page.inner_text("body")
        assert "Alerts this week" in body and "Composite score" in body and "Data as of" in body
        screenshot(page, "wall-1920-en-alerts")
    finally:
        context.close()
