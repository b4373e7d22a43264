"""AppTest for the assessment page (/assessment) over several inputs, and its weight editor."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics.assess.schemes import SCHEMES_DIR
from metrics.core import audit
from tests.auth_fixtures import local_auth, sign_in

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "assessment.py")


@pytest.fixture
def page(demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GRIDSCORE_DB", str(demo_store))
    monkeypatch.setenv("GRIDSCORE_EXPORT_LOG", str(tmp_path / "exports.jsonl"))
    monkeypatch.setenv("GRIDSCORE_CUSTOM_SCHEMES", str(tmp_path / "custom"))

    def run(user: tuple[str, str] | None = None, **query: str) -> AppTest:
        at = AppTest.from_file(PAGE, default_timeout=180)
        if user is not None:
            sign_in(at, *user)
        for key, value in query.items():
            at.query_params[key] = value
        return at.run()
    return run


@pytest.mark.parametrize("query", [
    {},
    {"scheme": "beijing-3rates-window", "period": "2026-09"},
    {"scheme": "cityscore-targets", "level": "community"},
    {"level": "grid"},
    {"level": "department", "lang": "en"},
    {"period": "2020-01"},
], ids=["default", "window", "targets-community", "grid-insufficient", "department-en", "empty-period"])
def test_page_runs_without_exception(page, query):
    at = page(**query)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    if query.get("period") == "2020-01":
        assert any("2020-01" in i.value for i in at.info)
    else:
        assert at.tabs and len(at.dataframe) >= 3


def test_grid_level_lists_insufficient_units(page):
    at = page(level="grid")
    frames = {df.proto.id: df.value for df in at.dataframe}
    sizes = sorted(len(v) for v in frames.values())
    assert sizes[-1] > 100          # the 40k demo has far more grids than grids with 30 return visits


def test_window_scheme_caption_shows_the_window(page):
    at = page(scheme="beijing-3rates-window", period="2026-09")
    assert any("2026-08-19" in c.value and "2026-09-18" in c.value for c in at.caption)


def test_weight_edit_rebalances_and_reranks(page):
    at = page()
    prefix = "as_w_beijing-3rates_1.0"
    before = at.dataframe[0].value
    at.number_input(key=f"{prefix}_response_rate").set_value(0.5).run()
    assert not at.exception
    weights = at.session_state[f"{prefix}_weights"]
    assert math.isclose(sum(weights.values()), 1.0, abs_tol=1e-9) and weights["response_rate"] == 0.5
    assert at.number_input(key=f"{prefix}_resolution_rate").value == pytest.approx(0.2778, abs=1e-4)
    after = at.dataframe[0].value
    assert list(after.iloc[:, 1]) != list(before.iloc[:, 1]) or list(after.iloc[:, 3]) != list(before.iloc[:, 3])


def test_save_version_writes_custom_not_shipped(page, tmp_path, monkeypatch):
    config = local_auth(tmp_path, monkeypatch, {"考核办 李": ("evaluator", None)})
    shipped = {p.name: p.read_bytes() for p in SCHEMES_DIR.glob("*.toml")}
    at = page(user=("考核办 李", "evaluator"))
    prefix = "as_w_beijing-3rates_1.0"
    at.number_input(key=f"{prefix}_response_rate").set_value(0.2).run()
    at.text_area(key=f"{prefix}_note").input("试行")
    at.button[[b.label for b in at.button].index("保存")].click().run()
    assert not at.exception and not at.error
    saved = list((tmp_path / "custom").glob("*.toml"))
    assert [p.name for p in saved] == ["beijing-3rates-custom-v1.toml"]
    assert "author = \"考核办 李\"" in saved[0].read_text(encoding="utf-8"), "the author is the signed-in account"
    [entry] = [e for e in audit.read(config.audit_log) if e["action"] == "scheme_save"]
    assert entry["who"] == "考核办 李" and entry["file"] == "beijing-3rates-custom-v1.toml"
    assert {p.name: p.read_bytes() for p in SCHEMES_DIR.glob("*.toml")} == shipped
    again = page()
    assert any("beijing-3rates-custom" in o for o in again.selectbox(key="as_scheme").options)


@pytest.mark.parametrize("auth_on", [False, True], ids=["auth-off", "leader"])
def test_saving_a_scheme_needs_an_evaluator(page, tmp_path, monkeypatch, auth_on):
    """With auth off (anonymous, read-only) or as a leader there is no save form; off says how to turn auth on."""
    if auth_on:
        local_auth(tmp_path, monkeypatch, {"boss": ("leader", None)})
    at = page(user=("boss", "leader") if auth_on else None)
    assert not at.exception
    assert "保存" not in [b.label for b in at.button]
    assert not list((tmp_path / "custom").glob("*.toml"))
    notes = [c.value for c in at.caption]
    assert any("gridscore.toml" in n for n in notes) != auth_on


def test_pdf_and_batch_buttons_run(page):
    at = page(level="department", period="2026-09")
    at.button(key="as_make_pdf").click().run()
    assert not at.exception, [e.value for e in at.exception]
    at.button(key="as_make_zip").click().run()
    assert not at.exception, [e.value for e in at.exception]
    key = "as_zip_beijing-3rates_1.0_2026-09_department_zh"
    assert key in at.session_state and at.session_state[key][:2] == b"PK"


def test_unit_deep_link_selects_the_scorecard(page):
    at = page(level="department", period="2026-09")
    last = at.dataframe[0].value["单位编码"].iloc[-1]
    assert at.selectbox(key="as_card_unit_department").value != last
    again = page(level="department", period="2026-09", unit=last)
    assert again.selectbox(key="as_card_unit_department").value == last
