"""``python -m metrics scores`` on a small demo store: every format, checked against the engine on
unit_table and against an independent pandas recomputation of the three rates from raw requests."""
from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metrics.__main__ import main
from metrics.core.access import DEMO_VIEWER, Viewer
from metrics.assess.engine import required_metrics, score_units, scheme_period
from metrics.assess.fairness import casemix_adjust, category_counts
from metrics.query.tables import unit_table
from metrics.assess.schemes import load_scheme
from metrics.store.snapshots import open_read

ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2026-08"
RATES = ("response_rate", "resolution_rate", "satisfaction_rate")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from metrics.demo import build_demo

    path = tmp_path_factory.mktemp("assess") / "demo.duckdb"
    build_demo(path, requests=30_000, seed=3, months=6, end=dt.date(2026, 9, 1))
    return path


def scores(store: Path, capsys, *extra: str) -> str:
    code = main(["scores", "--db", str(store), "--period", PERIOD, *extra])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def engine(store: Path, scheme_name: str, level: str | None = None) -> pd.DataFrame:
    scheme = load_scheme(scheme_name)
    con = open_read(store)
    try:
        table = unit_table(con, DEMO_VIEWER, level or scheme.level, scheme_period(scheme, PERIOD),
                           metric_ids=list(required_metrics(scheme)) + list(RATES), basic_credit=scheme.basic_credit)
    finally:
        con.close()
    return score_units(table, scheme).set_index("unit_id")


def reference_rates(store: Path, start: dt.date, end: dt.date, credit: float = 0.9) -> pd.DataFrame:
    """The three rates per street in plain pandas: each request's street found by walking parent_id."""
    con = open_read(store)
    try:
        units = con.execute("SELECT unit_id, parent_id, level FROM units").df()
        req = con.execute("SELECT unit_id, received_at, assessable, visited, contacted, resolved, satisfaction "
                          "FROM requests").df()
    finally:
        con.close()
    parent = dict(zip(units["unit_id"], units["parent_id"]))
    level = dict(zip(units["unit_id"], units["level"]))

    def street_of(unit):
        while unit is not None and level.get(unit) != "street":
            unit = parent.get(unit)
        return unit

    req = req[(req["received_at"] >= pd.Timestamp(start)) & (req["received_at"] < pd.Timestamp(end))]
    req = req.assign(street=req["unit_id"].map({u: street_of(u) for u in req["unit_id"].dropna().unique()}))
    visited = req[req["assessable"].fillna(False).astype(bool) & req["visited"].fillna(False).astype(bool)]
    credit_of = visited["satisfaction"].map({"satisfied": 1.0, "basic": credit}).fillna(0.0)
    g = visited.assign(c=visited["contacted"].fillna(False).astype(float),
                       r=visited["resolved"].fillna(False).astype(float), s=credit_of).groupby("street")
    out = pd.DataFrame({"response_rate": g["c"].mean(), "resolution_rate": g["r"].mean(),
                        "satisfaction_rate": g["s"].mean(), "visited": g.size()})
    out["requests"] = req.groupby("street").size()
    return out


def test_csv_equals_engine_and_reference(store, capsys):
    csv = pd.read_csv(io.StringIO(scores(store, capsys, "--format", "csv")), dtype={"unit_id": str})
    assert list(csv.columns[:9]) == ["unit_id", "unit_name", "requests", *RATES, "score", "rank", "grade"]
    eng = engine(store, "beijing-3rates")
    assert sorted(csv["unit_id"]) == sorted(eng.index)
    csv = csv.set_index("unit_id")
    for col in (*RATES, "score"):
        assert np.allclose(csv[col], eng.loc[csv.index, col], atol=1e-4, equal_nan=True), col
    assert (csv["rank"].fillna(-1) == eng.loc[csv.index, "rank"].astype(float).fillna(-1)).all()
    ranked = csv[csv["rank"].notna()]
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))      # rows in rank order
    assert csv.loc[csv["insufficient"], "rank"].isna().all()
    assert len(ranked) >= 5, "the demo month should rank several streets"

    period = scheme_period(load_scheme("beijing-3rates"), PERIOD)
    ref = reference_rates(store, period.start, period.end)
    for col in RATES:
        assert np.allclose(csv.loc[ref.index, col], ref[col], atol=1e-6), col
    assert (csv.loc[ref.index, "requests"] == ref["requests"]).all()
    expected = 100 * (0.10 * ref["response_rate"] + 0.50 * ref["resolution_rate"] + 0.40 * ref["satisfaction_rate"])
    assert np.allclose(csv.loc[ref.index, "score"], expected, atol=1e-4)
    assert ((ref["visited"] < 30) == csv.loc[ref.index, "insufficient"]).all()


