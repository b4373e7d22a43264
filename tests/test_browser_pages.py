"""The dashboard pages in headless Chromium against the real server: deep links render their
charts, the map drills down on a click, a copied URL reproduces its filters, nothing is fetched
from the internet. Screenshots at 1920×1080 and 1366×768 go to test-artifacts/.
"""
from __future__ import annotations

import http.server
import threading
import time
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest

from tests.conftest import assert_no_error, free_port, open_page, running_server, screenshot, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

PLOTLY = ".js-plotly-plot .main-svg"
DECK = '[data-testid="stDeckGlJsonChart"] canvas'
# page -> (path, selectors that must appear)
PAGES = {
    "overview": ("/", (PLOTLY, '[data-testid="stMetric"]')),
    "map": ("/map", (DECK,)),
    "response": ("/response", (PLOTLY, '[data-testid="stMetric"]')),
    "resolution": ("/resolution", (PLOTLY,)),
    "satisfaction": ("/satisfaction", (PLOTLY,)),
    "requests": ("/requests", ('[data-testid="stDataFrame"]',)),
    "glossary": ("/glossary", ('[data-testid="stDataFrame"]',)),
}


@pytest.fixture(scope="module")
def sample(demo_store) -> dict[str, str]:
    con = duckdb.connect(str(demo_store), read_only=True)
    try:
        street = con.execute("SELECT unit_id, name FROM units WHERE level = 'street' ORDER BY unit_id LIMIT 1").fetchone()
        category = con.execute("SELECT category FROM requests GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
        return {"street": street[0], "street_name": street[1], "category": category}
    finally:
        con.close()


def wait_rendered(page, selectors: tuple[str, ...], timeout_ms: int = 90_000) -> None:
    """The page's title, every selector, then no running script and a stable element count."""
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=timeout_ms)
    for selector in selectors:
        page.wait_for_selector(selector, timeout=timeout_ms)
    wait_idle(page, timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    last = -1
    while time.monotonic() < deadline:
        count = page.locator('[data-testid="stElementContainer"]').count()
        skeletons = page.locator('[data-testid="stSkeleton"]').count()
        if count == last and not skeletons:
            return
        last = count
        time.sleep(1.0)
    raise TimeoutError(f"{page.url} kept changing for {timeout_ms} ms")


def external_requests(page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda req: seen.append(req.url)
            if urlparse(req.url).hostname not in ("127.0.0.1", "localhost", None) and req.url.startswith("http")
            else None)
    return seen


@pytest.mark.parametrize("name", list(PAGES))
def test_page_by_deep_link_renders_its_charts(live_server, browser, name):
    path, selectors = PAGES[name]
    for width, height in ((1920, 1080), (1366, 768)):
        page = open_page(browser, f"{live_server}{path}", width=width, height=height)
        try:
            wait_rendered(page, selectors)
            assert_no_error(page)
            body = page.inner_text("body")
            assert "数据截至" in body
            screenshot(page, f"pages-{name}-{width}")
        finally:
            page.context.close()


def test_map_click_drills_down_and_the_filter_bar_follows(live_server, browser):
    page = open_page(browser, f"{live_server}/map?level=district")
    try:
        seen = external_requests(page)
        wait_rendered(page, (DECK,))
        canvas = page.locator(DECK).first
        box = canvas.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x - 3, y - 3)
        page.mouse.move(x, y)
        page.wait_for_selector(".deck-tooltip", timeout=15_000)
        tip = page.locator(".deck-tooltip").first.inner_text()
        assert "满意率" in tip and "诉求量" in tip and "<" not in tip, f"tooltip: {tip!r}"
        page.mouse.click(x, y)
        page.wait_for_function("() => window.location.search.includes('level=street')", timeout=60_000)
        wait_rendered(page, (DECK,))
        query = parse_qs(urlparse(page.url).query)
        assert query["level"] == ["street"] and query.get("unit"), page.url
        caption = page.locator('[data-testid="stCaptionContainer"]').first.inner_text()
        assert "展示层级 街道" in caption and "单位 全市" not in caption, caption
        district_box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').nth(1).inner_text()
        assert "全部" not in district_box.split("\n")[-1], f"the district box follows the click: {district_box}"
        assert_no_error(page)
        screenshot(page, "pages-map-drilled-1920")
        assert not seen, f"the map fetched from the internet: {seen[:3]}"
    finally:
        page.context.close()


