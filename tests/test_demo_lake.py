"""``demo --lake``: the demo's requests written straight to a lake hold what export_lake writes."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from metrics.demo import build_demo
from metrics.demo import lake as demo_lake
from metrics.store.lake import LakeError, export_lake, requests_glob
from metrics.store.snapshots import open_read
from tests.conftest import ROOT

N, SEED, MONTHS, END = 20_000, 3, 3, dt.date(2026, 10, 1)
CHUNK_ROWS = 3_000   # several chunks a month, the last of each month short


def _demo_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "metrics", "demo", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def _requests(lake: Path) -> str:
    return f"read_parquet('{requests_glob(lake)}', hive_partitioning = true)"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Lakes from ``demo --lake`` (the CLI, and the API with small chunks) and export_lake of normal stores
    built with the same arguments."""
    base = tmp_path_factory.mktemp("demo_lake")
    paths = {"cli_lake": base / "cli_lake", "api_lake": base / "api_lake"}
    paths["cli_lake"].mkdir()   # an existing empty folder is taken
    done = _demo_cli("--db", str(base / "cli.duckdb"), "--lake", str(paths["cli_lake"]), "--requests", str(N),
                     "--seed", str(SEED), "--months", str(MONTHS), "--end", f"{END:%Y-%m}")
    assert done.returncode == 0, done.stderr
    (base / "cli.out").write_text(done.stdout, encoding="utf-8")
    build_demo(base / "api.duckdb", requests=N, seed=SEED, months=MONTHS, end=END, chunk_rows=CHUNK_ROWS,
               lake=paths["api_lake"])
    for name, chunk_rows in (("cli", None), ("api", CHUNK_ROWS)):
        store = base / f"{name}_normal.duckdb"
        build_demo(store, requests=N, seed=SEED, months=MONTHS, end=END,
                   **({"chunk_rows": chunk_rows} if chunk_rows else {}))
        con = open_read(store)
        try:
            export_lake(con, base / f"{name}_export")
        finally:
            con.close()
        paths[f"{name}_export"] = base / f"{name}_export"
        paths[f"{name}_store"] = base / f"{name}.duckdb"
    return paths


@pytest.mark.parametrize("name", ["cli", "api"])
def test_same_rows_as_export_lake(built: dict[str, Path], name: str) -> None:
    lake, export = _requests(built[f"{name}_lake"]), _requests(built[f"{name}_export"])
    con = duckdb.connect()
    assert con.execute(f"DESCRIBE SELECT * FROM {lake}").fetchall() == \
        con.execute(f"DESCRIBE SELECT * FROM {export}").fetchall()
    for a, b in ((lake, export), (export, lake)):
        assert con.execute(f"SELECT count(*) FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b})").fetchone()[0] == 0
    counts = [con.execute(f"SELECT count(*), count(DISTINCT request_id), list(DISTINCT month ORDER BY month)"
                          f" FROM {src}").fetchone() for src in (lake, export)]
    assert counts[0] == counts[1] == (N, N, ["2026-08", "2026-09", "2026-10"])


def test_cli_reports_the_lake(built: dict[str, Path]) -> None:
    out = (built["cli_lake"].parent / "cli.out").read_text(encoding="utf-8")
    assert f"requests: {N:,} in {MONTHS} months 2026-08 to 2026-10, written to the lake {built['cli_lake']}" in out


@pytest.mark.parametrize("name", ["cli", "api"])
def test_manifest_and_units_match_export_lake(built: dict[str, Path], name: str) -> None:
    ours, theirs = (json.loads((built[f"{name}_{k}"] / "lake.json").read_text(encoding="utf-8"))
                    for k in ("lake", "export"))
    assert ours.pop("written_at") and theirs.pop("written_at")
    assert ours == theirs and ours["requests"] == N and ours["personal"] is False
    con = duckdb.connect()
    for table in ("units", "unit_ancestors"):
        a, b = (f"read_parquet('{built[f'{name}_{k}'] / f'{table}.parquet'}')" for k in ("lake", "export"))
        assert con.execute(f"SELECT count(*) FROM {a}").fetchone()[0] > 0
        assert con.execute(f"SELECT count(*) FROM (SELECT * FROM {a} EXCEPT SELECT * FROM {b}"
                           f" UNION ALL (SELECT * FROM {b} EXCEPT SELECT * FROM {a}))").fetchone()[0] == 0


