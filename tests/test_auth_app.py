"""Login, roles and scoping through the real router (app.py under AppTest, local auth).

Per role: which pages exist (any other is not a navigation page at all), which units and rows
appear, which buttons exist; a unit account reaching for another unit by URL gets "no access".
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from metrics.core import audit
from metrics.core.auth import PAGES as ROLE_PAGES
from metrics.core.auth import pages_for, ANONYMOUS
from tests.auth_fixtures import PASSWORD, local_auth
from tests.test_frame import registered_pages

ROOT = Path(__file__).resolve().parent.parent
ALL_PAGES = registered_pages()


@pytest.fixture(scope="module")
def units(demo_store) -> dict[str, object]:
    """A street of the demo city, its subtree, and a street outside it."""
    con = duckdb.connect(str(demo_store), read_only=True)
    street, other = [r[0] for r in con.execute(
        "SELECT unit_id FROM units WHERE level = 'street' ORDER BY unit_id LIMIT 2").fetchall()]
    subtree = {r[0] for r in con.execute(
        "SELECT unit_id FROM unit_ancestors WHERE ancestor_id = $s", {"s": street}).fetchall()}
    names = {r[0] for r in con.execute(
        "SELECT name FROM units WHERE unit_id IN (SELECT unit_id FROM unit_ancestors WHERE ancestor_id = $s)",
        {"s": street}).fetchall()}
    dept = con.execute("SELECT unit_id FROM units WHERE level = 'department' ORDER BY unit_id LIMIT 1").fetchone()[0]
    con.close()
    return {"street": street, "other": other, "subtree": subtree, "names": names, "dept": dept}


@pytest.fixture
def config(demo_store, tmp_path, monkeypatch, units):
    monkeypatch.setenv("GRIDSCORE_DB", str(demo_store))
    monkeypatch.setenv("GRIDSCORE_EXPORT_LOG", str(tmp_path / "exports.jsonl"))
    return local_auth(tmp_path, monkeypatch, {
        "lead": ("leader", None), "eva": ("evaluator", None), "unit": ("unit", units["street"]),
        "wall": ("display", None), "root": ("admin", None),
    })


def log_in(name: str, password: str = PASSWORD, at: AppTest | None = None) -> AppTest:
    at = at or AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    return at.button[0].click().run()


def reachable(at: AppTest, page: str) -> bool:
    """Whether ``page`` is a page of this session's navigation (AppTest refuses the others)."""
    try:
        at.switch_page(f"views/{page}.py")
    except ValueError:
        return False
    return True


def test_before_login_only_the_login_page_exists(config):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert at.text_input(key="login_password") is not None
    assert not at.metric and not at.dataframe, "no data before signing in"
    assert not [p for p in ALL_PAGES if reachable(at, p)]


@pytest.mark.parametrize("role, name", [("leader", "lead"), ("evaluator", "eva"), ("unit", "unit"),
                                        ("display", "wall"), ("admin", "root")])
def test_each_role_has_exactly_its_pages(config, role, name):
    at = log_in(name)
    assert not at.exception and not at.error, [e.value for e in at.error]
    allowed = [p for p in ALL_PAGES if reachable(at, p)]
    assert allowed == [p for p in ALL_PAGES if p in ROLE_PAGES[role]]
    for page in allowed:
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, f"{role} {page}: {at.exception}"


def test_role_table_matches_the_brief():
    assert ROLE_PAGES["display"] == ("wall",)
    assert "data" in ROLE_PAGES["admin"] and all("data" not in ROLE_PAGES[r] for r in ROLE_PAGES if r != "admin")
    assert "wall" not in ROLE_PAGES["unit"], "the wall shows the whole territory"
    assert "data" in pages_for(ANONYMOUS, "off") and "data" not in pages_for(ANONYMOUS, "local")


def test_unit_account_sees_only_its_subtree(config, units):
    at = log_in("unit")
    at.switch_page("views/requests.py").run()
    assert not at.exception and not at.error
    shown = set(at.dataframe[0].value["unit_name"])
    assert shown and shown <= units["names"], shown - units["names"]
    at.switch_page("views/assessment.py").run()
    ranked = at.dataframe[0].value
    assert not at.exception and len(ranked) > 0


@pytest.mark.parametrize("page", ["overview", "requests", "map", "assessment"])
def test_unit_account_reaching_for_another_unit_by_url_gets_no_access(config, units, page):
    at = log_in("unit")
    at.switch_page(f"views/{page}.py")
    at.query_params["unit"] = units["other"]
    at.run()
    assert not at.exception
    if page == "assessment":   # the assessment page's ?unit= picks a scorecard among the account's own units
        assert units["other"] not in set(at.dataframe[0].value.get("unit_id", []))
        return
    assert any("无权访问" in e.value for e in at.error)
    assert not at.metric and not at.dataframe, "no data beside the refusal"


def test_leader_reaching_for_any_unit_is_fine(config, units):
    at = log_in("lead")
    at.switch_page("views/requests.py")
    at.query_params["unit"] = units["other"]
    at.run()
    assert not at.exception and not at.error and len(at.dataframe[0].value)


