"""`python -m metrics sql`: read-only CSV output with a header, clear errors."""
from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "metrics", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_query_prints_csv_with_header(demo_store):
    out = run_cli("sql", "--db", str(demo_store), "SELECT level, count(*) AS n FROM units GROUP BY level ORDER BY level")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert {r["level"] for r in rows} >= {"city", "district", "street", "community", "grid", "department"}
    assert all(int(r["n"]) > 0 for r in rows)


def test_store_is_read_only(demo_store):
    out = run_cli("sql", "--db", str(demo_store), "DELETE FROM requests")
    assert out.returncode != 0
    assert "read-only" in out.stderr.lower() or "read only" in out.stderr.lower()
    check = run_cli("sql", "--db", str(demo_store), "SELECT count(*) AS n FROM requests")
    assert int(check.stdout.splitlines()[1]) > 0


def test_bad_query_and_missing_store_are_one_line_errors(demo_store, tmp_path):
    bad = run_cli("sql", "--db", str(demo_store), "SELEC nonsense")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and "query failed" in bad.stderr
    missing = run_cli("sql", "--db", str(tmp_path / "none.duckdb"), "SELECT 1")
    assert missing.returncode == 1 and "No GridScore store" in missing.stderr
