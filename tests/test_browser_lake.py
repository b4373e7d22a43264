"""A store whose requests live in a lake shows the same pages as the store they were exported from.

The demo city is exported as a lake, its roll-ups built by the job (DuckDB here; Spark gives the same
files, tests/test_spark_parity.py), and attached to a copy of the store without requests. Both are
served by the real app and read in headless Chromium: the overview's text (tiles, trend, lists, alerts)
and the resolution page's are the same, and neither shows an error.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from metrics.store.lake import attach_rollups, lake_of
from metrics.store.snapshots import open_read
from tests.conftest import assert_no_error, open_page, running_server, screenshot
from tests.test_lake import emptied_copy, lake_and_rollups

pytestmark = pytest.mark.browser
PAGES = ("/?period=2026-10", "/resolution?period=2026-09&level=street")


def main_text(browser, url: str) -> str:
    """The page's main area as a reader sees it (figures, labels, lists), without the run time."""
    page = open_page(browser, url, width=1600, height=1100)
    try:
        text, since = None, time.monotonic()
        deadline = since + 60
        while time.monotonic() < deadline:   # tables and fragments may draw after the script has finished
            now = page.locator('[data-testid="stMain"]').inner_text()
            if now != text:
                text, since = now, time.monotonic()
            elif time.monotonic() - since > 2.0:
                break
            time.sleep(0.3)
        assert_no_error(page)
        return text, page
    except BaseException:
        page.context.close()
        raise


def served_copy(store: Path, base: Path) -> Path:
    """``store``'s lake and roll-ups attached to a copy of it without requests."""
    lake_and_rollups(store, base, month=None)
    served = emptied_copy(store, base / "served.duckdb")
    attach_rollups(served, base / "rollups")
    return served


def test_a_lake_backed_store_shows_the_same_pages(demo_store, browser, tmp_path):
    served = served_copy(demo_store, tmp_path)
    con = open_read(served)
    assert lake_of(con) == str((tmp_path / "lake").resolve())
    con.close()
    with running_server(demo_store) as original_url, running_server(served) as served_url:
        for path in PAGES:
            want, page_a = main_text(browser, original_url + path)
            got, page_b = main_text(browser, served_url + path)
            name = re.sub(r"\W+", "-", path).strip("-") or "overview"
            screenshot(page_a, f"lake-original-{name}")
            screenshot(page_b, f"lake-served-{name}")
            page_a.context.close()
            page_b.context.close()
            assert re.search(r"\d", want) and len(want) > 200, want[:200]
            assert got == want
