"""A scheme whose basic-satisfied credit is not 0.9 (here 0.5) is scored with its own credit everywhere:
assess(), ``python -m metrics scores`` and the csv / xlsx scorecard exports, each compared with the
independent pandas reference (tests/reference.py) computed with credit 0.5."""
from __future__ import annotations

import contextlib
import csv
import io
import math
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from metrics.__main__ import main
from metrics.assess.engine import assess, scheme_period
from metrics.assess.schemes import load_scheme
from metrics.core.access import DEMO_VIEWER
from metrics.store.snapshots import open_read
from tests.reference import reference_unit_table
from tests.test_scorecard_xlsx import HALF, half_credit_scheme, raw_frames

pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")

PERIOD = "2026-09"
WEIGHTS = {"response_rate": 0.10, "resolution_rate": 0.50, "satisfaction_rate": 0.40}


@pytest.fixture(scope="module")
def scheme_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = half_credit_scheme(tmp_path_factory.mktemp("credit"))
    assert load_scheme(str(path)).basic_credit == 0.5
    return path


@pytest.fixture(scope="module")
def expected(demo_store: Path) -> pd.DataFrame:
    """Per street, by the reference with credit 0.5: the three rates and 100 × Σ weight × rate."""
    requests, units = raw_frames(demo_store)
    p = scheme_period(load_scheme("beijing-3rates"), PERIOD).params()
    ref = reference_unit_table(requests, units, "street", p["start"], p["end"], basic_credit=0.5)
    at_09 = reference_unit_table(requests, units, "street", p["start"], p["end"], basic_credit=0.9)
    moved = (ref["satisfaction_rate"] - at_09["satisfaction_rate"]).abs()
    assert (moved > 0.01).sum() >= 5, "the credit must matter in this data for the test to mean anything"
    ref["score"] = 100 * sum(w * ref[m] for m, w in WEIGHTS.items())
    return ref


def close(a: object, b: float, tol: float) -> bool:
    if b is None or (isinstance(b, float) and math.isnan(b)):
        return a in (None, "") or (isinstance(a, float) and math.isnan(a))
    return a not in (None, "") and math.isclose(float(a), float(b), abs_tol=tol, rel_tol=0)


def run_cli(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(list(args)) == 0, args
    return out.getvalue()


def test_assess_scores_with_the_schemes_credit(demo_store, scheme_path, expected):
    scheme = load_scheme(str(scheme_path))
    con = open_read(demo_store)
    try:
        scored = assess(con, DEMO_VIEWER, scheme, scheme_period(scheme, PERIOD)).set_index("unit_id")
    finally:
        con.close()
    assert sorted(scored.index) == sorted(expected.index)
    for unit, want in expected.iterrows():
        assert close(scored.at[unit, "satisfaction_rate"], want["satisfaction_rate"], 1e-12), unit
        assert close(scored.at[unit, "satisfaction_rate_num"], want["satisfaction_rate_num"], 1e-9), unit
        assert close(scored.at[unit, "score"], want["score"], 1e-9), unit


def test_scores_command_and_csv_export_use_the_schemes_credit(demo_store, scheme_path, expected, tmp_path):
    text = run_cli("scores", "--db", str(demo_store), "--period", PERIOD, "--scheme", str(scheme_path),
                   "--format", "csv")
    rows = {r["unit_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert set(rows) == set(expected.index)
    printed = run_cli("scorecard", "--db", str(demo_store), "--period", PERIOD, "--scheme", str(scheme_path),
                      "--format", "csv", "--out", str(tmp_path), "--log", str(tmp_path / "log.jsonl"))
    ranking = next(Path(p) for p in printed.splitlines() if p.endswith("_ranking.csv"))
    exported = {r["单位编码"]: r for r in csv.DictReader(io.StringIO(ranking.read_text(encoding="utf-8-sig")))}
    assert set(exported) == set(expected.index)
    for unit, want in expected.iterrows():
        assert close(rows[unit]["satisfaction_rate"], want["satisfaction_rate"], 1e-6), unit
        assert close(rows[unit]["score"], want["score"], 1e-4), unit
        assert close(exported[unit]["满意率"], want["satisfaction_rate"], 1e-6), unit
        assert close(exported[unit]["综合得分"], want["score"], 1e-4), unit


def test_xlsx_export_uses_the_schemes_credit(demo_store, scheme_path, expected, tmp_path):
    printed = run_cli("scorecard", "--db", str(demo_store), "--period", PERIOD, "--scheme", str(scheme_path),
                      "--format", "xlsx", "--out", str(tmp_path), "--log", str(tmp_path / "log.jsonl"))
    wb = openpyxl.load_workbook(printed.strip())
    ws = wb["考核排名"]
    header = [c.value for c in ws[4]]
    rows = [r for r in ws.iter_rows(min_row=5, values_only=True) if r[1]]
    assert {r[1] for r in rows} == set(expected.index)
    for r in rows:
        want = expected.loc[r[1]]
        assert close(r[header.index("满意率")], want["satisfaction_rate"], 1e-12), r
        assert close(r[header.index("综合得分")], want["score"], 1e-9), r
    facts = {row[0]: row[1] for row in wb["方案与口径"].iter_rows(min_row=4, values_only=True) if row[0]}
    assert facts["基本满意折算"] == 0.5 and HALF in facts["版本"]
