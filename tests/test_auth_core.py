"""The auth building blocks: config, roles, the login throttle, the audit chain, CSV neutralisation,
and scoping in metrics/ (a crafted filter naming another unit gives nothing)."""
from __future__ import annotations

import csv
import io
import json

import duckdb
import pandas as pd
import pytest

from metrics.core import audit
from metrics.core.access import AccessDenied, Viewer, check_unit, in_scope
from metrics.core.auth import ConfigError, User, load_config
from metrics.core.csvsafe import safe_cell, safe_frame
from metrics.core.filters import Filters
from metrics.core.periods import parse_period
from metrics.present.common import PAGE_CREDIT
from metrics.core.throttle import LoginThrottle

SECRET = "k" * 32


@pytest.mark.parametrize("text, env, mode", [
    (None, {}, "off"),
    ('[auth]\nmode = "local"\ncookie_secret = "' + SECRET + '"\n', {}, "local"),
    ('[auth]\nmode = "local"\n', {"GRIDSCORE_COOKIE_SECRET": SECRET}, "local"),
    ("", {"GRIDSCORE_AUTH": "header", "GRIDSCORE_COOKIE_SECRET": SECRET}, "header"),
    ('[auth]\nmode = "oidc"\ncookie_secret = "' + SECRET + '"\n', {"GRIDSCORE_AUTH": "off"}, "off"),
])
def test_config_file_and_env(tmp_path, text, env, mode):
    path = tmp_path / "gridscore.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    config = load_config(path, env)
    assert config.mode == mode and config.users_file == tmp_path / "data" / "users.json"


@pytest.mark.parametrize("text, message", [
    ('[auth]\nmode = "local"\n', "cookie secret of at least 32"),
    ('[auth]\nmode = "local"\ncookie_secret = "' + "k" * 31 + '"\n', "cookie secret of at least 32"),
    ('[auth]\nmode = "ldap"\n', "use one of off, local, oidc, header"),
    ('[auth\nmode = "local"\n', "cannot read the config file"),
    ('[auth]\nmode = "local"\ncookie_secret = "' + SECRET + '"\nmax_failures = 0\n', "max_failures"),
])
def test_bad_config_is_refused_with_a_reason(tmp_path, text, message):
    path = tmp_path / "gridscore.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path, {})


def test_exactly_32_characters_of_secret_are_enough(tmp_path):
    path = tmp_path / "gridscore.toml"
    path.write_text('[auth]\nmode = "local"\n', encoding="utf-8")
    assert load_config(path, {"GRIDSCORE_COOKIE_SECRET": "k" * 32}).on


@pytest.mark.parametrize("user, scope, personal", [
    (User("a", "admin"), None, True), (User("l", "leader"), None, False), (User("e", "evaluator"), None, False),
    (User("u", "unit", "S1"), "S1", False), (User("d", "display"), None, False),
])
def test_viewer_of_each_role(user, scope, personal):
    assert user.viewer() == Viewer(user.role, scope, personal)


def test_throttle_locks_an_account_after_max_failures_until_the_window_passes():
    now = [0.0]
    throttle = LoginThrottle(max_failures=3, window=900, clock=lambda: now[0])
    for _ in range(2):
        throttle.failed("eva", "10.0.0.1")
    assert throttle.wait("eva", "10.0.0.1") == 0, "two failures of three allowed"
    throttle.failed("eva", "10.0.0.1")
    assert throttle.wait("eva", "10.0.0.9") == 900, "the account is locked from any address"
    now[0] = 899.0
    assert throttle.wait("eva", "10.0.0.1") == 1
    now[0] = 900.0
    assert throttle.wait("eva", "10.0.0.1") == 0, "exactly one window later the oldest failure has expired"


def test_throttle_locks_an_address_trying_many_accounts():
    throttle = LoginThrottle(max_failures=3, window=900, clock=lambda: 0.0)
    for i in range(11):
        throttle.failed(f"user{i}", "10.0.0.1")
    assert throttle.wait("fresh", "10.0.0.1") == 0, "11 failures < 4 x 3"
    throttle.failed("user11", "10.0.0.1")
    assert throttle.wait("fresh", "10.0.0.1") > 0 and throttle.wait("fresh", "10.0.0.2") == 0


def test_success_clears_the_account_not_the_address():
    throttle = LoginThrottle(max_failures=2, window=900, clock=lambda: 0.0)
    throttle.failed("eva", "a")
    throttle.succeeded("eva", "a")
    throttle.failed("eva", "a")
    assert throttle.wait("eva", "a") == 0


