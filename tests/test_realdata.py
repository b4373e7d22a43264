"""Real cities from their own files (../shared/realdata: Boston and NYC 311 samples, NYC neighbourhoods).

As a new user following the README: ``init`` a store per city, load the boundaries (creating the
units), import the requests with a mapping written from the README, then check with plain pandas
that every row is accounted for and that counts per department, category and month, on-time
closure and median close hours equal what ``metrics sql``, ``metrics scores`` and the query layer
report. Skips, saying why, only when the data folder is absent.
"""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent


def realdata_dir() -> Path | None:
    """../shared/realdata beside the repository (or beside one of its parents, as for a git worktree)."""
    if os.environ.get("GRIDSCORE_REALDATA"):
        return Path(os.environ["GRIDSCORE_REALDATA"])
    return next((p / "shared" / "realdata" for p in ROOT.parents if (p / "shared" / "realdata").is_dir()), None)


DATA = realdata_dir()
pytestmark = pytest.mark.skipif(
    DATA is None, reason=f"no shared/realdata folder beside {ROOT} or its parents (set GRIDSCORE_REALDATA)")

BOSTON_MAPPING = """
name = "boston311"
timezone = "America/New_York"

[columns]
request_id = "case_enquiry_id"
received_at = "open_dt"
resolve_by = "target_dt"
closed_at = "closed_dt"
status = "case_status"
status_detail = "closure_reason"
category = "type"
subcategory = "reason"
channel = "source"
address = "location"
lat = "latitude"
lon = "longitude"

[unit]
match = "name"
columns = ["neighborhood"]
levels = ["district"]
create = true

[dept]
match = "name"
columns = ["department"]
levels = ["department"]
create = true

[values.status]
"Open" = "open"
"Closed" = "closed"

[constants]
source = "citizen"
"""

NYC_MAPPING = """
name = "nyc"
timezone = "America/New_York"

[columns]
request_id = "Unique Key"
received_at = "Created Date"
closed_at = "Closed Date"
resolve_by = "Due Date"
category = "Complaint Type"
subcategory = "Descriptor"
address = "Incident Address"
channel = "Open Data Channel Type"
status = "Status"
lat = "Latitude"
lon = "Longitude"

[dept]
match = "name"
columns = ["Agency"]
levels = ["department"]
create = true

[values.status]
"Closed" = "closed"
"Assigned" = "open"
"Pending" = "open"

[constants]
source = "citizen"
"""

# Close hours and on-time closure per department, as a scheme the scores command runs.
TIMELINESS = """
name = "timeliness-test"
version = "1"
title_zh = "按期办结"
title_en = "On-time closure"
level = "department"
period = { kind = "month" }
min_volume = { metric = "requests", n = 1 }
tie_break = "volume"

[[indicators]]
metric = "on_time_close_rate"
weight = 1.0
method = "direct"

[[grades]]
name_zh = "全部"
name_en = "All"
min = 0
max = 100
"""


def metrics(*args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "metrics", *args], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0 and "Traceback" not in out.stderr, (args, out.stdout, out.stderr)
    return out.stdout


def sql(db: Path, query: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(metrics("sql", "--db", str(db), query)), dtype={"dept": str, "category": str})


def reference(frame: pd.DataFrame, received: str, closed: str, due: str, fmt: str) -> pd.DataFrame:
    """The source rows with parsed times, for the checks below."""
    def when(col: str) -> pd.Series:
        return pd.to_datetime(frame[col].str.strip().replace("", None), format=fmt)
    return frame.assign(_received=when(received), _closed=when(closed), _due=when(due))


def timeliness(ref: pd.DataFrame) -> tuple[float | None, float | None]:
    """(on-time closure rate, median close hours) by the registry's definitions, in pandas."""
    due = ref[ref["_due"].notna()]
    rate = ((due["_closed"].notna() & (due["_closed"] <= due["_due"])).sum() / len(due)) if len(due) else None
    closed = ref[ref["_closed"].notna()]
    hours = ((closed["_closed"] - closed["_received"]).dt.total_seconds() / 3600).median() if len(closed) else None
    return rate, hours


