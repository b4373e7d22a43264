"""AppTest for the assessment page (/assessment) over several inputs, and its weight editor."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics.core import audit
from tests.auth_fixtures import local_auth, sign_in
from metrics.assess.engine import assess, scheme_period
from metrics.assess.schemes import SCHEMES_DIR, load_scheme
from metrics.core.access import DEMO_VIEWER
from metrics.core.periods import parse_month
from metrics.export.text import tx
from metrics.store.snapshots import open_read

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
    {"scheme": "cityscore", "level": "community"},
    {"level": "grid"},
    {"level": "department", "lang": "en"},
    {"period": "2020-01"},
], ids=["default", "window", "targets-community", "grid-insufficient", "department-en", "empty-period"])
def test_page_runs_without_exception(page, query, demo_store):
    at = page(**query)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    if query.get("period") == "2020-01":
        assert any("2020-01" in i.value for i in at.info)
    else:
        assert at.tabs and len(at.dataframe) >= 3
        check_ranking_against_the_engine(at, query, demo_store)


def check_ranking_against_the_engine(at: AppTest, query: dict[str, str], db: Path) -> None:
    """The page's ranking table (when some unit is ranked) lists exactly assess()'s ranks and scores."""
    lang = query.get("lang", "zh")
    rank_col, id_col, score_col = (tx(k, lang) for k in ("rank", "unit_id", "score"))
    scheme = load_scheme(query.get("scheme", "beijing-3rates"))
    period = scheme_period(scheme, at.query_params["period"])
    con = open_read(db)
    try:
        scored = assess(con, DEMO_VIEWER, scheme, period, level=query.get("level", scheme.level)).set_index("unit_id")
    finally:
        con.close()
    ranked = scored[scored["rank"].notna()].sort_values("rank")
    tables = [d.value for d in at.dataframe if {rank_col, id_col, score_col} <= set(d.value.columns)]
    if ranked.empty:
        assert not any(t[rank_col].notna().any() for t in tables)
        return
    table = tables[0]
    shown = table[table[rank_col].notna()]
    assert shown[id_col].tolist() == ranked.index.tolist()
    assert shown[rank_col].astype(int).tolist() == list(range(1, len(ranked) + 1))
    assert shown[score_col].tolist() == pytest.approx(ranked["score"].tolist(), abs=1e-9)


def test_grid_level_lists_insufficient_units(page, demo_store):
    """No grid of the 40k demo reaches 30 valid return visits: every grid is listed as insufficient,
    with its own visit count (checked against the store) and no grid is ranked."""
    at = page(level="grid")
    listed = next(d.value for d in at.dataframe if "最低样本量" in d.value.columns)
    con = open_read(demo_store)
    try:
        visits = dict(con.execute(
            "SELECT u.unit_id, count(r.request_id) FROM units u LEFT JOIN requests r ON r.unit_id = u.unit_id"
            " AND r.assessable AND r.visited AND r.received_at >= DATE '2026-10-01' AND r.received_at < DATE '2026-11-01'"
            " WHERE u.level = 'grid' GROUP BY 1").fetchall())
    finally:
        con.close()
    assert len(listed) == len(visits) and set(listed["单位编码"]) == set(visits)
    assert (listed["有效回访量"] == listed["单位编码"].map(visits)).all()
    assert (listed["有效回访量"] < listed["最低样本量"]).all() and (listed["最低样本量"] == 30).all()
    assert not any("排名" in d.value.columns and d.value["排名"].notna().any() for d in at.dataframe)


def test_window_scheme_caption_shows_the_window(page):
    at = page(scheme="beijing-3rates-window", period="2026-09")
    assert any("2026-08-19" in c.value and "2026-09-18" in c.value for c in at.caption)


def test_weight_edit_rebalances_and_reranks(page, demo_store):
    """Response weight 0.1 -> 0.5: the others shrink in proportion (0.5 × 0.5/0.9, 0.4 × 0.5/0.9); rates
    stay, every score becomes Σ new weight × indicator score, the rows re-sort, and the engine agrees."""
    at = page()
    prefix = "as_w_beijing-3rates_1.0"
    before = at.dataframe[0].value.set_index("单位编码")
    at.number_input(key=f"{prefix}_response_rate").set_value(0.5).run()
    assert not at.exception
    weights = at.session_state[f"{prefix}_weights"]
    assert weights == pytest.approx({"response_rate": 0.5, "resolution_rate": 0.25 / 0.9,
                                     "satisfaction_rate": 0.2 / 0.9}, abs=1e-4)   # shown to 4 places
    assert at.number_input(key=f"{prefix}_resolution_rate").value == pytest.approx(0.2778, abs=1e-4)
    after = at.dataframe[0].value
    assert sorted(after["单位编码"]) == sorted(before.index)
    for label in ("响应率", "解决率", "满意率"):
        assert after[label].tolist() == pytest.approx(before.loc[after["单位编码"], label].tolist(), nan_ok=True)
    expected = sum(w * after[f"{label} · 指标得分"] for label, w in zip(
        ("响应率", "解决率", "满意率"), (weights["response_rate"], weights["resolution_rate"], weights["satisfaction_rate"])))
    assert after["综合得分"].tolist() == pytest.approx(expected.tolist(), abs=1e-9, nan_ok=True)
    ranked = after[after["排名"].notna()]
    assert ranked["排名"].astype(int).tolist() == list(range(1, len(ranked) + 1))
    assert ranked["综合得分"].is_monotonic_decreasing
    old_order = before[before["排名"].notna()].sort_values("排名").index.tolist()
    assert ranked["单位编码"].tolist() != old_order, "this edit moves units in the demo month"
    scheme = load_scheme("beijing-3rates")
    edited = dataclasses.replace(scheme, indicators=tuple(
        dataclasses.replace(i, weight=weights[i.metric]) for i in scheme.indicators))
    con = open_read(demo_store)
    try:
        scored = assess(con, DEMO_VIEWER, edited, parse_month(at.query_params["period"])).set_index("unit_id")
    finally:
        con.close()
    assert ranked["单位编码"].tolist() == scored["rank"].dropna().sort_values().index.tolist()
    assert ranked["综合得分"].tolist() == pytest.approx(scored.loc[ranked["单位编码"], "score"].tolist(), abs=1e-9)


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