def test_wrong_password_is_refused_audited_and_locked_after_three(config):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    for _ in range(3):
        at = log_in("eva", "wrong password!", at)
        assert any("不正确" in e.value for e in at.error)
    at = log_in("eva", PASSWORD, at)   # the right password, but the account is locked now
    assert any("分钟后再试" in e.value for e in at.error)
    assert at.text_input(key="login_password") is not None, "still on the login page"
    actions = [e["action"] for e in audit.read(config.audit_log)][::-1]
    assert actions == ["login_failed"] * 3 + ["login_locked"]
    assert audit.verify(config.audit_log, config.cookie_secret) == []


def test_login_and_logout_are_audited(config):
    at = log_in("root")
    assert not at.exception and at.metric, "signed in: the overview shows its KPIs"
    at.button(key="logout").click().run()
    assert at.text_input(key="login_password") is not None and not at.metric
    entries = audit.read(config.audit_log)[::-1]
    assert [(e["action"], e["who"], e["role"]) for e in entries] == [("login", "root", "admin"),
                                                                      ("logout", "root", "admin")]


def test_removed_account_is_signed_out_on_its_next_run(config, tmp_path):
    from metrics.core.accounts import remove_account

    at = log_in("lead")
    assert at.metric
    remove_account(config.users_file, "lead")
    at.run()
    assert at.text_input(key="login_password") is not None and not at.metric


def test_auth_on_without_a_cookie_secret_serves_nothing(demo_store, tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDSCORE_DB", str(demo_store))
    (tmp_path / "gridscore.toml").write_text('[auth]\nmode = "local"\n', encoding="utf-8")
    monkeypatch.setenv("GRIDSCORE_CONFIG", str(tmp_path / "gridscore.toml"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception and any("cookie secret" in e.value for e in at.error)
    assert not at.metric and not at.dataframe
    for page in ("overview", "data", "requests"):   # not even a page file run on its own serves data
        one = AppTest.from_file(str(ROOT / "views" / f"{page}.py"), default_timeout=60).run()
        assert not one.exception and any("cookie secret" in e.value for e in one.error)
        assert not one.metric and not one.dataframe and not one.get("file_uploader")


def test_auth_off_everyone_is_a_read_only_leader(demo_store, monkeypatch):
    monkeypatch.setenv("GRIDSCORE_DB", str(demo_store))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception and at.metric
    assert [p for p in ALL_PAGES if reachable(at, p)] == [p for p in ALL_PAGES if p in pages_for(ANONYMOUS, "off")]
    assert any("只读" in t.value for t in at.sidebar.text)


@pytest.mark.parametrize("name, save, upload", [("lead", False, False), ("eva", True, False), ("unit", False, False),
                                                ("root", True, True)])
def test_each_role_has_its_buttons(config, name, save, upload):
    at = log_in(name)
    at.switch_page("views/requests.py").run()
    assert [b.label for b in at.download_button][:1] and "CSV" in at.download_button[0].label
    at.switch_page("views/assessment.py").run()
    assert ("保存" in [b.label for b in at.button]) == save
    if upload:
        at.switch_page("views/data.py").run()
        assert at.get("file_uploader"), "rollback: tests/test_ingest_page.py (it needs an earlier snapshot)"


def test_requests_download_is_audited(config):
    at = log_in("lead")
    at.switch_page("views/requests.py").run()
    at.download_button[0].click().run()
    [entry] = [e for e in audit.read(config.audit_log) if e["action"] == "export"]
    assert entry["who"] == "lead" and entry["via"] == "requests" and entry["files"][0].endswith(".csv")


@pytest.mark.parametrize("user, signed_in", [({"is_logged_in": False}, False),
                                             ({"is_logged_in": True, "email": "ops@city"}, True),
                                             ({"is_logged_in": True, "email": "stranger@else"}, False)],
                         ids=["not-logged-in", "known-email", "unknown-email"])
def test_oidc_signs_in_only_known_accounts(demo_store, tmp_path, monkeypatch, user, signed_in):
    from metrics.core.accounts import add_account
    from tests.auth_fixtures import SECRET

    monkeypatch.setenv("GRIDSCORE_DB", str(demo_store))
    (tmp_path / "gridscore.toml").write_text(f'[auth]\nmode = "oidc"\ncookie_secret = "{SECRET}"\n'
                                             'users_file = "users.json"\n', encoding="utf-8")
    monkeypatch.setenv("GRIDSCORE_CONFIG", str(tmp_path / "gridscore.toml"))
    add_account(tmp_path / "users.json", "ops@city", "evaluator", None, None)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.user = user
    at.run()
    assert not at.exception
    assert bool(at.metric) == signed_in
    assert [p for p in ALL_PAGES if reachable(at, p)] == ([p for p in ALL_PAGES if p in ROLE_PAGES["evaluator"]]
                                                          if signed_in else [])
    if user == {"is_logged_in": False}:
        assert "使用单位账号登录" in [b.label for b in at.button]
    if user.get("email") == "stranger@else":
        assert any("stranger\\@else" in e.value and "没有看板账号" in e.value for e in at.error), "escaped: the e-mail is text"


@pytest.mark.parametrize("page", ["overview", "requests", "data", "wall"])
def test_a_page_run_without_the_router_serves_nobody_when_auth_is_on(config, page):
    at = AppTest.from_file(str(ROOT / "views" / f"{page}.py"), default_timeout=120).run()
    assert not at.exception and any("请先登录" in e.value for e in at.error)
    assert not at.metric and not at.dataframe and not at.get("file_uploader")
