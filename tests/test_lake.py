"""The lake (export-lake), the roll-up job on DuckDB, and a store that reads its requests from a lake.

Everything here runs without Java; the same job on Spark: tests/test_spark_parity.py.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from metrics.core.access import DEMO_VIEWER
from metrics.core.levels import LEVELS
from metrics.core.periods import parse_month, parse_period
from metrics.core.registry import DEFAULT_PARAMS, METRICS
from metrics.ingest.importer import import_files
from metrics.ingest.units import init_store
from metrics.query.coverage import metric_coverage
from metrics.query.tables import scope_totals, unit_table
from metrics.scale.compare import output_table, rollup_differences, unit_month_differences
from metrics.scale.engines import DuckEngine
from metrics.scale.job import run_job
from metrics.store.lake import PERSONAL, LakeError, attach_rollups, export_lake, lake_of, read_manifest
from metrics.store.rollup import table_columns
from metrics.store.snapshots import after_write, data_version, open_read, write_snapshot
from tests.lake_data import random_store

ROOT = Path(__file__).resolve().parents[1]
CREDIT = DEFAULT_PARAMS["basic_credit"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "metrics", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A random store, its lake and the DuckDB job's output (for the month 2026-10)."""
    base = tmp_path_factory.mktemp("lake")
    store = random_store(base / "store.duckdb")
    return (store, *lake_and_rollups(store, base))


def lake_and_rollups(store: Path, base: Path, month: str | None = "2026-10") -> tuple[Path, Path]:
    """``store`` exported as ``base/lake`` and the DuckDB job's output ``base/rollups`` built from it."""
    con = open_read(store)
    try:
        export_lake(con, base / "lake")
    finally:
        con.close()
    engine = DuckEngine()
    try:
        run_job(engine, base / "lake", base / "rollups", month=month)
    finally:
        engine.close()
    return base / "lake", base / "rollups"


def emptied_copy(store: Path, path: Path) -> Path:
    """A copy of ``store`` with the same units and no requests."""
    shutil.copyfile(store, path)
    with write_snapshot(path, label="empty") as con:
        con.execute("DELETE FROM requests")
        after_write(con)
    return path


def test_lake_holds_every_row_in_its_month_without_personal_fields(built):
    store, lake, _ = built
    con = duckdb.connect()
    con.execute(f"ATTACH '{store}' AS s (READ_ONLY)")
    files = f"read_parquet('{lake}/requests/*/*.parquet', hive_partitioning = true, filename = true)"
    misplaced = con.execute(f"SELECT count(*) FROM {files} WHERE month <> strftime(received_at, '%Y-%m')"
                            " OR NOT contains(filename, 'month=' || month)").fetchone()[0]
    assert misplaced == 0
    columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {files}").fetchall()]
    assert not set(PERSONAL) & set(columns)
    kept = [c for c in columns if c not in ("month", "filename")]
    for a, b in (("s.requests", files), (files, "s.requests")):
        assert con.execute(f"SELECT count(*) FROM (SELECT {', '.join(kept)} FROM {a} "
                           f"EXCEPT ALL SELECT {', '.join(kept)} FROM {b})").fetchone()[0] == 0
    manifest = read_manifest(lake)
    assert manifest["requests"] == con.execute("SELECT count(*) FROM s.requests").fetchone()[0]
    assert manifest["months"] == [r[0] for r in con.execute(
        "SELECT DISTINCT strftime(received_at, '%Y-%m') m FROM s.requests ORDER BY m").fetchall()]
    assert manifest["units"] == con.execute("SELECT count(*) FROM s.units").fetchone()[0]


def test_personal_fields_only_when_asked(built, tmp_path):
    store, _, _ = built
    con = open_read(store)
    try:
        manifest = export_lake(con, tmp_path / "lake", personal=True)
        held = con.execute("SELECT count(*) FROM requests WHERE citizen_phone IS NOT NULL").fetchone()[0]
    finally:
        con.close()
    assert set(PERSONAL) <= set(manifest["columns"])
    lake = duckdb.connect().execute(
        f"SELECT count(*) FROM read_parquet('{tmp_path}/lake/requests/*/*.parquet') WHERE citizen_phone IS NOT NULL")
    assert lake.fetchone()[0] == held > 0


def test_a_lake_is_never_written_over(built, tmp_path):
    store, _, _ = built
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    con = open_read(store)
    try:
        with pytest.raises(LakeError, match="not an empty folder"):
            export_lake(con, out)
    finally:
        con.close()
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert not list(tmp_path.glob(".taken.tmp-*"))


def test_duckdb_job_equals_the_store_roll_ups_exactly(built):
    store, _, rollups = built
    con = duckdb.connect()
    con.execute(f"ATTACH '{store}' AS s (READ_ONLY)")
    for table in table_columns():
        assert rollup_differences(con, f"s.{table}", output_table(con, rollups, table), table) == []
    manifest = json.loads((rollups / "rollups.json").read_text())
    assert manifest["rows"]["rollup_daily"] == con.execute("SELECT count(*) FROM s.rollup_daily").fetchone()[0]