def check_city(db: Path, ref: pd.DataFrame, dept_col: str, cat_col: str, tmp_path: Path) -> None:
    n = len(ref)
    assert sql(db, "SELECT count(*) AS n FROM requests")["n"][0] == n
    assert sql(db, "SELECT count(*) AS n FROM rejects")["n"][0] == 0
    got = sql(db, "SELECT u.name AS dept, count(*) AS n FROM requests r JOIN units u ON u.unit_id = r.dept_id GROUP BY 1")
    assert dict(zip(got["dept"], got["n"])) == ref[dept_col].value_counts().to_dict()
    got = sql(db, "SELECT category, count(*) AS n FROM requests GROUP BY 1")
    assert dict(zip(got["category"], got["n"])) == ref[cat_col].value_counts().to_dict()
    got = sql(db, "SELECT strftime(received_at, '%Y-%m') AS month, count(*) AS n FROM requests GROUP BY 1")
    assert dict(zip(got["month"], got["n"])) == ref["_received"].dt.strftime("%Y-%m").value_counts().to_dict()
    # every row reaches the city's total, placed or not
    city = sql(db, "SELECT count(*) AS n FROM requests r JOIN unit_ancestors a ON a.unit_id = r.unit_id "
                   "WHERE a.ancestor_id = 'city'")
    assert city["n"][0] == n

    from metrics.core.access import DEMO_VIEWER
    from metrics.core.periods import Period
    from metrics.query import tables
    from metrics.store.snapshots import open_read

    first, last = ref["_received"].min(), ref["_received"].max()
    whole = Period(first.date(), (last + pd.Timedelta(days=1)).date(), "all", "range")
    con = open_read(db)
    try:
        totals = tables.scope_totals(con, DEMO_VIEWER, whole, None, ("requests", "on_time_close_rate", "close_hours_p50"),
                                     basic_credit=0.9)
        depts = tables.unit_table(con, DEMO_VIEWER, "department", whole, None, ("requests", "on_time_close_rate",
                                  "close_hours_p50"), basic_credit=0.9)
        names = dict(con.execute("SELECT unit_id, name FROM units").fetchall())
    finally:
        con.close()
    rate, hours = timeliness(ref)
    assert totals["requests"] == n
    assert totals["on_time_close_rate"] == pytest.approx(rate)
    assert totals["close_hours_p50"] == pytest.approx(hours)
    for _, row in depts.iterrows():
        rate, hours = timeliness(ref[ref[dept_col] == names[row["unit_id"]]])
        assert row["requests"] == (ref[dept_col] == names[row["unit_id"]]).sum()
        got = [None if pd.isna(row[m]) else row[m] for m in ("on_time_close_rate", "close_hours_p50")]
        assert got == [None if rate is None else pytest.approx(rate), None if hours is None else pytest.approx(hours)]
    # the scores command of the month with the most requests agrees with pandas, department by department
    month = ref["_received"].dt.strftime("%Y-%m").value_counts().index[0]
    scheme = tmp_path / "timeliness.toml"
    scheme.write_text(TIMELINESS, encoding="utf-8")
    scores = json.loads(metrics("scores", "--db", str(db), "--period", month, "--scheme", str(scheme), "--format", "json"))
    in_month = ref[ref["_received"].dt.strftime("%Y-%m") == month]
    assert {s["unit_name"]: s["requests"] for s in scores if s["requests"]} == in_month[dept_col].value_counts().to_dict()
    for s in scores:
        rate, _ = timeliness(in_month[in_month[dept_col] == s["unit_name"]])
        got = s["on_time_close_rate_score"]
        assert (got is None and rate is None) or got == pytest.approx(100 * rate, abs=1e-3), s


