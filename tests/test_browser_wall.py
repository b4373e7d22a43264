"""The wall (/wall) in headless Chromium against the real server, as a wall screen shows it:
1920×1080 and 3840×2160, dark, no sidebar, KPI numbers visible, the deck.gl map and the plotly
trend drawn, no error, no vertical scrolling, nothing fetched from the internet. On the 4K screen
the page reloads itself with ?scale=2, and the plotly text and the map's drawn city grow with the
screen (both are sized in pixels, not vh). Screenshots go to test-artifacts/wall-<width>.png.
"""
from __future__ import annotations

import io
import re
import time
from urllib.parse import urlparse

import numpy as np
import pytest
from PIL import Image

from metrics.present import wall
from metrics.core.access import DEMO_VIEWER
from metrics.core.formats import fmt_count, fmt_rate
from metrics.store.snapshots import open_read
from views import wall_parts as parts
from tests.conftest import ROOT, assert_no_error, running_server, screenshot, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.timeout(400)]

DECK = '[data-testid="stDeckGlJsonChart"] canvas'
PLOTLY = ".js-plotly-plot .main-svg"
SIZES = ((1920, 1080), (3840, 2160))
TICK_FONT = "document.querySelector('.st-key-wall_trend .xtick text').style.fontSize"


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
        if width > 1920:  # detected from the window, no parameter given: the page reloads with ?scale=2
            page.wait_for_url(re.compile(r"[?&]scale=2(&|$)"), timeout=90_000)
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
        assert ("scale=" in page.url) == (width > 1920), page.url
        tick = float(page.evaluate(TICK_FONT).removesuffix("px"))
        assert tick >= 15 * height / 1080, f"trend tick text {tick}px on a {height}px-high screen"
        extent = _drawn_extent(page.locator(DECK).first.screenshot())
        assert max(extent) >= 0.8, f"the city fills only {extent} of the map box (width, height)"
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


def _drawn_extent(png: bytes) -> tuple[float, float]:
    """Share of the map canvas's width and height spanned by drawn polygons: pixels that differ
    from the panel background (the dark basemap) by more than a little."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    background = np.array([int(parts.PANEL[i:i + 2], 16) for i in (1, 3, 5)])
    drawn = np.abs(pixels - background).sum(axis=2) > 40
    cols, rows = np.flatnonzero(drawn.any(axis=0)), np.flatnonzero(drawn.any(axis=1))
    if not len(cols):
        return 0.0, 0.0
    return (round(float(cols[-1] - cols[0] + 1) / drawn.shape[1], 3),
            round(float(rows[-1] - rows[0] + 1) / drawn.shape[0], 3))


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