def test_unit_month_is_every_metric_of_every_level_as_the_query_layer_gives_it(built):
    """The job's unit tables equal unit_table over the detail rows: every registry metric, every level."""
    store, _, rollups = built
    got = duckdb.connect().execute(f"SELECT * FROM {output_table(None, rollups, 'unit_month')}").df()
    con = open_read(store)
    try:
        want = pd.concat([unit_table(con, DEMO_VIEWER, level, parse_month("2026-10"), basic_credit=CREDIT,
                                     source="detail").assign(level=level) for level in LEVELS], ignore_index=True)
    finally:
        con.close()
    assert {m.id for m in METRICS} <= set(got.columns)
    assert set(got["level"]) == set(LEVELS)
    assert got["requests"].sum() > 0 and got["response_hours_p90"].notna().any()
    assert unit_month_differences(want, got[want.columns]) == []


def test_a_store_without_requests_serves_the_lake_with_the_same_numbers(built, tmp_path):
    store, lake, rollups = built
    served = emptied_copy(store, tmp_path / "served.duckdb")
    attach_rollups(served, rollups)
    periods = [parse_month("2026-10"), parse_month("2026-08"), parse_period("2026-09-15..2026-11-30"),
               parse_period("2026")]
    original, new = open_read(store), open_read(served)
    try:
        assert lake_of(new) == str(lake.resolve()) and lake_of(original) is None
        assert new.execute("SELECT count(*) FROM requests").fetchone()[0] == read_manifest(lake)["requests"]
        for period in periods:
            for source in ("auto", "rollup", "detail"):
                a = scope_totals(original, DEMO_VIEWER, period, basic_credit=CREDIT, source=source)
                b = scope_totals(new, DEMO_VIEWER, period, basic_credit=CREDIT, source=source)
                assert a == pytest.approx(b, rel=1e-12, nan_ok=True), (period, source)
            for level in ("street", "grid", "department"):
                a = unit_table(original, DEMO_VIEWER, level, period, basic_credit=CREDIT)
                b = unit_table(new, DEMO_VIEWER, level, period, basic_credit=CREDIT)
                pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
        # the drill rows read the lake: personal fields the lake does not hold are empty, the rest is there
        row = new.execute("SELECT request_id, received_at, citizen_phone FROM requests WHERE request_id = 'R01'").fetchone()
        assert row[0] == "R01" and row[2] is None
    finally:
        original.close()
        new.close()


def test_a_lake_backed_store_refuses_imports_and_keeps_its_data(built, tmp_path):
    store, lake, rollups = built
    served = emptied_copy(store, tmp_path / "served.duckdb")
    attach_rollups(served, rollups)
    before = data_version(served)
    csv = tmp_path / "more.csv"
    csv.write_text("request_id,received_at\nN1,2026-10-02 10:00:00\n", encoding="utf-8")
    with pytest.raises(LakeError, match="reads its requests from the lake"):
        import_files(served, [csv])
    assert data_version(served) == before
    result = run_cli("sql", "--db", str(served), "SELECT count(*) AS n FROM requests")
    assert result.returncode == 0 and result.stdout.splitlines()[1] == str(read_manifest(lake)["requests"])
    other = run_cli("sql", "--db", str(served), f"SELECT count(*) FROM read_parquet('{rollups}/rollup_daily/*.parquet')")
    assert other.returncode != 0 and "refused" in other.stderr


def test_attach_refuses_roll_ups_that_do_not_fit(built, tmp_path):
    store, lake, rollups = built
    # another unit tree
    other_units = emptied_copy(store, tmp_path / "units.duckdb")
    with write_snapshot(other_units, label="units") as con:
        con.execute("UPDATE units SET parent_id = 'S2' WHERE unit_id = 'C2'")
        after_write(con)
    before = data_version(other_units)
    with pytest.raises(LakeError, match="another unit tree.*--units-from-lake"):
        attach_rollups(other_units, rollups)
    assert data_version(other_units) == before
    attach_rollups(other_units, rollups, units_from_lake=True)   # the lake's tree replaces the store's
    con = open_read(other_units)
    try:
        assert con.execute("SELECT parent_id FROM units WHERE unit_id = 'C2'").fetchone()[0] == "S1"
        assert con.execute("SELECT count(*) FROM unit_ancestors WHERE unit_id = 'G3' AND ancestor_id = 'S1'"
                           ).fetchone()[0] == 1
    finally:
        con.close()
    # a store that holds other requests
    fewer = tmp_path / "fewer.duckdb"
    shutil.copyfile(store, fewer)
    with write_snapshot(fewer, label="fewer") as con:
        con.execute("DELETE FROM requests WHERE request_id = 'R01'")
        after_write(con)
    with pytest.raises(LakeError, match="built from"):
        attach_rollups(fewer, rollups)
    # a lake that changed since the roll-ups were built
    moved = tmp_path / "rollups"
    shutil.copytree(rollups, moved)
    manifest = json.loads((moved / "rollups.json").read_text())
    manifest["requests"] += 1
    (moved / "rollups.json").write_text(json.dumps(manifest))
    with pytest.raises(LakeError, match="run the roll-up job again"):
        attach_rollups(emptied_copy(store, tmp_path / "e.duckdb"), moved)