def test_audit_chain_detects_an_edited_and_a_deleted_line(tmp_path):
    log = tmp_path / "audit.jsonl"
    for i in range(4):
        audit.append(log, who=f"u{i}", action="export", secret=SECRET, n=i)
    assert audit.verify(log, SECRET) == []
    assert audit.verify(log, "another secret of 32 characters!") == [1, 2, 3, 4], "the chain is keyed"
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    edited = json.loads(lines[1])
    edited["who"] = "someone else"
    log.write_text(lines[0] + json.dumps(edited) + "\n" + "".join(lines[2:]), encoding="utf-8")
    assert audit.verify(log, SECRET) == [3], "the line after the edited one no longer chains"
    log.write_text(lines[0] + "".join(lines[2:]), encoding="utf-8")
    assert audit.verify(log, SECRET) == [2]
    assert [e["n"] for e in audit.read(log)] == [3, 2, 0]


def test_audit_refuses_unknown_actions(tmp_path):
    with pytest.raises(ValueError):
        audit.append(tmp_path / "a.jsonl", who="x", action="drop_table")


@pytest.mark.parametrize("cell, safe", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1+2", "'+1+2"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("-3.5", "-3.5"), ("1e-05", "1e-05"),
    ("-", "'-"), ("a=b", "a=b"), ("", ""), (3, 3), (None, None),
])
def test_csv_cells_that_spreadsheets_would_evaluate_are_text(cell, safe):
    assert safe_cell(cell) == safe


def test_safe_frame_neutralises_text_and_headers_only():
    frame = pd.DataFrame({"=h": ["=1+1", "ok"], "n": [-1.5, 2.0]})
    out = safe_frame(frame)
    assert list(out.columns) == ["'=h", "n"] and out["=h" if "=h" in out else "'=h"].tolist() == ["'=1+1", "ok"]
    assert out["n"].tolist() == [-1.5, 2.0]


@pytest.fixture(scope="module")
def scoped(demo_store):
    con = duckdb.connect(str(demo_store), read_only=True)
    street, other = [r[0] for r in con.execute(
        "SELECT unit_id FROM units WHERE level = 'street' ORDER BY unit_id LIMIT 2").fetchall()]
    yield con, Viewer("unit", street), street, other
    con.close()


def test_in_scope_and_check_unit(scoped):
    con, viewer, street, other = scoped
    child = con.execute("SELECT unit_id FROM units WHERE parent_id = $s LIMIT 1", {"s": street}).fetchone()[0]
    assert in_scope(con, viewer, street) and in_scope(con, viewer, child) and in_scope(con, viewer, None)
    assert not in_scope(con, viewer, other) and not in_scope(con, viewer, "NO-SUCH-UNIT")
    with pytest.raises(AccessDenied, match="no access"):
        check_unit(con, viewer, other)


def test_a_filter_naming_another_unit_gives_nothing(scoped):
    """Every reader behind the pages and exports, asked by a unit viewer for another unit's rows."""
    from metrics.present import pages, detail as pdetail, map_data
    from metrics.query import detail as qdetail
    from metrics.query import tables

    con, viewer, street, other = scoped
    period, crafted = parse_period("2026-09"), Filters(unit_id=other)
    totals = tables.scope_totals(con, viewer, period, crafted, ("requests", "resolution_rate"), basic_credit=PAGE_CREDIT)
    assert totals["requests"] == 0 and pd.isna(totals["resolution_rate"])
    assert tables.unit_table(con, viewer, "community", period, crafted, basic_credit=PAGE_CREDIT).empty
    rows, total = qdetail.drill_rows(con, viewer, period, crafted, None, None, "received_at", True, 1, 50,
                                     basic_credit=PAGE_CREDIT)
    assert total == 0 and rows.empty
    assert qdetail.category_top(con, viewer, period, 10, crafted).empty
    assert map_data.points(con, viewer, period, crafted).empty
    assert pages.scored_units(con, viewer, "community", period, crafted, "beijing-3rates").empty
    assert pdetail.funnel(con, viewer, period, crafted)["n"].sum() == 0


def test_population_of_another_unit_is_not_disclosed(scoped):
    from metrics.query.tables import scope_totals

    con, viewer, street, other = scoped
    period = parse_period("2026-09")
    mine = scope_totals(con, viewer, period, Filters(unit_id=street), ("requests_per_10k",), basic_credit=PAGE_CREDIT)
    theirs = scope_totals(con, viewer, period, Filters(unit_id=other), ("requests_per_10k",), basic_credit=PAGE_CREDIT)
    assert mine["requests_per_10k"] > 0 and pd.isna(theirs["requests_per_10k"])


def test_unit_viewer_csv_of_another_unit_is_header_only(scoped):
    from metrics.present.rows import rows_csv

    con, viewer, street, other = scoped
    text = rows_csv(con, viewer, parse_period("2026-09"), Filters(unit_id=other), None, basic_credit=PAGE_CREDIT).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) == 1
