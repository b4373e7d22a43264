"""bench/run.py on a tiny store: the scores comparison and the one-line JSON contract.

Pages, imports and scorecards are skipped (the browser and the importer have their own tests); what
runs is the demo build, the Parquet export, the engine's month of street scores and the independent
references, which must agree with the engine — and must stop agreeing when a reference is wrong.
No timing is asserted (speed targets live in the benchmark only).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import ref_pandas, ref_polars
from bench.ref_scores import differences, load_scheme

ROOT = Path(__file__).resolve().parent.parent
ROWS = 20_000
KEYS = ("rows", "scores_ms", "pandas_scores_ms", "polars_scores_ms", "page_warm_p50_ms", "page_warm_p95_ms",
        "page_cold_ms", "import_rows_per_s", "small_import_s", "app_peak_rss_mb", "load_avg", "cores", "ram_gb", "cpu")
ARGS = ["--rows", str(ROWS), "--quick", "--skip", "pages", "imports", "scorecards"]

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bench")


@pytest.fixture(scope="module")
def first_run(work: Path) -> subprocess.CompletedProcess:
    """`python bench/run.py` as a user runs it (builds the tiny store into ``work``)."""
    return subprocess.run([sys.executable, "bench/run.py", *ARGS, "--work", str(work), "--results",
                           str(work / "results")], cwd=ROOT, capture_output=True, text=True, timeout=170)


def test_last_line_is_the_json_summary(first_run, work):
    assert first_run.returncode == 0, first_run.stdout[-2000:] + first_run.stderr[-2000:]
    line = json.loads(first_run.stdout.strip().splitlines()[-1])
    assert set(KEYS) <= set(line)
    assert line["rows"] == ROWS and line["scores_equal"] is True and line["demo_reused"] is False
    assert line["scores_ms"] > 0 and line["pandas_scores_ms"] > 0
    assert (line["polars_scores_ms"] is None) == (not ref_polars.available()) == line["polars_skipped"]
    assert line["page_warm_p50_ms"] is None and line["import_rows_per_s"] is None   # skipped steps
    saved = list((work / "results").glob(f"*-{ROWS}.json"))
    assert len(saved) == 1 and json.loads(saved[0].read_text())["headline"]["scores_ms"] == line["scores_ms"]
    assert "scores, engine" in first_run.stdout and "scores, pandas" in first_run.stdout


def test_the_store_is_reused_and_a_wrong_reference_fails_the_run(first_run, work, monkeypatch, capsys):
    """A satisfaction formula without the basic-satisfied credit: the run reports differences, exits 1."""
    from bench import run

    assert first_run.returncode == 0
    original = ref_pandas.street_table
    monkeypatch.setattr(ref_pandas, "street_table",
                        lambda req, units, start, end, credit: original(req, units, start, end, 1.0))
    code = run.main([*ARGS, "--work", str(work), "--results", str(work / "broken")])
    out = capsys.readouterr().out
    line = json.loads(out.strip().splitlines()[-1])
    assert code == 1 and line["scores_equal"] is False and line["demo_reused"] is True
    assert "DIFFERENCES" in out and "satisfaction_rate" in out


@pytest.fixture(scope="module")
def tables(first_run, work):
    """The engine's scores and both references' on the tiny store (polars: None when not installed)."""
    from bench.scores import engine_scores, export_parquet
    from metrics.core.periods import parse_month

    db = next(work.glob(f"demo-{ROWS}-*.duckdb"))
    requests, units = export_parquet(db, work / f"{db.stem}-parquet")
    bounds = parse_month("2026-09").params()
    scheme = load_scheme()
    engine, _ = engine_scores(db, scheme.name, "2026-09", repeats=1)
    refs = {"pandas": ref_pandas.scores(requests, units, bounds["start"], bounds["end"], scheme)}
    if ref_polars.available():
        refs["polars"] = ref_polars.scores(requests, units, bounds["start"], bounds["end"], scheme)
    return engine, refs


@pytest.mark.parametrize("name", ["pandas", "polars"])
def test_references_agree_with_the_engine_and_the_check_sees_one_step_off(tables, name):
    engine, refs = tables
    if name not in refs:
        pytest.skip("polars is not installed (bench/requirements.txt)")
    ref = refs[name]
    assert differences(engine, ref) == []
    assert engine["rank"].notna().sum() >= 2   # the ranking is really compared
    street = engine.index[engine["requests"] > 0][0]
    for column, change in (("requests", 1), ("resolution_rate_den", -1), ("score", 1e-6), ("rank", 1)):
        off = ref.copy()
        off.loc[street, column] = off.loc[street, column] + change
        assert [p for p in differences(engine, off) if column in p], column
    off = ref.copy()
    off.loc[street, "satisfaction_rate"] *= 1 + 1e-8          # beyond 1e-9 relative
    assert differences(engine, off)
    off.loc[street, "satisfaction_rate"] = ref.loc[street, "satisfaction_rate"] * (1 + 1e-12)   # float noise
    assert differences(engine, off) == []
    assert differences(engine, ref.drop(index=street))     # a missing street
