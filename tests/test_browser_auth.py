"""Login, roles and hostile text in headless Chromium against the real server.

- auth off: anonymous visitors get no upload and no scheme saving; every page's DOM over a store of
  Markdown / HTML payloads has no link, bold, image or script made from data, and no unmasked number;
- local auth: a unit account sees only its own subtree and "no access" for another unit's URL; a
  display account sees only the wall; the server listens on 127.0.0.1 only.
"""
from __future__ import annotations

import re
import socket
import unicodedata

import duckdb
import pytest

from tests.auth_fixtures import PASSWORD, SECRET
from tests.conftest import open_page, running_server, screenshot, wait_idle
from tests.payload_fixtures import PLANTED, build_payload_store

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

ANON_PAGES = ("", "map", "response", "resolution", "satisfaction", "requests", "assessment", "glossary", "data",
              "wall")
# What data must never become in the DOM: links to the payload host, emphasis around payload words,
# images / scripts from payloads, a coloured :red[] directive.
DOM_CHECK = """() => {
  const external = [...document.querySelectorAll('a')].filter(a => {
      try { return new URL(a.href, location.href).hostname.includes('evil.example'); } catch (e) { return false; } });
  const svgLinks = document.querySelectorAll('svg a');
  const emphasis = [...document.querySelectorAll('b, strong, em, i')].filter(e => /粗体|加粗|斜体|恶意|钓鱼/.test(e.textContent));
  const images = document.querySelectorAll('img[src="x"], img[onerror]');
  const scripts = [...document.querySelectorAll('script')].filter(s => s.textContent.includes('alert(1)'));
  const red = [...document.querySelectorAll('span')].filter(s => s.textContent === '红色');
  return {external: external.length, svg: svgLinks.length, emphasis: emphasis.map(e => e.outerHTML.slice(0, 80)),
          images: images.length, scripts: scripts.length, red: red.length};
}"""


def planted_in(text: str) -> list[str]:
    folded = re.sub(r"[\s.\-]", "", unicodedata.normalize("NFKC", text))
    return [n for n in PLANTED if n in folded]


def dom_text(page) -> str:
    """The visible text and every SVG text (chart ticks, labels)."""
    return page.inner_text("body") + "\n".join(page.eval_on_selector_all("svg text", "els => els.map(e => e.textContent)"))


@pytest.fixture(scope="module")
def payload_server(demo_store, tmp_path_factory):
    store = build_payload_store(demo_store, tmp_path_factory.mktemp("payload") / "payload.duckdb")
    with running_server(store) as url:
        yield url


@pytest.fixture(scope="module")
def auth_server(demo_store, tmp_path_factory):
    from metrics.core.accounts import add_account

    con = duckdb.connect(str(demo_store), read_only=True)
    street, other = [r[0] for r in con.execute(
        "SELECT unit_id FROM units WHERE level = 'street' ORDER BY unit_id LIMIT 2").fetchall()]
    names = dict(con.execute("SELECT unit_id, name FROM units").fetchall())
    subtree = {names[r[0]] for r in con.execute(
        "SELECT unit_id FROM unit_ancestors WHERE ancestor_id = $s", {"s": street}).fetchall()}
    con.close()
    home = tmp_path_factory.mktemp("auth")
    (home / "gridscore.toml").write_text(
        f'[auth]\nmode = "local"\ncookie_secret = "{SECRET}"\nusers_file = "users.json"\naudit_log = "audit.jsonl"\n',
        encoding="utf-8")
    add_account(home / "users.json", "unit", "unit", street, PASSWORD)
    add_account(home / "users.json", "wall", "display", None, PASSWORD)
    with running_server(demo_store, env={"GRIDSCORE_CONFIG": str(home / "gridscore.toml")}) as url:
        yield {"url": url, "street": street, "street_name": names[street], "other": other,
               "other_name": names[other], "subtree": subtree}


def log_in(browser, url: str, name: str):
    page = open_page(browser, url)
    page.get_by_label("账号").fill(name)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector('input[type="password"]', state="detached", timeout=90_000)
    wait_idle(page, 90_000)
    return page


def nav_paths(page) -> list[str]:
    hrefs = page.eval_on_selector_all('[data-testid="stSidebarNav"] a', "els => els.map(a => a.href)")
    return [h.split("/")[-1].split("?")[0] for h in hrefs]


def test_anonymous_pages_turn_no_data_into_markup_and_mask_numbers(browser, payload_server):
    payload_seen = False
    for path in ANON_PAGES:
        page = open_page(browser, f"{payload_server}/{path}?period=2026-09")
        page.wait_for_timeout(2000)
        wait_idle(page, 90_000)
        found = page.evaluate(DOM_CHECK)
        assert found == {"external": 0, "svg": 0, "emphasis": [], "images": 0, "scripts": 0, "red": 0}, (path, found)
        text = dom_text(page)
        assert not planted_in(text), (path, planted_in(text))
        payload_seen |= "evil.example" in text
        if path == "":
            screenshot(page, "payloads-overview")
        page.context.close()
    assert payload_seen, "the payloads are on the pages, shown as text"


