"""Bad CLI calls: one line on stderr, no traceback, nothing half done."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from metrics.store import files
from tests.ingest_fixtures import build_tiny_store, write_hotline_csv

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "metrics", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def one_line_error(out: subprocess.CompletedProcess, *words: str) -> None:
    assert out.returncode != 0 and "Traceback" not in out.stderr, out.stderr
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("error: "), out.stderr
    for word in words:
        assert word in out.stderr, out.stderr


@pytest.mark.parametrize("period, words", [("0001-01", ["outside the years 1900–2999"]),
                                           ("9999-12", ["outside the years 1900–2999"]),
                                           ("W0001-01", ["outside the years"]),
                                           ("2026-13", ["not a month"])])
def test_bad_periods(demo_store: Path, tmp_path: Path, period: str, words: list[str]) -> None:
    one_line_error(run_cli("scorecard", "--db", str(demo_store), "--period", period, "--format", "csv",
                           "--out", str(tmp_path / "out")), f"'{period}'", *words)
    one_line_error(run_cli("scores", "--db", str(demo_store), "--period", period), f"'{period}'", *words)


def test_out_that_is_a_file_or_a_read_only_folder(demo_store: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    one_line_error(run_cli("scorecard", "--db", str(demo_store), "--period", "2026-09", "--format", "csv",
                           "--out", str(a_file)), "is a file, not a folder")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        one_line_error(run_cli("scorecard", "--db", str(demo_store), "--period", "2026-09", "--format", "csv",
                               "--out", str(locked / "sub")), "read-only")
        assert not list(locked.iterdir())
    finally:
        locked.chmod(0o755)


def test_import_into_a_missing_store_creates_nothing(tmp_path: Path) -> None:
    src = tmp_path / "a.csv"
    write_hotline_csv(src, 10, "utf-8")
    db = tmp_path / "none.duckdb"
    one_line_error(run_cli("import", "--quiet", "--db", str(db), str(src)), "No GridScore store", str(db))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]


def test_a_read_only_store_is_refused_before_the_work(tmp_path: Path) -> None:
    db = build_tiny_store(tmp_path / "store.duckdb")
    src = tmp_path / "a.csv"
    write_hotline_csv(src, 2_000, "utf-8")
    db.chmod(0o444)
    out = run_cli("import", "--db", str(db), str(src))
    one_line_error(out, "read-only", "nothing was changed")
    assert "progress" not in out.stderr and not files.stale_temps(db)


def test_rollback_and_redo_without_anything_to_do(tmp_path: Path) -> None:
    db = build_tiny_store(tmp_path / "store.duckdb")
    one_line_error(run_cli("rollback", "--db", str(db)), "No earlier snapshot")
    one_line_error(run_cli("rollback", "--redo", "--db", str(db)), "Nothing to redo")
    one_line_error(run_cli("rollback", "--db", "/dev/null"), "No GridScore store")
    assert not Path("/dev/null.readers").exists() and not Path("/dev/null.lock").exists()


def test_missing_columns_name_the_encoding_the_file_was_read_as(tmp_path: Path) -> None:
    from metrics.cli.imports import summary
    from metrics.ingest.importer import ImportResult

    r = ImportResult("imp-1", tmp_path / "a.csv", fmt="csv", encoding="gb18030", read=5, rejected=5,
                     missing_columns=["received_at"])
    assert "columns not in the file: received_at (the file was read as gb18030)" in summary(r)
