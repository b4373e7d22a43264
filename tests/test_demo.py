"""The demo city generator: hierarchy, geometry, request realism and determinism."""
from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import shapely

from metrics.demo import build_demo, categories, timeline
from metrics.store.snapshots import open_read
from tests.conftest import DEMO_END, DEMO_REQUESTS, ROOT

# The acceptance check: two builds with the same arguments give the same result. Order-independent
# (a sum of row hashes per table); imports' wall-clock started_at / finished_at are left out.
CHECKSUM_SQL = """
SELECT 'units' AS t, count(*) AS n, sum(hash(x)) AS h FROM units x
UNION ALL SELECT 'boundaries', count(*), sum(hash(x)) FROM boundaries x
UNION ALL SELECT 'requests', count(*), sum(hash(x)) FROM requests x
UNION ALL SELECT 'unit_ancestors', count(*), sum(hash(x)) FROM unit_ancestors x
UNION ALL SELECT 'imports', count(*), sum(hash(import_id, kind, rows_read, rows_inserted, note)) FROM imports x
ORDER BY t
""".strip()
STOP = timeline.add_months(DEMO_END, 1)
SMALL = 20_000


def _cli(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "metrics", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    return done.stdout


def _checksum(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_cli("sql", "--db", str(path), CHECKSUM_SQL))))


@pytest.fixture(scope="module")
def con(demo_store: Path) -> duckdb.DuckDBPyConnection:
    c = open_read(demo_store)
    yield c
    c.close()


@pytest.fixture(scope="module")
def small_stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """seed 1 twice through the command line, seed 2 through the API."""
    base = tmp_path_factory.mktemp("demo_det")
    stores = {name: base / f"{name}.duckdb" for name in ("a", "b", "other")}
    for name in ("a", "b"):
        out = _cli("demo", "--db", str(stores[name]), "--requests", str(SMALL), "--seed", "1", "--end", "2026-10")
        assert "grid" in out and f"{SMALL:,}" in out
    build_demo(stores["other"], requests=SMALL, seed=2, end=DEMO_END)
    return stores


