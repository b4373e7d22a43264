"""Data quality (metrics.query.quality, ``python -m metrics quality``): every figure recomputed with
pandas from the rows put into a small hand-built store (with cases on each boundary: closed at the
received time, exactly 365 days, a time equal to now) and from the realdata stores."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from metrics.query.quality import ALL, quality, reason_kind
from metrics.store.snapshots import create_schema
from tests.test_realdata import BOSTON_MAPPING, DATA, NYC_MAPPING, ROOT

NOW = dt.datetime(2026, 6, 1, 12, 0, 0)
T = pd.Timestamp
REQUESTS = pd.DataFrame([
    # id, import, received, first contact, closed, category, address, lat, lon, location_status
    ("r1", "A", T("2026-01-01 08:00"), None, T("2026-01-01 08:00"), "x", "addr1", None, None, "named"),
    ("r2", "A", T("2026-01-01 08:00"), None, T("2025-12-31 08:00"), "x", "addr1", None, None, "named"),
    ("r3", "A", T("2025-01-01 00:00"), None, T("2026-01-01 00:00"), "x", None, None, None, "unplaced"),
    ("r4", "B", T("2025-01-01 00:00"), None, T("2026-01-01 00:00:01"), "y", None, None, None, "unplaced"),
    ("r5", "B", T(NOW), None, None, "y", None, 1.5, 2.5, "placeholder"),
    ("r6", "B", T(NOW) + pd.Timedelta(seconds=1), None, None, "y", None, 1.5, 2.5, "placeholder"),
    ("r7", "B", T("2026-02-01 10:00"), T("2026-02-01 09:59"), None, "z", None, 3.0, 4.0, "placeholder"),
    ("r8", "B", T("2026-01-01 08:00"), None, None, "x", None, 1.0, 1.0, "point"),
    ("r9", "B", T("2026-01-01 08:00"), None, None, "x", None, 1.0, 1.0, "point"),
    ("r0", "B", T("2026-02-01 10:00"), T("2026-02-01 10:00"), None, "z", None, None, None, "named"),
], columns=["request_id", "import_id", "received_at", "first_contact_at", "closed_at", "category", "address",
            "lat", "lon", "location_status"])
IMPORTS = pd.DataFrame([
    ("A", "a.csv", "import", T("2026-05-01"), 4, 3, 0, 0, 1),
    ("B", "b.csv", "import", T("2026-05-02"), 9, 7, 1, 0, 1),
    ("U", "units.csv", "units", T("2026-04-01"), 5, 5, 0, 0, 0),
], columns=["import_id", "file", "kind", "started_at", "rows_read", "rows_inserted", "rows_updated",
            "rows_unchanged", "rows_rejected"])
FIELDS = pd.DataFrame([
    ("A", "request_id", "id", 4, 4), ("A", "closed_at", "done", 3, 4), ("A", "address", "addr", 2, 4),
    ("B", "request_id", "no", 9, 9), ("B", "closed_at", "end", 1, 9), ("B", "lat", "y", 5, 9),
], columns=["import_id", "field", "source_column", "rows_with_value", "rows_read"])
REJECTS = pd.DataFrame([
    ("A", 4, "received_at (受理时间): cannot read 'NA' as a time; request_id (工单编号): repeated in the file, first at row 2"),
    ("B", 7, "received_at (受理时间): cannot read 'x/y' as a time"),
], columns=["import_id", "row_number", "reasons"])


@pytest.fixture
def small(tmp_path: Path) -> Path:
    db = tmp_path / "small.duckdb"
    con = duckdb.connect(str(db))
    create_schema(con)
    con.execute("INSERT INTO gridscore_meta VALUES ('timezone', 'Asia/Shanghai')")
    for table, frame in (("requests", REQUESTS), ("imports", IMPORTS), ("import_fields", FIELDS), ("rejects", REJECTS)):
        con.register("_f", frame)
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _f")
        con.unregister("_f")
    con.close()
    return db


def per_import(frame: pd.DataFrame, func) -> dict:
    """func(rows) for each import and for all rows."""
    out = {imp: func(rows) for imp, rows in frame.groupby("import_id")}
    return {**out, ALL: func(frame)}


def check(q, requests: pd.DataFrame, fields: pd.DataFrame, imports: pd.DataFrame, now: dt.datetime) -> None:
    """Every figure of q against pandas over the same rows."""
    got = {(r.import_id, r.field): (r.rows_with_value, r.rows_read) for r in q.coverage.itertuples()}
    want = {(r.import_id, r.field): (r.rows_with_value, r.rows_read) for r in fields.itertuples()}
    for f, rows in fields.groupby("field"):
        want[(ALL, f)] = (rows["rows_with_value"].sum(), rows["rows_read"].sum())
    assert got == want
    assert (q.coverage["share"] == q.coverage["rows_with_value"] / q.coverage["rows_read"]).all()

    got = {(r.import_id, r.location_status): r.rows for r in q.status.itertuples()}
    want = {(imp, s): n for imp, counts in per_import(requests, lambda g: g["location_status"].value_counts()).items()
            for s, n in counts.items()}
    assert got == want

    ph = requests[requests["location_status"] == "placeholder"]
    got = {(r.import_id, r.lat, r.lon): r.rows for r in q.placeholders.itertuples()}
    want = {(imp, la, lo): n for imp, counts in per_import(ph, lambda g: g.groupby(["lat", "lon"]).size()).items()
            for (la, lo), n in counts.items()}
    assert got == want

    def anomalies(g: pd.DataFrame) -> dict:
        times = g[["received_at", "first_contact_at", "closed_at"]]
        return {"rows": len(g), "closed_before_received": int((g["closed_at"] < g["received_at"]).sum()),
                "contact_before_received": int((g["first_contact_at"] < g["received_at"]).sum()),
                "future": int((times > pd.Timestamp(now)).any(axis=1).sum()),
                "over_a_year": int((g["closed_at"] - g["received_at"] > pd.Timedelta(days=365)).sum())}
    got = {r["import_id"]: {k: v for k, v in r.items() if k != "import_id"} for r in q.as_dict()["timing"]}
    assert got == per_import(requests, anomalies)

    def probable(g: pd.DataFrame) -> int:
        place = g["address"].where(g["address"].notna(), g["lat"].round(6).astype(str) + "," + g["lon"].round(6).astype(str))
        keyed = g.assign(place=place)[g["category"].notna() & (g["address"].notna() | (g["lat"].notna() & g["lon"].notna()))]
        first = keyed.sort_values("request_id").duplicated(["received_at", "category", "place"])
        return keyed.loc[first[first].index, "import_id"]
    dups = probable(requests)
    got = {r.import_id: (r.repeated_ids, r.probable_duplicates) for r in q.duplicates.itertuples()}
    requests_imports = imports[~imports["kind"].isin(["units", "boundaries"])]
    want = {r.import_id: (r.rows_updated + r.rows_unchanged, int((dups == r.import_id).sum()))
            for r in requests_imports.itertuples()}
    want[ALL] = (sum(v[0] for v in want.values()), len(dups))
    assert got == want


def test_every_figure_of_a_small_store(small: Path) -> None:
    con = duckdb.connect(str(small), read_only=True)
    q = quality(con, now=NOW)
    con.close()
    check(q, REQUESTS, FIELDS, IMPORTS, NOW)
    # the boundaries by hand: closed at received (r1) and exactly 365 days (r3) are not anomalies,
    # a time equal to now (r5) is not in the future; r2, r4, r6, r7 are; r2 and r9 are duplicates
    timing = q.for_import(ALL).timing.iloc[0]
    assert (timing["closed_before_received"], timing["over_a_year"], timing["future"],
            timing["contact_before_received"]) == (1, 1, 1, 1)
    assert q.for_import(ALL).duplicates[["repeated_ids", "probable_duplicates"]].values.tolist() == [[1, 2]]
    assert q.imports["import_id"].tolist() == ["A", "B"]   # units files are not request imports
    rejects = {(r.import_id, r.reason): r.rows for r in q.rejects.itertuples()}
    assert rejects == {
        ("A", "received_at (受理时间): cannot read '…' as a time"): 1,
        ("A", "request_id (工单编号): repeated in the file, first at row …"): 1,
        ("B", "received_at (受理时间): cannot read '…' as a time"): 1,
        (ALL, "received_at (受理时间): cannot read '…' as a time"): 2,
        (ALL, "request_id (工单编号): repeated in the file, first at row …"): 1,
    }
    assert reason_kind("closed_at (x): in the future (2030-01-01 10:00)") == "closed_at (x): in the future (…)"


def quality_cli(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "metrics", "quality", "--db", str(db), *args],
                          cwd=ROOT, capture_output=True, text=True)


def test_cli_prints_the_same_figures(small: Path) -> None:
    out = quality_cli(small, "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    con = duckdb.connect(str(small), read_only=True)
    q = quality(con)
    con.close()
    assert data["status"] == q.as_dict()["status"] and data["rejects"] == q.as_dict()["rejects"]
    table = quality_cli(small, "--import", "A")
    assert table.returncode == 0 and "rows by location_status:" in table.stdout
    firsts = {line.split()[0] for line in table.stdout.splitlines() if line.startswith("  ") and line.split()}
    assert "A" in firsts and "B" not in firsts and ALL not in firsts
    assert "50.0 %" in table.stdout   # address: 2 of the 4 rows read
    bad = quality_cli(small, "--import", "nope")
    assert bad.returncode == 2 and bad.stderr.strip() == f"error: no import 'nope' in {small}"
    missing = quality_cli(small.parent / "none.duckdb")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr and missing.stderr.startswith("error: ")


@pytest.mark.skipif(DATA is None, reason="no shared/realdata folder")
@pytest.mark.parametrize("city", ["boston", "nyc"])
def test_realdata_quality_against_pandas(tmp_path: Path, city: str) -> None:
    db, mapping = tmp_path / f"{city}.duckdb", tmp_path / f"{city}.toml"
    mapping.write_text(BOSTON_MAPPING if city == "boston" else NYC_MAPPING, encoding="utf-8")
    run = [sys.executable, "-m", "metrics"]
    subprocess.run([*run, "init", "--db", str(db), "--city", city, "--tz", "America/New_York"], cwd=ROOT, check=True, capture_output=True)
    if city == "nyc":
        subprocess.run([*run, "boundaries", str(DATA / "nyc_neighborhoods.geojson"), "--db", str(db), "--create",
                        "--level", "street"], cwd=ROOT, check=True, capture_output=True)
    source = DATA / f"{city}311-100.csv"
    subprocess.run([*run, "import", str(source), "--db", str(db), "--mapping", str(mapping), "--quiet"],
                   cwd=ROOT, check=True, capture_output=True)
    con = duckdb.connect(str(db), read_only=True)
    requests = con.execute("SELECT * FROM requests").fetchdf()
    imports = con.execute("SELECT * FROM imports").fetchdf()
    fields = con.execute("SELECT * FROM import_fields").fetchdf()
    now = dt.datetime(2026, 1, 1)
    q = quality(con, now=now)
    con.close()
    check(q, requests, fields, imports, now)
    # coverage against the source file itself
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    columns = {"boston": {"closed_at": "closed_dt", "resolve_by": "target_dt", "address": "location"},
               "nyc": {"closed_at": "Closed Date", "resolve_by": "Due Date", "lat": "Latitude"}}[city]
    cov = q.for_import(ALL).coverage.set_index("field")["rows_with_value"]
    assert {f: cov[f] for f in columns} == {f: (frame[c].str.strip() != "").sum() for f, c in columns.items()}
    if city == "boston":
        assert q.for_import(ALL).placeholders[["lat", "lon", "rows"]].values.tolist() == [[42.3594, -71.0587, 19]]
