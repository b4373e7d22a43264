"""Schemes for data without a return-visit survey (cityscore, timeliness) on real cities, checked against
pandas; lower-is-better and count indicators; quartile grades; indicators left out and said so.

The Boston and NYC stores are built as tests/test_realdata.py builds them (its mapping and helpers).
"""
from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.assess.engine import NotInData, indicator_score, score_units
from metrics.assess.schemes import Indicator, load_scheme
from tests.test_realdata import BOSTON_MAPPING, DATA, NYC_MAPPING, metrics, reference

needs_data = pytest.mark.skipif(DATA is None, reason="no shared/realdata folder (set GRIDSCORE_REALDATA)")
MONTH = "2022-01"          # every Boston sample row is from January 2022
END = pd.Timestamp("2022-02-01")


@pytest.fixture(scope="module")
def boston(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    tmp = tmp_path_factory.mktemp("boston")
    db, mapping = tmp / "boston.duckdb", tmp / "boston.toml"
    mapping.write_text(BOSTON_MAPPING, encoding="utf-8")
    metrics("init", "--db", str(db), "--city", "Boston", "--tz", "America/New_York")
    metrics("import", str(DATA / "boston311-100.csv"), "--db", str(db), "--mapping", str(mapping), "--quiet")
    frame = pd.read_csv(DATA / "boston311-100.csv", dtype=str, keep_default_na=False)
    ref = reference(frame, "open_dt", "closed_dt", "target_dt", "%Y-%m-%d %H:%M:%S")
    return db, ref


def per_department(ref: pd.DataFrame) -> pd.DataFrame:
    """On-time closure, median close hours and overdue at the month's end per department, in pandas."""
    rows = {}
    for dept, g in ref[ref["_received"] < END].groupby("department"):
        due = g[g["_due"].notna()]
        closed = g[g["_closed"].notna()]
        open_at_end = (g["_closed"] >= END) | (g["_closed"].isna() & (g["case_status"] != "Closed"))
        rows[dept] = {
            "requests": len(g),
            "on_time": ((due["_closed"] <= due["_due"]).sum() / len(due)) if len(due) else np.nan,
            "p50": ((closed["_closed"] - closed["_received"]).dt.total_seconds() / 3600).median(),
            "overdue": int((open_at_end & (g["_due"] < END)).sum()),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def scores_json(db: Path, scheme: str, *extra: str) -> tuple[list[dict], str]:
    proc = subprocess.run([sys.executable, "-m", "metrics", "scores", "--db", str(db), "--period", MONTH,
                           "--scheme", scheme, "--format", "json", *extra],
                          cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr


def ranks(score: pd.Series, volume: pd.Series) -> dict[str, int]:
    order = sorted(score.dropna().index, key=lambda u: (-round(score[u], 9), -volume[u], u))
    return {u: k + 1 for k, u in enumerate(order)}


@needs_data
def test_cityscore_ranks_boston_departments_against_pandas(boston):
    db, ref = boston
    rows, err = scores_json(db, "cityscore")
    d = per_department(ref)
    # Boston has resolve_by (target_dt) but no respond_by: on-time response is left out, 0.4 / 0.3 renormalised
    close = np.minimum(1.0, d["on_time"] / 0.90)
    speed = np.where(d["p50"] > 0, np.minimum(1.0, 72.0 / d["p50"]), 1.0)
    d["score"] = 100 * (0.4 * close + 0.3 * speed) / 0.7
    eligible = (d["requests"] >= 10) & d["on_time"].notna() & d["p50"].notna()
    want = ranks(d["score"].where(eligible), d["requests"])
    got = {r["unit_name"]: r for r in rows}
    assert set(got) == set(d.index)
    assert {u: r["rank"] for u, r in got.items() if r["rank"] is not None} == want
    assert len(want) >= 2
    for unit in want:
        assert got[unit]["score"] == pytest.approx(d.loc[unit, "score"], abs=1e-4)
        assert got[unit]["on_time_response_rate_score"] is None
    assert "Not in this period's data: On-time response rate" in err and "On-time closure rate 57.1%" in err
    assert "Time to close, median 42.9%" in err


@needs_data
def test_timeliness_ranks_boston_departments_with_quartile_grades(boston):
    db, ref = boston
    rows, err = scores_json(db, "timeliness")
    d = per_department(ref)
    eligible = (d["requests"] >= 5) & d[["on_time", "p50", "overdue"]].notna().all(axis=1)
    ok = d[eligible]

    def shorter_is_better(col: str) -> pd.Series:   # 100 × (#worse + ½ #equal) / n among ranked units
        return ok[col].map(lambda v: 100 * ((ok[col] > v).sum() + 0.5 * (ok[col] == v).sum()) / len(ok))

    score = 0.5 * 100 * ok["on_time"] + 0.3 * shorter_is_better("p50") + 0.2 * shorter_is_better("overdue")
    q1, q2, q3 = score.quantile([0.25, 0.5, 0.75])
    grade = score.map(lambda s: "Excellent" if s >= q3 else "Good" if s >= q2 else "Fair" if s >= q1 else "Poor")
    got = {r["unit_name"]: r for r in rows}
    assert {u: r["rank"] for u, r in got.items() if r["rank"] is not None} == ranks(score, d["requests"])
    for unit in ok.index:
        assert got[unit]["score"] == pytest.approx(score[unit], abs=1e-4)
        assert got[unit]["grade_en"] == grade[unit]
        assert got[unit]["overdue"] == d.loc[unit, "overdue"]
    assert len(ok) >= 3 and err == ""           # every indicator is in Boston's data: no note


@needs_data
def test_areas_of_boston_and_departments_of_nyc_are_ranked(boston, tmp_path):
    db, _ = boston
    rows, _ = scores_json(db, "cityscore", "--level", "district")
    assert sum(r["rank"] is not None for r in rows) >= 2
    nyc, mapping = tmp_path / "nyc.duckdb", tmp_path / "nyc.toml"
    mapping.write_text(NYC_MAPPING, encoding="utf-8")
    metrics("init", "--db", str(nyc), "--city", "New York", "--tz", "America/New_York")
    metrics("import", str(DATA / "nyc311-100.csv"), "--db", str(nyc), "--mapping", str(mapping), "--quiet")
    from metrics.assess.engine import assess
    from metrics.core.access import DEMO_VIEWER
    from metrics.core.periods import Period
    from metrics.store.snapshots import open_read
    import datetime as dt
    con = open_read(nyc)
    try:
        whole = Period(dt.date(2010, 1, 1), dt.date(2021, 1, 1), "2010-2020", "range")
        scored = assess(con, DEMO_VIEWER, load_scheme("timeliness"), whole)
    finally:
        con.close()
    assert scored["rank"].notna().sum() >= 3 and scored.attrs["left_out"] == ()


def timing_table(close: list[float], p50: list[float], overdue: list[float]) -> pd.DataFrame:
    n = len(close)
    return pd.DataFrame({"unit_id": [f"D{k}" for k in range(n)], "unit_name": [f"D{k}" for k in range(n)],
                         "requests": [50] * n, "on_time_close_rate": close, "close_hours_p50": p50,
                         "overdue": overdue, "on_time_response_rate": [np.nan] * n})


@settings(max_examples=200, deadline=None)
@given(target=st.floats(0.5, 500), cap=st.floats(1.0, 2.0), value=st.floats(0, 5000), better=st.floats(0, 1))
def test_lower_is_better_target_moves_the_right_way(target, cap, value, better):
    """Improving (lowering) the value never lowers the score; the score never exceeds 100 × cap."""
    ind = Indicator("close_hours_p50", 1.0, "target", target=target, cap=cap, direction="lower")
    vals = np.array([value, value * better])
    s = indicator_score(vals, ind, vals)
    assert s[1] >= s[0]
    assert (s <= 100 * cap + 1e-9).all() and (s >= 0).all()
    if value >= target * 1.0001:
        assert s[0] == pytest.approx(100 * target / value)
    if 0 < value <= target:
        assert s[0] == pytest.approx(100 * min(cap, target / value))


@pytest.mark.parametrize(("method", "values", "expected"), [
    ("target", [36.0, 72.0, 144.0, 0.0], [100, 100, 50, 100]),       # target 72, cap 1.0
    ("minmax", [10.0, 30.0, 20.0, np.nan], [100, 0, 50, np.nan]),
    ("percentile", [3.0, 1.0, 1.0, 5.0], [37.5, 75, 75, 12.5]),   # (#more + ½ #equal) / 4: 1.5, 3, 3, 0.5
    ("direct", [0.1, 0.0, 1.0, np.nan], [90, 100, 0, np.nan]),
])
def test_lower_is_better_methods(method, values, expected):
    metric = "repeat_rate" if method == "direct" else "close_hours_p50"
    ind = Indicator(metric, 1.0, method, target=72.0, cap=1.0, direction="lower")
    vals = np.array(values, dtype=float)
    assert indicator_score(vals, ind, vals) == pytest.approx(np.array(expected, dtype=float), nan_ok=True)


def test_quartile_grades_cut_at_the_ranked_units_quartiles():
    # on-time closure alone decides (others equal): scores 100 × rate = 10, 20, 30, 40, 50
    scheme = load_scheme("timeliness")
    table = timing_table([0.1, 0.2, 0.3, 0.4, 0.5], [5.0] * 5, [1] * 5)
    scored = score_units(table, scheme).set_index("unit_id")
    # quartiles of 0.5×{10..50} + 0.3×50 + 0.2×50 = {30, 35, 40, 45, 50}: Q1 35, median 40, Q3 45;
    # a score exactly on a cut takes the higher grade
    assert scored["score"].tolist() == pytest.approx([30, 35, 40, 45, 50])
    assert scored["grade_en"].tolist() == ["Poor", "Fair", "Good", "Excellent", "Excellent"]
    # the overview's floor alert flags exactly the units graded in the bottom quartile band
    from metrics.assess.alerts import floor_alerts
    alerts = floor_alerts(scored.reset_index().assign(name_en=None), scheme, floors={})
    assert [(a.subject, a.value, a.threshold) for a in alerts] == [("D0", 30.0, 35.0)]
    # an unranked unit (too few requests) gets no grade and does not move the cuts
    table.loc[5] = ["D5", "D5", 2, 1.0, 5.0, 1, np.nan]
    again = score_units(table, scheme).set_index("unit_id")
    assert again["grade_en"].tolist()[:5] == scored["grade_en"].tolist() and pd.isna(again.loc["D5", "grade_en"])


def test_left_out_indicator_renormalises_or_refuses():
    scheme = load_scheme("cityscore")
    table = timing_table([0.9, 0.45], [36.0, 144.0], [0, 0])
    scored = score_units(table, scheme).set_index("unit_id")
    # on-time response is NULL everywhere: 0.4 and 0.3 renormalised to 4/7 and 3/7
    assert scored.attrs["left_out"] == ("on_time_response_rate",)
    assert scored.attrs["weights"] == pytest.approx({"on_time_close_rate": 4 / 7, "close_hours_p50": 3 / 7})
    assert scored["score"].tolist() == pytest.approx([100.0, 100 * (4 / 7 * 0.5 + 3 / 7 * 0.5)])
    assert scored["rank"].tolist() == [1, 2]
    with pytest.raises(NotInData, match="require_all = true .* on_time_response_rate"):
        score_units(table, dataclasses.replace(scheme, require_all=True))
    # a count named absent (overdue without deadlines) is left out too
    timeliness = score_units(table, load_scheme("timeliness"), absent=("overdue",))
    assert timeliness.attrs["left_out"] == ("overdue",)
    assert sum(timeliness.attrs["weights"].values()) == pytest.approx(1.0)


@needs_data
def test_left_out_note_in_ranking_and_every_export(boston, tmp_path):
    from metrics.assess.scorecard_build import build_book
    from metrics.core.access import DEMO_VIEWER
    from metrics.core.periods import parse_month
    from metrics.export.writers import render
    from metrics.store.snapshots import open_read
    db, _ = boston
    con = open_read(db)
    try:
        book = build_book(con, DEMO_VIEWER, load_scheme("cityscore"), parse_month(MONTH))
    finally:
        con.close()
    note = "Not in this period's data: On-time response rate, left out; " \
           "the other weights renormalised to: On-time closure rate 57.1%, Time to close, median 42.9%"
    assert book.left_out_note("en") == note
    assert "本期数据中没有：按时响应率" in book.left_out_note("zh")
    assert [i.weight for i in book.ranked[0].indicators] == pytest.approx([4 / 7, 0.0, 3 / 7])
    xlsx = render(book, "xlsx", "en")
    wb = openpyxl.load_workbook(io.BytesIO(next(iter(xlsx.values()))))
    assert all(ws["A3"].value == note for ws in wb.worksheets[:2])
    for name, data in render(book, "csv", "en").items():
        assert data.decode("utf-8-sig").rstrip().splitlines()[-1].strip('"') == note, name
    pdf = tmp_path / "cards.pdf"
    pdf.write_bytes(next(iter(render(book, "pdf", "en").values())))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Not in this period's data: On-time response rate" in " ".join(text.split())


@pytest.fixture
def boston_page(boston, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("GRIDSCORE_DB", str(boston[0]))
    monkeypatch.setenv("GRIDSCORE_EXPORT_LOG", str(tmp_path / "exports.jsonl"))
    monkeypatch.setenv("GRIDSCORE_CUSTOM_SCHEMES", str(tmp_path / "custom"))
    page = str(Path(__file__).resolve().parent.parent / "views" / "assessment.py")

    def run(**query: str):
        at = AppTest.from_file(page, default_timeout=180)
        for key, value in {"lang": "en", **query}.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at
    return run


@needs_data
def test_assessment_page_on_a_city_without_streets(boston_page):
    """Boston has districts and departments, no streets and no return visits."""
    at = boston_page()                                     # beijing-3rates: level street by default
    assert at.selectbox(key="as_level_beijing-3rates").value == "district"
    assert [i.value for i in at.info] == [
        "100 requests, none with return visits: this scheme cannot score them; try cityscore / timeliness."]
    at = boston_page(scheme="timeliness")
    assert at.selectbox(key="as_level_timeliness").value == "department"
    assert not at.warning and len(at.tabs) == 6
    assert at.dataframe[0].value.iloc[:, 0].tolist()[:3] == [1, 2, 3]
    at = boston_page(scheme="cityscore")
    assert [w.value for w in at.warning][0].startswith("Not in this period's data: On-time response rate")
    at = boston_page(scheme="cityscore", level="street")
    assert [i.value for i in at.info] == [
        "100 requests in 2022-01, but none in a unit of level Street / township: levels with data: District, Department."]


@needs_data
def test_no_deadlines_leaves_out_on_time_closure_and_overdue(tmp_path):
    """Boston imported without its target_dt: overdue would read 0 for all, so it is left out with on-time closure."""
    db, mapping = tmp_path / "b.duckdb", tmp_path / "boston.toml"
    mapping.write_text(BOSTON_MAPPING.replace('resolve_by = "target_dt"\n', ""), encoding="utf-8")
    metrics("init", "--db", str(db), "--city", "Boston")
    metrics("import", str(DATA / "boston311-100.csv"), "--db", str(db), "--mapping", str(mapping), "--quiet")
    rows, err = scores_json(db, "timeliness")
    assert err.strip() == ("note: Not in this period's data: On-time closure rate, Overdue, "
                           "left out; the other weights renormalised to: Time to close, median 100.0%")
    ranked = [r for r in rows if r["rank"] is not None]
    assert len(ranked) >= 3 and all(r["score"] == r["close_hours_p50_score"] for r in ranked)
    refused = subprocess.run([sys.executable, "-m", "metrics", "scores", "--db", str(db), "--period", MONTH,
                              "--scheme", str(require_all(tmp_path))], capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parent.parent)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "require_all = true" in refused.stderr and "on_time_close_rate, overdue" in refused.stderr


def require_all(tmp_path: Path) -> Path:
    from metrics.assess.schemes import SCHEMES_DIR
    path = tmp_path / "strict.toml"
    text = (SCHEMES_DIR / "timeliness.toml").read_text(encoding="utf-8")
    path.write_text(text.replace('grades = "quartiles"', 'grades = "quartiles"\nrequire_all = true'), encoding="utf-8")
    return path
