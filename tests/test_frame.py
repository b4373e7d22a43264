"""The app frame: every registered page runs through app.py, the language switch, store errors."""
from __future__ import annotations

import ast
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def registered_pages() -> list[str]:
    """Page names from app.py's PAGES table, read without running Streamlit."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign | ast.Assign):
            target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
            if getattr(target, "id", None) == "PAGES":
                return [elt.elts[1].value for elt in node.value.elts]
    raise AssertionError("app.py has no PAGES table")


def existing_pages() -> list[str]:
    return [p for p in registered_pages() if (ROOT / "views" / f"{p}.py").exists()]


@pytest.fixture
def app(demo_store, monkeypatch) -> AppTest:
    monkeypatch.setenv("GRIDSCORE_DB", str(demo_store))
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def test_overview_is_the_default_page_and_has_the_four_kpis(app):
    app.run()
    assert not app.exception
    labels = [m.label for m in app.metric]
    assert labels[:4] == ["诉求量", "响应率", "解决率", "满意率"]
    assert all(m.delta for m in app.metric[:4]), "each KPI shows its month-on-month change"


def test_english_switch_changes_the_labels(app):
    app.query_params["lang"] = "en"
    app.run()
    assert not app.exception
    assert [m.label for m in app.metric][:4] == ["Requests", "Response rate", "Resolution rate", "Satisfaction rate"]


@pytest.mark.parametrize("name", existing_pages())
def test_every_page_runs_through_the_frame(app, name):
    app.run()
    app.switch_page(f"views/{name}.py")
    app.run()
    assert not app.exception, f"{name}: {app.exception}"
    assert not app.error, f"{name}: {[e.value for e in app.error]}"


def test_store_of_another_schema_version_shows_a_clear_error(tmp_path, demo_store, monkeypatch):
    bad = tmp_path / "old.duckdb"
    bad.write_bytes(demo_store.read_bytes())
    con = duckdb.connect(str(bad))
    con.execute("UPDATE gridscore_meta SET value = '0' WHERE key = 'schema_version'")
    con.close()
    monkeypatch.setenv("GRIDSCORE_DB", str(bad))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, "a wrong store must not crash a page"
    assert any("schema version 0" in e.value for e in at.error)


def test_missing_store_shows_how_to_build_one(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDSCORE_DB", str(tmp_path / "absent.duckdb"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception and not at.error   # a welcome, not an error: init an empty store, or build the demo
    assert any("python -m metrics init" in i.value and "python -m metrics demo" in i.value for i in at.info)