def _one(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchone()[0]


def test_same_seed_same_contents_other_seed_differs(small_stores: dict[str, Path]) -> None:
    a, b, other = (_checksum(small_stores[k]) for k in ("a", "b", "other"))
    assert a == b
    assert [row[0] for row in a[1:]] == ["boundaries", "imports", "requests", "unit_ancestors", "units"]
    assert dict((r[0], r[2]) for r in a[1:])["requests"] != dict((r[0], r[2]) for r in other[1:])["requests"]


def test_imports_row(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("SELECT kind, rows_read, rows_inserted, rows_rejected, import_id FROM imports").fetchall()
    assert len(rows) == 1 and rows[0][:4] == ("demo", DEMO_REQUESTS, DEMO_REQUESTS, 0)
    assert _one(con, f"SELECT count(*) FROM requests WHERE import_id = '{rows[0][4]}'") == DEMO_REQUESTS


@pytest.mark.parametrize("level, minimum", [
    ("city", 1), ("district", 8), ("street", 60), ("community", 400), ("grid", 2000), ("department", 20),
])
def test_counts_per_level(con: duckdb.DuckDBPyConnection, level: str, minimum: int) -> None:
    assert _one(con, f"SELECT count(*) FROM units WHERE level = '{level}'") >= minimum


def test_hierarchy_is_well_formed(con: duckdb.DuckDBPyConnection) -> None:
    units = con.execute("SELECT * FROM units").df()
    assert units["unit_id"].is_unique
    assert not units.duplicated(["parent_id", "name"]).any(), "names unique within parent"
    assert units["name_en"].str.fullmatch(r"[A-Z][A-Za-z0-9' -]*").all(), "every unit has an ASCII English name"
    assert not units.duplicated(["parent_id", "name_en"]).any(), "English names unique within parent"
    parent_level = units.set_index("unit_id")["level"]
    expected = {"district": "city", "street": "district", "community": "street", "grid": "community",
                "department": "city"}
    for level, parent in expected.items():
        assert (units.loc[units.level == level, "parent_id"].map(parent_level) == parent).all(), level
    assert set(units.loc[units.level == "district", "kind"]) == set(("old_town", "new_district", "suburban", "rural"))
    streets = units.loc[units.level == "street", "name"]
    assert streets.str.endswith("街道").any() and streets.str.contains("[镇乡]$").any()
    communities = units.loc[units.level == "community", "name"]
    assert communities.str.endswith("社区").any() and communities.str.endswith("村").any()
    assert units.loc[units.level == "grid", "name"].str.fullmatch(r"第\d+网格").all()
    assert units.loc[units.level == "grid", "unit_id"].str.fullmatch(r"D\d\dS\d\dC\d\dG\d\d").all()


def test_population_and_staff_roll_up(con: duckdb.DuckDBPyConnection) -> None:
    mismatches = con.execute("""
        SELECT p.unit_id FROM units p JOIN units c ON c.parent_id = p.unit_id
        WHERE c.level IN ('district', 'street', 'community') AND p.level <> 'community'
        GROUP BY p.unit_id, p.population, p.staff
        HAVING sum(c.population) <> p.population OR sum(c.staff) <> p.staff
    """).fetchall()
    assert mismatches == []
    grids = con.execute("""SELECT p.population, sum(c.population) FROM units p JOIN units c ON c.parent_id = p.unit_id
                           WHERE p.level = 'community' GROUP BY p.unit_id, p.population""").fetchall()
    assert all(a == b for a, b in grids)
    communities = con.execute("SELECT population, staff FROM units WHERE level = 'community'").df()
    per_10k = communities.staff / communities.population * 10_000
    assert communities.population.between(500, 15_000).all()
    assert (per_10k < 18).sum() >= 10 and (per_10k >= 18).sum() >= 10
    assert con.execute("SELECT min(staff), max(staff) FROM units WHERE level = 'grid'").fetchone() == (1, 2)


def _shapes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    df = con.execute("""SELECT u.unit_id, u.parent_id, u.level, u.area_km2, b.geometry
                        FROM units u LEFT JOIN boundaries b USING (unit_id)""").df()
    df["geom"] = shapely.from_geojson(df["geometry"].fillna("null").to_numpy(), on_invalid="ignore")
    return df


def test_every_territorial_unit_has_a_valid_polygon(con: duckdb.DuckDBPyConnection) -> None:
    df = _shapes(con)
    territorial = df[df.level != "department"]
    assert territorial["geometry"].notna().all()
    assert df.loc[df.level == "department", "geometry"].isna().all()
    geoms = territorial["geom"].to_numpy()
    assert shapely.is_valid(geoms).all() and (shapely.get_type_id(geoms) == 3).all()
    lon, lat = shapely.get_coordinates(geoms).T
    assert lon.min() > 117 and lon.max() < 119.2 and lat.min() > 36 and lat.max() < 37.2
    assert (territorial["area_km2"] > 0).all()
    city_area = territorial.loc[territorial.level == "city", "area_km2"].item()
    km2 = territorial.loc[territorial.level == "district", "area_km2"].sum()
    assert km2 == pytest.approx(city_area, rel=1e-3)


@pytest.mark.parametrize("level", ["district", "street", "community", "grid"])
def test_children_tile_their_parent(con: duckdb.DuckDBPyConnection, level: str) -> None:
    df = _shapes(con)
    parents = dict(zip(df.unit_id, df.geom))
    children = df[df.level == level].reset_index(drop=True)
    geoms = children["geom"].to_numpy()
    for parent_id, idx in children.groupby("parent_id").indices.items():
        gap = shapely.symmetric_difference(shapely.union_all(geoms[idx]), parents[parent_id]).area
        assert gap < 1e-9, (parent_id, gap)
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = a < b
    overlap = shapely.area(shapely.intersection(geoms[a[pairs]], geoms[b[pairs]]))
    assert pairs.sum() > len(children) and overlap.max() < 1e-12


def test_every_request_lies_in_its_grid(con: duckdb.DuckDBPyConnection) -> None:
    df = _shapes(con)
    grids = df[df.level == "grid"].set_index("unit_id")["geom"]
    req = con.execute("SELECT unit_id, lon, lat FROM requests").df()
    assert req["unit_id"].isin(grids.index).all()
    assert shapely.contains_xy(grids.loc[req["unit_id"]].to_numpy(), req["lon"], req["lat"]).all()


def test_timestamps_ordered_whole_seconds_and_in_window(con: duckdb.DuckDBPyConnection) -> None:
    first = timeline.add_months(DEMO_END, -23)
    bad = con.execute("""
        SELECT count(*) FILTER (WHERE first_contact_at < received_at OR closed_at < first_contact_at
                                OR (closed_at IS NOT NULL AND first_contact_at IS NULL)),
               count(*) FILTER (WHERE received_at < $first OR received_at >= $stop
                                OR first_contact_at >= $stop OR closed_at >= $stop),
               count(*) FILTER (WHERE epoch(received_at) % 1 <> 0 OR epoch(closed_at) % 1 <> 0
                                OR epoch(first_contact_at) % 1 <> 0 OR epoch(resolve_by) % 1 <> 0),
               count(*) FILTER (WHERE respond_by < received_at OR resolve_by < respond_by)
        FROM requests""", {"first": first, "stop": STOP}).fetchone()
    assert bad == (0, 0, 0, 0)
    assert con.execute("SELECT min(received_at) < $d FROM requests", {"d": first + dt.timedelta(days=2)}).fetchone()[0]


def test_request_fields(con: duckdb.DuckDBPyConnection) -> None:
    df = con.execute("""SELECT request_id, channel, source, citizen_name, citizen_phone, description, status,
                               status_detail, closed_at, received_at FROM requests""").df()
    assert df.request_id.is_unique and df.request_id.str.fullmatch(r"JZ\d{15}").all()
    assert (df.request_id.str[2:10] == df.received_at.dt.strftime("%Y%m%d")).all()
    assert set(df.channel) == {"hotline", "app", "wechat", "web", "letter", "visit", "patrol"}
    assert ((df.channel == "patrol") == (df.source == "proactive")).all()
    citizen = df[df.source == "citizen"]
    assert citizen.citizen_phone.str.fullmatch(r"1[3-9]\d{9}").all()
    assert citizen.citizen_name.str.fullmatch(r"[\u4e00-\u9fff]{2,3}").all()
    assert df.loc[df.source == "proactive", ["citizen_name", "citizen_phone"]].isna().all().all()
    with_phone = df.description.str.contains(r"1[3-9]\d{9}").mean()
    assert 0.02 < with_phone < 0.08
    assert ((df.status == "closed") == df.closed_at.notna()).all()
    assert set(df.loc[df.status == "closed", "status_detail"]) == {"已办结"}
    assert {"办理中", "已延期"} <= set(df.loc[df.status == "open", "status_detail"])


def test_categories_and_mix(con: duckdb.DuckDBPyConnection) -> None:
    assert len(categories.CATEGORIES) >= 30
    assert _one(con, "SELECT count(DISTINCT category) FROM requests") >= 30
    rural, old = con.execute("""
        SELECT avg((r.category = '农村事务')::int) FILTER (WHERE d.kind = 'rural'),
               avg((r.category = '农村事务')::int) FILTER (WHERE d.kind = 'old_town')
        FROM requests r JOIN unit_ancestors a ON a.unit_id = r.unit_id AND a.depth = 3
        JOIN units d ON d.unit_id = a.ancestor_id""").fetchone()
    assert rural > 5 * old


SHARES = {
    "proactive share": ("avg((source = 'proactive')::int)", 0.05, 0.15),
    "hotline share": ("avg((channel = 'hotline')::int)", 0.6, 0.75),
    "excluded": ("avg((NOT assessable)::int)", 0.01, 0.03),
    "visited of closed": ("avg(visited::int) FILTER (WHERE status = 'closed')", 0.80, 0.95),
    "response rate": ("avg(contacted::int) FILTER (WHERE visited AND assessable)", 0.95, 0.99),
    "resolution rate": ("avg(resolved::int) FILTER (WHERE visited AND assessable)", 0.80, 0.92),
    "satisfaction rate": ("""avg(CASE satisfaction WHEN 'satisfied' THEN 1.0 WHEN 'basic' THEN 0.9 ELSE 0 END)
                             FILTER (WHERE visited AND assessable)""", 0.85, 0.93),
    "repeats": ("avg(is_repeat::int)", 0.04, 0.09),
    "returns": ("avg((returned_count > 0)::int)", 0.025, 0.06),
    "extensions": ("avg(extended::int)", 0.015, 0.045),
    "handled by the street alone": ("avg((dept_id IS NULL)::int)", 0.05, 0.5),
}


@pytest.mark.parametrize("name", SHARES)
def test_shares_are_realistic(con: duckdb.DuckDBPyConnection, name: str) -> None:
    sql, lo, hi = SHARES[name]
    assert lo <= _one(con, f"SELECT {sql} FROM requests") <= hi


def test_exclusions_have_reasons(con: duckdb.DuckDBPyConnection) -> None:
    assert _one(con, "SELECT count(*) FROM requests WHERE assessable = (exclusion_reason IS NOT NULL)") == 0


def test_backlog_concentrated_at_the_end(con: duckdb.DuckDBPyConnection) -> None:
    last_month, earlier, overdue_old = con.execute("""
        SELECT count(*) FILTER (WHERE received_at >= $last), count(*) FILTER (WHERE received_at < $last),
               count(*) FILTER (WHERE resolve_by < $stop AND received_at < $last)
        FROM requests WHERE status = 'open'""", {"last": DEMO_END, "stop": STOP}).fetchone()
    assert last_month > 3 * earlier > 0 and overdue_old > 0


def test_seasonality_heating_and_spring_festival(con: duckdb.DuckDBPyConnection) -> None:
    winter, july = con.execute("""
        SELECT count(*) FILTER (WHERE month(received_at) IN (11, 12)) / 2,
               count(*) FILTER (WHERE month(received_at) = 7)
        FROM requests WHERE category = '供暖'""").fetchone()
    assert winter > 10 * july
    festival, before = con.execute("""
        SELECT count(*) FILTER (WHERE received_at::date BETWEEN DATE '2026-02-16' AND DATE '2026-02-22'),
               count(*) FILTER (WHERE received_at::date BETWEEN DATE '2026-02-02' AND DATE '2026-02-08')
        FROM requests""").fetchone()
    assert festival < 0.7 * before


def test_units_improve_and_decline_over_time(con: duckdb.DuckDBPyConnection) -> None:
    change = con.execute("""
        SELECT avg(resolved::int) FILTER (WHERE received_at >= DATE '2026-01-01')
             - avg(resolved::int) FILTER (WHERE received_at < DATE '2025-07-01') AS delta
        FROM requests r JOIN unit_ancestors a ON a.unit_id = r.unit_id AND a.depth = 2
        WHERE visited GROUP BY a.ancestor_id""").df()["delta"]
    assert (change > 0.03).sum() >= 3 and (change < -0.03).sum() >= 3


def test_default_end_is_last_full_month() -> None:
    assert timeline.last_full_month(dt.date(2026, 11, 22)) == dt.date(2026, 10, 1)
    assert timeline.last_full_month(dt.date(2027, 1, 1)) == dt.date(2026, 12, 1)
    assert timeline.Window(dt.date(2026, 10, 1), 24).first == dt.date(2024, 11, 1)


def test_geography_does_not_depend_on_request_count(small_stores: dict[str, Path], tmp_path: Path) -> None:
    build_demo(tmp_path / "tiny.duckdb", requests=10, seed=1, end=DEMO_END)
    sql = "SELECT sum(hash(u)) FROM units u"
    with open_read(tmp_path / "tiny.duckdb") as tiny, open_read(small_stores["a"]) as a:
        assert _one(tiny, sql) == _one(a, sql)
        assert _one(tiny, "SELECT count(*) FROM requests") == 10


def test_cli_rejects_a_bad_month() -> None:
    done = subprocess.run([sys.executable, "-m", "metrics", "demo", "--end", "2026-13"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "YYYY-MM" in done.stderr

