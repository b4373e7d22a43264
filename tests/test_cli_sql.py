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


def test_no_file_access_from_sql(demo_store, tmp_path):
    """COPY/EXPORT/ATTACH/INSTALL/file functions are refused in one line and write nothing."""
    out_file = tmp_path / "leak.csv"
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    for query in (f"COPY (SELECT * FROM requests) TO '{out_file}'",
                  f"EXPORT DATABASE '{tmp_path / 'dump'}'",
                  f"ATTACH '{tmp_path / 'other.duckdb'}' AS o",
                  "INSTALL spatial",
                  f"SELECT * FROM read_csv('{secret}')",
                  f"SELECT * FROM glob('{tmp_path}/*')",
                  "SET enable_external_access = true"):
        out = run_cli("sql", "--db", str(demo_store), query)
        assert out.returncode == 1, query
        assert out.stderr.count("\n") == 1 and "refused" in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret.csv"]