@pytest.mark.parametrize("name", ["cli", "api"])
def test_each_file_in_its_rows_month_one_file_per_chunk(built: dict[str, Path], name: str) -> None:
    lake = built[f"{name}_lake"]
    files = sorted(lake.glob("requests/*/*.parquet"), key=lambda f: f.name)
    con = duckdb.connect()
    for f in files:
        months = con.execute("SELECT list(DISTINCT strftime(received_at, '%Y-%m')) FROM read_parquet($f)",
                             {"f": str(f)}).fetchone()[0]
        assert [f"month={m}" for m in months] == [f.parent.name]
    assert [f.name for f in files] == [f"chunk-{i:06d}.parquet" for i in range(len(files))]
    # the default chunks are a month each; 3,000-row chunks cut each month into several
    per_month = [len(list(d.iterdir())) for d in (lake / "requests").iterdir()]
    assert len(per_month) == MONTHS and all(n == 1 if name == "cli" else n > 1 for n in per_month)
    assert not list(lake.parent.glob(f".{lake.name}.tmp-*"))


@pytest.mark.parametrize("name", ["cli", "api"])
def test_store_has_units_and_no_requests(built: dict[str, Path], name: str) -> None:
    con = open_read(built[f"{name}_store"])
    try:
        one = lambda sql: con.execute(sql).fetchone()[0]   # noqa: E731
        assert one("SELECT count(*) FROM requests") == 0
        assert one("SELECT count(*) FROM units") > 3000 and one("SELECT count(*) FROM unit_ancestors") > 0
        assert one("SELECT count(*) FROM boundaries") > 0
        assert con.execute("SELECT kind, rows_read FROM imports").fetchall() == [("demo", N)]
    finally:
        con.close()


def test_non_empty_folder_refused_and_untouched(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    lake.mkdir()
    (lake / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(LakeError, match="not an empty folder"):
        build_demo(tmp_path / "s.duckdb", requests=100, seed=1, months=1, end=END, lake=lake)
    done = _demo_cli("--db", str(tmp_path / "s.duckdb"), "--lake", str(lake), "--requests", "100", "--months", "1")
    assert done.returncode == 1 and "not an empty folder" in done.stderr and "Traceback" not in done.stderr
    assert [p.name for p in lake.iterdir()] == ["keep.txt"] and (lake / "keep.txt").read_text() == "mine"
    assert not (tmp_path / "s.duckdb").exists()
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(LakeError):
        build_demo(tmp_path / "s.duckdb", requests=100, seed=1, months=1, end=END, lake=a_file)


def test_failed_build_leaves_no_lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = demo_lake.write_requests

    def write_then_fail(con, chunks, tmp):
        real(con, chunks, tmp)
        assert list(tmp.glob("requests/*/*.parquet"))   # files were written before the failure
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo_lake, "write_requests", write_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        build_demo(tmp_path / "s.duckdb", requests=2_000, seed=1, months=2, end=END, lake=tmp_path / "lake")
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == []


def test_chunk_spanning_two_months_refused(tmp_path: Path) -> None:
    con = duckdb.connect()
    chunk = tmp_path / "chunk-000000.parquet"
    for stamps, month in ((["2026-09-30 23:59:59", "2026-09-01 00:00:00"], "2026-09"),
                          (["2026-09-30 23:59:59", "2026-10-01 00:00:00"], None)):
        con.execute(f"COPY (SELECT unnest($t)::TIMESTAMP AS received_at) TO '{chunk}' (FORMAT parquet)", {"t": stamps})
        if month:
            assert demo_lake.chunk_month(con, chunk) == month
        else:
            with pytest.raises(RuntimeError, match="2026-09 to 2026-10"):
                demo_lake.chunk_month(con, chunk)
