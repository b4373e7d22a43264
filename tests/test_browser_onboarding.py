"""The /data onboarding in headless Chromium against the real server, on a store that holds only
a city: load the boroughs in the Units tab and the NYC neighbourhoods in the Boundaries tab, upload the NYC 311 file, change one
mapping field (category <- Descriptor), dry run (nothing written), import, and the overview then
counts the new rows. Every figure is checked against the store or pandas over the source file.
Loading is for administrators: the server runs with local auth and the test signs in as an admin.
Screenshots go to test-artifacts/onboarding-*.png."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from metrics.ingest.mapping import DEFAULT_NULLS, load_mapping
from metrics.ingest.service import preview
from metrics.ingest.onboard import sniff, with_columns
from metrics.present.onboarding import dry_run
from tests.auth_fixtures import PASSWORD, SECRET
from tests.conftest import ROOT, assert_no_error, open_page, running_server, screenshot, wait_idle
from tests.test_realdata import DATA

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600),
              pytest.mark.skipif(DATA is None, reason="no shared/realdata folder")]
UPLOAD = '[data-testid="stFileUploaderDropzoneInput"]'
PANEL = '[data-testid="stTabPanel"]:visible'


def choose(page, label: str, option: str) -> None:
    """Pick an option of the select box labelled `label` (a collapsed label is still its aria-label)."""
    page.get_by_label(label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def selected(page, label: str) -> str:
    return page.get_by_label(label, exact=True).input_value().strip()


def signed_in(browser, url: str, **size):
    """A page of ``url`` after signing in as the admin account (the session holds the login)."""
    page = open_page(browser, url, **size)
    page.get_by_label("账号").fill("root")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector('input[type="password"]', state="detached", timeout=90_000)
    wait_idle(page, 90_000)
    return page


def admin_config(home: Path) -> dict[str, str]:
    """Local auth with one admin account, ``root``: the server environment naming it."""
    from metrics.core.accounts import add_account

    (home / "gridscore.toml").write_text(
        f'[auth]\nmode = "local"\ncookie_secret = "{SECRET}"\nusers_file = "users.json"\naudit_log = "audit.jsonl"\n',
        encoding="utf-8")
    add_account(home / "users.json", "root", "admin", None, PASSWORD)
    return {"GRIDSCORE_CONFIG": str(home / "gridscore.toml")}


def store_count(db: Path, sql: str) -> object:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_onboarding_in_the_browser(tmp_path: Path, browser, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDSCORE_CUSTOM_MAPPINGS", str(tmp_path / "presets"))
    db = tmp_path / "nyc.duckdb"
    subprocess.run([sys.executable, "-m", "metrics", "init", "--db", str(db), "--city", "New York",
                    "--tz", "America/New_York"], cwd=ROOT, check=True, capture_output=True)
    source = DATA / "nyc311-100.csv"
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    with running_server(db, env=admin_config(tmp_path)) as url:
        page = signed_in(browser, url, width=1600, height=1000, timeout_ms=120_000)
        page.locator('[data-testid="stSidebarNav"] a', has_text="数据管理").click()
        page.get_by_role("tab", name="单位层级").wait_for(timeout=90_000)
        wait_idle(page)
        # the boroughs as districts, through the same function as `metrics units`
        boroughs = ["MANHATTAN", "BROOKLYN", "QUEENS", "BRONX", "STATEN ISLAND"]
        units = tmp_path / "boroughs.csv"
        units.write_text("unit_id,name,level,parent_id\n" + "".join(f"B{i},{b},district,city\n" for i, b in enumerate(boroughs)),
                         encoding="utf-8")
        page.get_by_role("tab", name="单位层级").click()
        page.locator(PANEL).locator(UPLOAD).set_input_files(str(units))
        wait_idle(page)
        page.get_by_role("button", name="导入单位").click()
        page.get_by_text("读取 5 · 新增 5").wait_for(timeout=60_000)
        assert store_count(db, "SELECT count(*) FROM units WHERE level = 'district'") == 5
        # boundaries, through the same function as `metrics boundaries`
        page.get_by_role("tab", name="边界").click()
        page.locator(PANEL).locator(UPLOAD).set_input_files(str(DATA / "nyc_neighborhoods.geojson"))
        wait_idle(page)
        choose(page, "单位层级（新建时必填）", "street")
        page.get_by_text("为未匹配的要素新建单位").click()
        wait_idle(page)
        page.get_by_role("button", name="导入边界").click()
        page.get_by_text("读取 188 · 新增 188").wait_for(timeout=120_000)
        screenshot(page, "onboarding-1-boundaries")
        assert store_count(db, "SELECT count(*) FROM boundaries") == 188

        # the requests file: the guessed mapping as a table
        page.get_by_role("tab", name="工单").click()
        page.locator(PANEL).locator(UPLOAD).set_input_files(str(source))
        page.get_by_text("字段映射：nyc311").wait_for(timeout=60_000)
        wait_idle(page)
        assert selected(page, "category") == "Complaint Type"
        choose(page, "category", "Descriptor")
        assert selected(page, "category") == "Descriptor"
        screenshot(page, "onboarding-2-mapping")

        # no import before a dry run of this mapping; the dry run writes nothing
        assert page.get_by_role("button", name="开始导入").count() == 0
        page.get_by_role("button", name=re.compile("试运行")).click()
        wait_idle(page)
        page.get_by_role("button", name="开始导入").wait_for(timeout=60_000)
        assert store_count(db, "SELECT count(*) FROM requests") == 0
        tiles = {m.locator('[data-testid="stMetricLabel"]').inner_text().strip():
                 m.locator('[data-testid="stMetricValue"]').inner_text().strip()
                 for m in page.locator('[data-testid="stMetric"]').all()}
        sniffed = sniff(source)
        mapping = with_columns(sniffed.mapping, {"category": "Descriptor"})
        expected = dry_run(preview(source, db, mapping, rows=200)[1])
        assert tiles["接收"] == f"{expected.accepted} / 100"
        assert tiles["拒收"] == f"{expected.rejected} / 100"
        assert tiles["未定位（计入全市）"] == f"{expected.unplaced} / 100"
        # the borough names place the rows that have one (and no point inside a neighbourhood)
        named = frame["Borough"].str.strip().isin(boroughs) & (frame["Latitude"].str.strip() == "")
        assert expected.unplaced == int((~frame["Borough"].str.strip().isin(boroughs)
                                         & (frame["Latitude"].str.strip() == "")).sum()) and named.any()
        assert expected.accepted + expected.rejected + expected.unplaced == 100 and expected.accepted > 0
        screenshot(page, "onboarding-3-dry-run")

        page.get_by_role("button", name="开始导入").click()
        page.get_by_text(re.compile(r"读取 100 · 新增 100")).wait_for(timeout=120_000)
        wait_idle(page)
        assert_no_error(page)
        screenshot(page, "onboarding-4-imported")
        # the edited mapping saved as a preset, read back
        page.get_by_label(re.compile("保存为预设")).fill("nyc-edited")
        page.get_by_label(re.compile("保存为预设")).press("Enter")
        wait_idle(page)
        page.get_by_role("button", name="保存映射").click()
        page.get_by_text(re.compile("已保存预设 nyc-edited")).wait_for(timeout=60_000)
        saved = load_mapping(tmp_path / "presets" / "nyc-edited.toml")
        from metrics.core import audit   # every load and the preset save, by the signed-in admin
        done = [(e["who"], e["action"], e.get("kind") or e.get("name")) for e in audit.read(tmp_path / "audit.jsonl")[::-1]
                if e["action"] in ("import", "mapping_save")]
        assert done == [("root", "import", "units"), ("root", "import", "boundaries"), ("root", "import", "requests"),
                        ("root", "mapping_save", "nyc-edited")]
        assert saved.columns["category"] == ("Descriptor",) and saved.columns["request_id"] == ("Unique Key",)
        # the edited field took effect: categories are the Descriptor column
        con = duckdb.connect(str(db), read_only=True)
        stored = con.execute("SELECT category, count(*) FROM requests GROUP BY 1").fetchall()
        con.close()
        empty = {"", *(v.lower() for v in DEFAULT_NULLS)}   # blanks and markers such as N/A are empty
        values = frame["Descriptor"].str.strip()
        want = values[~values.str.lower().isin(empty)].value_counts().to_dict()
        assert {c: n for c, n in stored if c is not None} == want

        # the overview counts the new rows, over the whole span of the data
        span = store_count(db, "SELECT strftime(min(received_at), '%Y-%m-%d') || '..' || "
                               "strftime(max(received_at), '%Y-%m-%d') FROM requests")
        page.context.close()
        page = signed_in(browser, f"{url}/?period={span}", width=1600, height=1000, timeout_ms=120_000)
        page.wait_for_selector('[data-testid="stMetric"]', timeout=120_000)
        first = page.locator('[data-testid="stMetric"]').first
        assert first.locator('[data-testid="stMetricValue"]').inner_text().strip() == "100"
        assert_no_error(page)
        screenshot(page, "onboarding-5-overview")