def test_the_three_commands_end_to_end(built, tmp_path):
    store, _, _ = built
    lake, out = tmp_path / "lake", tmp_path / "out"
    done = run_cli("export-lake", "--db", str(store), "--out", str(lake))
    assert done.returncode == 0, done.stderr
    months = read_manifest(lake)["months"]
    assert (f"{read_manifest(lake)['requests']:,} requests in {len(months)} month partitions ({months[0]} … {months[-1]})" in done.stdout
            and "personal fields left out" in done.stdout)
    again = run_cli("export-lake", "--db", str(store), "--out", str(lake))
    assert again.returncode == 1 and "not an empty folder" in again.stderr and "Traceback" not in again.stderr
    built_ = run_cli("rollup", "--lake", str(lake), "--out", str(out), "--month", "2026-10")
    assert built_.returncode == 0, built_.stderr
    assert "unit tables of 2026-10 on duckdb" in built_.stdout
    served = tmp_path / "served.duckdb"   # a new user's store: init, then the lake's roll-ups and units
    assert run_cli("init", "--db", str(served), "--city", "示范市").returncode == 0
    refused = run_cli("attach-rollups", str(out), "--db", str(served))
    assert refused.returncode == 1 and "--units-from-lake" in refused.stderr and "Traceback" not in refused.stderr
    attached = run_cli("attach-rollups", str(out), "--db", str(served), "--units-from-lake")
    assert attached.returncode == 0, attached.stderr
    assert "attached (built on duckdb" in attached.stdout
    scores = [run_cli("scores", "--db", str(db), "--period", "2026-10", "--format", "csv") for db in (store, served)]
    assert scores[0].returncode == 0 and scores[0].stdout.count("\n") > 2
    assert scores[0].stdout == scores[1].stdout
    missing = run_cli("rollup", "--lake", str(tmp_path), "--out", str(tmp_path / "x"))
    assert missing.returncode == 1 and "is not a GridScore lake" in missing.stderr


def test_an_empty_lake_has_no_month_to_build(tmp_path):
    store = emptied_copy(random_store(tmp_path / "s.duckdb"), tmp_path / "empty.duckdb")
    con = open_read(store)
    try:
        manifest = export_lake(con, tmp_path / "lake")
    finally:
        con.close()
    assert manifest["requests"] == 0 and manifest["months"] == []
    engine = DuckEngine()
    try:
        with pytest.raises(ValueError, match="holds no requests"):
            run_job(engine, tmp_path / "lake", tmp_path / "out")
    finally:
        engine.close()
    assert not (tmp_path / "out").exists()


def test_a_new_store_serving_a_lake_knows_which_fields_the_imports_held(built, tmp_path):
    """"Not in the data" comes from the imports' field coverage, which travels with the lake."""
    store, _, _ = built
    partial = tmp_path / "partial.duckdb"
    shutil.copyfile(store, partial)
    fields = ["request_id", "received_at", "unit", "dept", "closed_at", "resolve_by", "status", "visited",
              "contacted", "resolved", "satisfaction", "first_contact_at", "respond_by", "source"]
    with write_snapshot(partial, label="coverage") as con:   # the source had no repeat flag nor return count
        con.execute("INSERT INTO import_fields SELECT 'fixture', unnest($f), NULL, 10, 10", {"f": fields})
    lake_and_rollups(partial, tmp_path)
    served = tmp_path / "served.duckdb"
    init_store(served, "示范市", unit_id="CITY")
    attach_rollups(served, tmp_path / "rollups", units_from_lake=True)
    month = parse_month("2026-10")
    seen = []
    for db in (partial, served):
        con = open_read(db)
        try:
            seen.append({k: (c.status, c.missing) for k, c in metric_coverage(con, DEMO_VIEWER, month).items()})
        finally:
            con.close()
    assert seen[0]["repeat_rate"] == ("missing", ("is_repeat",)) and seen[0]["resolution_rate"][0] == "ok"
    assert seen[1] == seen[0]


def test_spark_without_java_is_a_clear_error(built, tmp_path):
    """No PySpark (the main suite) or no Java (PATH without it): one line naming what to install."""
    _, lake, _ = built
    env = {**os.environ, "PATH": "/nonexistent", "JAVA_HOME": "/nonexistent"}
    done = subprocess.run([sys.executable, "-m", "metrics", "rollup", "--engine", "spark", "--lake", str(lake),
                           "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "Java runtime" in done.stderr and "openjdk-17-jre-headless" in done.stderr
    assert not (tmp_path / "out").exists()