def test_anonymous_gets_no_upload_and_no_scheme_saving(browser, payload_server):
    page = open_page(browser, f"{payload_server}/data")
    assert page.locator('input[type="file"]').count() == 0
    assert "gridscore.toml" in page.inner_text("body") and "metrics user add" in page.inner_text("body")
    page.context.close()
    page = open_page(browser, f"{payload_server}/assessment")
    page.locator('[data-testid="stExpander"] summary').first.click()
    wait_idle(page)
    assert page.locator('[data-testid="stFormSubmitButton"]').count() == 0
    assert "gridscore.toml" in page.inner_text('[data-testid="stExpander"]')
    page.context.close()


def test_unit_account_sees_only_its_subtree(browser, auth_server):
    page = log_in(browser, auth_server["url"], "unit")
    assert nav_paths(page) == ["", "map", "response", "resolution", "satisfaction", "requests", "assessment",
                               "glossary"]
    sidebar = page.inner_text('[data-testid="stSidebar"]')
    assert "unit · 单位" in sidebar and "退出登录" in sidebar
    main = page.inner_text('[data-testid="stMain"]')
    assert f"单位 {auth_server['street_name']}" in main and "展示层级 社区" in main, "its own street, one level down"
    assert auth_server["other_name"] not in page.inner_text("body")
    boxes = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]')
    labels = [boxes.nth(i).inner_text().split("\n")[0] for i in range(boxes.count())]
    assert "区" not in labels and "街道" in labels, "the unit cascade starts at its own street"
    screenshot(page, "auth-unit-overview")
    page.locator('[data-testid="stSidebarNav"] a', has_text="考核评价").click()
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=90_000)
    wait_idle(page, 90_000)
    assert auth_server["other_name"] not in page.inner_text("body")
    page.context.close()


def test_unit_account_reaching_for_another_unit_by_url_gets_no_access(browser, auth_server):
    page = open_page(browser, f"{auth_server['url']}/?unit={auth_server['other']}")
    page.get_by_label("账号").fill("unit")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector('text=无权访问', timeout=90_000)
    wait_idle(page)
    assert page.locator('[data-testid="stMetric"]').count() == 0
    assert auth_server["other_name"] not in page.inner_text('[data-testid="stMain"]')
    page.context.close()


def test_display_account_sees_only_the_wall(browser, auth_server):
    page = log_in(browser, auth_server["url"], "wall")
    page.wait_for_selector(".wall-kpi", timeout=90_000)
    assert nav_paths(page) == [], "one page: no navigation at all"
    screenshot(page, "auth-display-wall")
    page.context.close()


def test_wrong_password_is_refused(browser, auth_server):
    page = open_page(browser, auth_server["url"])
    page.get_by_label("账号").fill("unit")
    page.get_by_label("密码").fill("not the password")
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("text=账号或密码不正确", timeout=60_000)
    assert page.locator('[data-testid="stMetric"]').count() == 0
    page.context.close()


def test_server_listens_on_loopback_only(auth_server):
    port = int(auth_server["url"].rsplit(":", 1)[1])
    socket.create_connection(("127.0.0.1", port), timeout=5).close()
    with pytest.raises(OSError):   # another address of this machine: refused when bound to 127.0.0.1 only
        socket.create_connection(("127.0.1.1", port), timeout=5).close()


@pytest.mark.parametrize("trusted, signed_in", [("127.0.0.1,::1", True), ("10.9.9.9", False)],
                         ids=["from-the-proxy", "not-from-the-proxy"])
def test_header_mode_believes_the_header_only_from_a_trusted_proxy(browser, demo_store, tmp_path, trusted, signed_in):
    from metrics.core.accounts import add_account

    (tmp_path / "gridscore.toml").write_text(
        f'[auth]\nmode = "header"\ncookie_secret = "{SECRET}"\nusers_file = "users.json"\nheader = "X-Forwarded-User"\n',
        encoding="utf-8")
    add_account(tmp_path / "users.json", "ops@city", "leader", None, None)
    env = {"GRIDSCORE_CONFIG": str(tmp_path / "gridscore.toml"), "GRIDSCORE_TRUSTED_PROXIES": trusted}
    with running_server(demo_store, env=env) as url:
        context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN",
                                      extra_http_headers={"X-Forwarded-User": "ops@city"})
        page = context.new_page()
        page.goto(url)
        wait_idle(page, 90_000)
        page.wait_for_selector('[data-testid="stMain"] h1' if signed_in else "text=请通过单位的访问代理打开看板",
                               timeout=90_000)
        wait_idle(page, 90_000)
        assert (page.locator('[data-testid="stMetric"]').count() > 0) == signed_in
        assert ("ops@city · 领导" in page.inner_text("body")) == signed_in
        context.close()