@pytest.mark.parametrize("scheme", ["beijing-3rates-window", "cityscore", "timeliness", "three-rates-20-40-40"])
def test_json_equals_engine(store, capsys, scheme):
    rows = json.loads(scores(store, capsys, "--format", "json", "--scheme", scheme))
    eng = engine(store, scheme)
    assert len(rows) == len(eng)
    for row in rows:
        unit = eng.loc[row["unit_id"]]
        assert (row["score"] is None) == bool(pd.isna(unit["score"]))
        if row["score"] is not None:
            assert row["score"] == pytest.approx(unit["score"], abs=1e-4)
        assert row["rank"] == (None if pd.isna(unit["rank"]) else int(unit["rank"]))
        assert row["grade"] == (None if pd.isna(unit["grade"]) else unit["grade"])
        for col in RATES:
            assert (row[col] is None and pd.isna(unit[col])) or row[col] == pytest.approx(unit[col], abs=1e-6)


def test_window_scheme_uses_the_window(store, capsys):
    rows = json.loads(scores(store, capsys, "--format", "json", "--scheme", "beijing-3rates-window"))
    ref = reference_rates(store, dt.date(2026, 7, 19), dt.date(2026, 8, 19))
    by_id = {r["unit_id"]: r for r in rows}
    for unit, expected in ref["resolution_rate"].items():
        assert by_id[unit]["resolution_rate"] == pytest.approx(expected, abs=1e-6)


def test_table_format_and_level(store, capsys):
    text = scores(store, capsys, "--format", "table")
    assert text.splitlines()[0].startswith("北京三率（10/50/40） / Beijing three rates (10/50/40)")
    assert "unit_id" in text.splitlines()[1] and "%" in text
    csv = pd.read_csv(io.StringIO(scores(store, capsys, "--format", "csv", "--level", "community")))
    con = open_read(store)
    n = con.execute("SELECT count(*) FROM units WHERE level = 'community'").fetchone()[0]
    con.close()
    assert len(csv) == n


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--period", "2026-13"], 2, "period '2026-13' is not a month"),
    (["--period", "2026-08", "--scheme", "no-such-scheme"], 2, "unknown scheme 'no-such-scheme'"),
    (["--period", "2026-08", "--db", "/nonexistent/x.duckdb"], 1, "No GridScore store at /nonexistent/x.duckdb"),
])
def test_errors_are_one_line(store, args, code, message):
    cmd = [sys.executable, "-m", "metrics", "scores", "--db", str(store), *args]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == code
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_casemix_counts_reconcile_with_unit_table(store):
    scheme = load_scheme("beijing-3rates")
    period = scheme_period(scheme, PERIOD)
    con = open_read(store)
    try:
        counts = category_counts(con, DEMO_VIEWER, "street", period, "satisfaction_rate", basic_credit=0.9)
        table = unit_table(con, DEMO_VIEWER, "street", period, metric_ids=["satisfaction_rate"],
                           basic_credit=0.9).set_index("unit_id")
        scoped = category_counts(con, Viewer("unit", scope_unit_id=table.index[0]), "street", period, "resolution_rate",
                                 basic_credit=0.9)
    finally:
        con.close()
    per_unit = counts.groupby("unit_id")[["num", "den"]].sum()
    assert np.allclose(per_unit["den"], table.loc[per_unit.index, "satisfaction_rate_den"])
    assert np.allclose(per_unit["num"], table.loc[per_unit.index, "satisfaction_rate_num"])
    adjusted = casemix_adjust(counts)
    assert adjusted["adjusted"].between(0, 1.5).all()
    assert set(scoped["unit_id"]) == {table.index[0]}
