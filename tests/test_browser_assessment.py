"""The assessment page in a real browser: the Excel downloaded from the page equals the scores command."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import ROOT, assert_no_error, open_page, running_server, screenshot, wait_idle

pytestmark = [pytest.mark.browser,
              pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")]


@pytest.fixture(scope="module")
def server(demo_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """A server of its own, so the export log goes to a temporary file, not beside the shared store."""
    log = tmp_path_factory.mktemp("browser-log") / "exports.jsonl"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRIDSCORE_EXPORT_LOG", str(log))
        mp.setenv("GRIDSCORE_CUSTOM_SCHEMES", str(log.parent / "custom"))
        with running_server(demo_store) as url:
            yield url, log


def test_download_excel_from_the_page(server, browser, demo_store, tmp_path):
    url, log = server
    page = open_page(browser, f"{url}/assessment?scheme=beijing-3rates&period=2026-09&level=street")
    try:
        assert_no_error(page)
        page.get_by_role("tab", name="导出").click()
        wait_idle(page)
        button = page.get_by_test_id("stDownloadButton").filter(has_text="全部单位 · XLSX").first
        with page.expect_download(timeout=60_000) as info:
            button.click()
        download = info.value
        path = tmp_path / download.suggested_filename
        download.save_as(path)
        screenshot(page, "assessment-export")
    finally:
        page.context.close()
    assert path.suffix == ".xlsx"
    ref_text = subprocess.run([sys.executable, "-m", "metrics", "scores", "--db", str(demo_store), "--period",
                               "2026-09", "--scheme", "beijing-3rates", "--format", "csv"],
                              cwd=ROOT, capture_output=True, text=True, check=True).stdout
    ref = {r["unit_id"]: r for r in csv.DictReader(io.StringIO(ref_text))}
    ws = openpyxl.load_workbook(path)["考核排名"]
    header = [c.value for c in ws[4]]
    rows = [dict(zip(header, r)) for r in ws.iter_rows(min_row=5, values_only=True) if r[1]]
    assert {r["单位编码"] for r in rows} == set(ref)
    for r in rows:
        want = ref[r["单位编码"]]
        assert r["单位"] == want["unit_name"]
        if want["score"]:
            assert round(r["综合得分"], 4) == pytest.approx(float(want["score"]), abs=1e-4)
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert entries and entries[-1]["format"] == "xlsx" and entries[-1]["via"] == "page"
    assert entries[-1]["files"][0]["name"] == path.name


def test_tabs_render_in_the_browser(server, browser):
    url, _ = server
    page = open_page(browser, f"{url}/assessment?scheme=beijing-3rates-window&period=2026-09&lang=en")
    try:
        for name in ("Unit scorecard", "Compare schemes", "Fairness"):
            page.get_by_role("tab", name=name).click()
            wait_idle(page)
            assert_no_error(page)
        page.locator(".js-plotly-plot .main-svg >> visible=true").first.wait_for(timeout=30_000)
        screenshot(page, "assessment-fairness")
    finally:
        page.context.close()