def test_copied_url_reproduces_the_filters(live_server, browser, sample):
    url = f"{live_server}/response?period=2026-Q3&unit={sample['street']}&level=community&cat={sample['category']}"
    first = open_page(browser, url)
    try:
        wait_rendered(first, (PLOTLY,))
        copied = first.url
        caption = first.locator('[data-testid="stCaptionContainer"]').first.inner_text()
        tiles = first.locator('[data-testid="stMetricValue"]').all_inner_texts()
    finally:
        first.context.close()
    assert "2026-Q3" in copied and sample["street"] in copied
    assert "2026年第3季度" in caption and sample["street_name"] in caption
    second = open_page(browser, copied, width=1366, height=768)
    try:
        wait_rendered(second, (PLOTLY,))
        assert second.locator('[data-testid="stCaptionContainer"]').first.inner_text() == caption
        assert second.locator('[data-testid="stMetricValue"]').all_inner_texts() == tiles
        assert_no_error(second)
    finally:
        second.context.close()


def test_english_deep_link_translates_the_page(live_server, browser):
    page = open_page(browser, f"{live_server}/resolution?lang=en")
    try:
        wait_rendered(page, (PLOTLY,))
        body = page.inner_text("body")
        assert "Data as of" in body and "Handling funnel" in body and "数据截至" not in body
        assert_no_error(page)
        screenshot(page, "pages-resolution-en-1920")
    finally:
        page.context.close()


class _Tiles(http.server.BaseHTTPRequestHandler):
    """An intranet tile server stand-in: a 1×1 PNG for any path, remembering what was asked."""

    PNG = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c49444154789c6338f1ec"
        "3f00052702ae1fa78eda0000000049454e44ae426082"
    )
    asked: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        _Tiles.asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(self.PNG)

    def log_message(self, *args) -> None:
        pass


def test_intranet_tile_url_is_used_as_the_basemap(demo_store, browser, monkeypatch):
    port = free_port()
    tiles = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Tiles)
    threading.Thread(target=tiles.serve_forever, daemon=True).start()
    monkeypatch.setenv("GRIDSCORE_TILE_URL", f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png")
    try:
        with running_server(demo_store) as url:
            page = open_page(browser, f"{url}/map?level=district")
            try:
                seen = external_requests(page)
                wait_rendered(page, (DECK,))
                deadline = time.monotonic() + 30
                while not _Tiles.asked and time.monotonic() < deadline:
                    time.sleep(0.5)
                assert _Tiles.asked, "no tile was requested from GRIDSCORE_TILE_URL"
                assert not seen, f"fetched from the internet: {seen[:3]}"
                assert_no_error(page)
            finally:
                page.context.close()
    finally:
        tiles.shutdown()


def test_requests_csv_download_is_masked_utf8_with_bom(live_server, browser, tmp_path):
    page = open_page(browser, f"{live_server}/requests?metric=satisfaction_rate")
    try:
        wait_rendered(page, ('[data-testid="stDataFrame"]',))
        with page.expect_download(timeout=120_000) as download:
            page.locator('[data-testid="stDownloadButton"] button').first.click()
        path = tmp_path / "rows.csv"
        download.value.save_as(path)
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, so Excel reads the Chinese"
        text = raw.decode("utf-8-sig")
        header, first = text.splitlines()[:2]
        assert "电话" in header and "得分" in header
        phone = first.split(",")[header.split(",").index("电话")]
        assert "*" in phone, f"phone not masked: {phone}"
        assert_no_error(page)
    finally:
        page.context.close()


def test_switching_language_keeps_the_filters(live_server, browser, sample):
    page = open_page(browser, f"{live_server}/response?period=2026-08&unit={sample['street']}")
    try:
        wait_rendered(page, (PLOTLY,))
        for label, expect in (("English", "Period Aug 2026"), ("中文", "统计周期 2026年8月")):
            page.get_by_text(label, exact=True).click()
            page.wait_for_function(
                "t => document.querySelector('[data-testid=\"stCaptionContainer\"]')?.innerText.includes(t)",
                arg=expect, timeout=60_000)
            wait_rendered(page, (PLOTLY,))
            query = parse_qs(urlparse(page.url).query)
            assert query["unit"] == [sample["street"]] and query["period"] == ["2026-08"], page.url
            assert_no_error(page)
    finally:
        page.context.close()


def test_clicking_a_chart_opens_the_rows_behind_it(live_server, browser):
    page = open_page(browser, f"{live_server}/")
    try:
        wait_rendered(page, (PLOTLY,))
        hot = page.locator(".js-plotly-plot").nth(1)          # the category hot list
        bar = hot.locator("g.point path").first
        bar.scroll_into_view_if_needed()
        bar.click(force=True)
        page.wait_for_function("() => window.location.pathname.endsWith('/requests')", timeout=60_000)
        wait_rendered(page, ('[data-testid="stDataFrame"]',))
        query = parse_qs(urlparse(page.url).query)
        assert query.get("cat") and query.get("period"), page.url
        assert query["cat"][0] in page.locator('[data-testid="stSidebar"]').inner_text()
        assert_no_error(page)
    finally:
        page.context.close()