def test_boston_from_its_own_files(tmp_path: Path) -> None:
    db, mapping = tmp_path / "boston.duckdb", tmp_path / "boston.toml"
    mapping.write_text(BOSTON_MAPPING, encoding="utf-8")
    metrics("init", "--db", str(db), "--city", "Boston", "--tz", "America/New_York")
    out = metrics("import", str(DATA / "boston311-100.csv"), "--db", str(db), "--mapping", str(mapping), "--quiet")
    assert "read 100  inserted 100  updated 0  unchanged 0  rejected 0" in out
    assert "placeholder point (42.3594, -71.0587): 19 rows" in out
    assert "created from the file's names: 18 district, 7 department" in out
    frame = pd.read_csv(DATA / "boston311-100.csv", dtype=str, keep_default_na=False)
    ref = reference(frame, "open_dt", "closed_dt", "target_dt", "%Y-%m-%d %H:%M:%S")
    check_city(db, ref, "department", "type", tmp_path)
    status = sql(db, "SELECT location_status AS s, count(*) AS n FROM requests GROUP BY 1")
    assert dict(zip(status["s"], status["n"])) == {"named": 81, "placeholder": 19}
    # the placeholder point is not drawn; the other 81 are
    drawn = sql(db, "SELECT count(*) AS n FROM requests WHERE lat IS NOT NULL AND location_status <> 'placeholder'")
    assert drawn["n"][0] == 81
    coverage = sql(db, "SELECT field, rows_with_value AS n FROM import_fields")
    cov = dict(zip(coverage["field"], coverage["n"]))
    assert cov["closed_at"] == (frame["closed_dt"].str.strip() != "").sum()
    assert cov["resolve_by"] == (frame["target_dt"].str.strip() != "").sum()
    assert cov["unit"] == (frame["neighborhood"].str.strip() != "").sum() and cov["source"] == 100


def test_nyc_from_its_own_files(tmp_path: Path) -> None:
    db, mapping = tmp_path / "nyc.duckdb", tmp_path / "nyc.toml"
    mapping.write_text(NYC_MAPPING, encoding="utf-8")
    metrics("init", "--db", str(db), "--city", "New York", "--tz", "America/New_York")
    out = metrics("boundaries", str(DATA / "nyc_neighborhoods.geojson"), "--db", str(db), "--create", "--level", "street")
    assert "read 188  inserted 188  updated 0  rejected 0" in out
    out = metrics("import", str(DATA / "nyc311-100.csv"), "--db", str(db), "--mapping", str(mapping), "--quiet")
    assert "read 100  inserted 100  updated 0  unchanged 0  rejected 0" in out
    assert "received_at %m/%d/%Y %I:%M:%S %p" in out
    frame = pd.read_csv(DATA / "nyc311-100.csv", dtype=str, keep_default_na=False)
    ref = reference(frame, "Created Date", "Closed Date", "Due Date", "%m/%d/%Y %I:%M:%S %p")
    check_city(db, ref, "Agency", "Complaint Type", tmp_path)
    # placement: every row with coordinates inside a neighbourhood is placed there by its point
    import shapely

    with open(DATA / "nyc_neighborhoods.geojson", encoding="utf-8") as f:
        hoods = [shapely.make_valid(shapely.from_geojson(json.dumps(_closed(ft["geometry"]))))
                 for ft in json.load(f)["features"]]
    has_point = frame["Latitude"].str.strip() != ""
    inside = [any(h.covers(shapely.Point(float(lo), float(la))) for h in hoods)
              for la, lo in zip(frame["Latitude"][has_point], frame["Longitude"][has_point])]
    status = sql(db, "SELECT location_status AS s, count(*) AS n FROM requests GROUP BY 1")
    assert dict(zip(status["s"], status["n"])) == {
        "point": sum(inside), "outside": len(inside) - sum(inside), "unplaced": int((~has_point).sum())}


def _closed(geometry: dict) -> dict:
    """The geometry with its open rings closed (four features of the NYC file leave them open)."""
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for poly in polys:
        for ring in poly:
            if ring[0] != ring[-1]:
                ring.append(ring[0])
    return geometry


def test_every_real_row_is_accounted_for_through_the_rejects_too(tmp_path: Path) -> None:
    """A copy of Boston with one unreadable time: read = inserted + rejected, and the row is in rejects."""
    frame = pd.read_csv(DATA / "boston311-100.csv", dtype=str, keep_default_na=False)
    frame.loc[3, "open_dt"] = "O'Clock"
    path = tmp_path / "boston.csv"
    frame.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)
    db, mapping = tmp_path / "b.duckdb", tmp_path / "boston.toml"
    mapping.write_text(BOSTON_MAPPING, encoding="utf-8")
    metrics("init", "--db", str(db), "--city", "Boston")
    out = metrics("import", str(path), "--db", str(db), "--mapping", str(mapping), "--quiet")
    assert "read 100  inserted 99  updated 0  unchanged 0  rejected 1" in out
    assert "cannot read '…' as a time" in out and "'O'Clock' ×1" in out
    assert duckdb.connect(str(db), read_only=True).execute("SELECT row_number FROM rejects").fetchall() == [(5,)]
