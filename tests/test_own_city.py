"""A city of one's own: init, units (incl. departments), boundaries of any size and format, the app on an empty store.

Each test drives the command line as a user would; each failed on the code before issue 10
(clean GeoJSON crashed, no init/units, no Shapefile, no --create, pages erred on an empty store).
"""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import coordTransform
import pytest
import shapefile
from streamlit.testing.v1 import AppTest

from tests.ingest_fixtures import build_tiny_store, cell, grid_polygon
from tests.ingest_fixtures import query as rows

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("overview", "map", "response", "resolution", "satisfaction", "requests", "assessment", "glossary", "wall")


def metrics(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "metrics", *map(str, args)], cwd=ROOT, capture_output=True, text=True)


def square(x0: float, y0: float, step: float) -> dict:
    ring = [[x0, y0], [x0 + step, y0], [x0 + step, y0 + step], [x0, y0 + step], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def collection(features: list[dict]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def test_clean_geojson_replaces_polygons_without_a_traceback(tmp_path: Path) -> None:
    db = build_tiny_store(tmp_path / "s.duckdb")
    grids = [{"type": "Feature", "properties": {"id": cell(i, j)["grid"], "name": f"网格{i}{j}"},
              "geometry": grid_polygon(i, j)} for i in range(4) for j in range(4)]
    path = tmp_path / "grids.geojson"
    path.write_text(collection(grids), encoding="utf-8")
    out = metrics("boundaries", path, "--db", db, "--level", "grid", "--id-field", "id", "--name-field", "name")
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    assert "read 16  inserted 0  updated 16  rejected 0" in out.stdout
    assert rows(db, "SELECT name FROM units WHERE unit_id = 'D1S1C1G1'") == [("网格33",)]
    one = tmp_path / "one.geojson"
    one.write_text(collection(grids[:1]), encoding="utf-8")
    out = metrics("boundaries", one, "--db", db, "--level", "grid", "--id-field", "id")
    assert out.returncode == 0 and "read 1  inserted 0  updated 1  rejected 0" in out.stdout, out.stderr


def test_five_thousand_features_created_under_parents_named_by_name(tmp_path: Path) -> None:
    db = build_tiny_store(tmp_path / "s.duckdb")
    communities = ["幸福社区", "光明社区"]   # names shared across streets: only their ids are unique
    feats = [{"type": "Feature", "properties": {"code": f"N{k:04d}", "title": f"小区{k}",
                                                "community": "D0S0C0" if k % 2 else "D1S1C1"},
              "geometry": square(116.0 + (k % 100) * 0.001, 39.0 + (k // 100) * 0.001, 0.001)} for k in range(5000)]
    feats.append({"type": "Feature", "properties": {"code": "BAD", "title": "无上级", "community": communities[0]},
                  "geometry": square(116.2, 39.2, 0.001)})
    path = tmp_path / "many.geojson"
    path.write_text(collection(feats), encoding="utf-8")
    out = metrics("boundaries", path, "--db", db, "--create", "--level", "grid", "--id-field", "code",
                  "--name-field", "title", "--parent-field", "community")
    assert out.returncode == 0, out.stderr
    assert "read 5,001  inserted 5,000  updated 0  rejected 1" in out.stdout
    assert "matches several units (D0S0C0, D0S1C0, D1S0C0, D1S1C0)" in out.stdout   # 幸福社区 is ambiguous
    assert rows(db, "SELECT count(*) FROM unit_ancestors WHERE ancestor_id = 'D1S1' AND depth = 2 "
                    "AND unit_id LIKE 'N%'") == [(2500,)]
    by_name = tmp_path / "by_name.geojson"   # a parent given by a unique name
    by_name.write_text(collection([{"type": "Feature", "properties": {"name": "新网格", "parent": "西城区"},
                                    "geometry": square(116.6, 39.6, 0.01)}]), encoding="utf-8")
    out = metrics("boundaries", by_name, "--db", db, "--create", "--level", "street", "--parent-field", "parent")
    assert out.returncode == 0 and rows(db, "SELECT parent_id FROM units WHERE name = '新网格'") == [("D1",)]


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_zipped_shapefile_in_chinese_datums(tmp_path: Path, crs: str) -> None:
    db = tmp_path / "s.duckdb"
    assert metrics("init", "--db", db, "--city", "示范市").returncode == 0
    to_datum = coordTransform.wgs84_to_gcj02 if crs == "gcj02" else coordTransform.wgs84_to_bd09
    wgs = [(116.40, 39.90), (116.42, 39.90), (116.42, 39.92), (116.40, 39.92), (116.40, 39.90)]
    with shapefile.Writer(str(tmp_path / "streets"), shapeType=shapefile.POLYGON, encoding="utf-8") as w:
        w.field("CODE", "C", 20)
        w.field("NAME", "C", 40)
        w.poly([[list(to_datum(x, y)) for x, y in reversed(wgs)]])   # clockwise: an outer ring
        w.record("S01", "和平街道")
    archive = tmp_path / "streets.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for ext in ("shp", "shx", "dbf"):
            z.write(tmp_path / f"streets.{ext}", f"streets.{ext}")
    out = metrics("boundaries", archive, "--db", db, "--create", "--level", "street", "--id-field", "CODE",
                  "--name-field", "NAME", "--crs", crs)
    assert out.returncode == 0 and "read 1  inserted 1" in out.stdout, (out.stdout, out.stderr)
    [(name, parent, geometry)] = rows(db, "SELECT u.name, u.parent_id, b.geometry FROM units u JOIN boundaries b USING (unit_id)")
    assert (name, parent) == ("和平街道", "city")
    stored = json.loads(geometry)["coordinates"][0]
    assert len(stored) == len(wgs)
    assert all(any(abs(x - wx) < 2e-5 and abs(y - wy) < 2e-5 for x, y in stored) for wx, wy in wgs), stored


def test_boundaries_never_trace_back(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    metrics("init", "--db", db, "--city", "示范市")
    empty, broken, projected = tmp_path / "empty.geojson", tmp_path / "broken.geojson", tmp_path / "projected.geojson"
    empty.write_text(collection([]), encoding="utf-8")
    broken.write_text("{not json", encoding="utf-8")
    projected.write_text(collection([{"type": "Feature", "properties": {"name": "x"},
                                      "geometry": square(1002973, 152924, 500)}]), encoding="utf-8")
    for path, expected in ((empty, "holds no features"), (broken, "not a readable GeoJSON"),
                           (projected, "not longitude/latitude"), (tmp_path / "none.zip", "no such file")):
        out = metrics("boundaries", path, "--db", db, "--create", "--level", "street")
        assert out.returncode == 1 and "Traceback" not in out.stderr and expected in out.stdout + out.stderr, path
    out = metrics("boundaries", projected, "--db", db)
    assert "no unit with id '' or name 'x' (add --create" in out.stdout


def test_init_then_units_with_departments_and_reasons(tmp_path: Path) -> None:
    db = tmp_path / "city.duckdb"
    out = metrics("init", "--db", db, "--city", "江州市", "--name-en", "Jiangzhou", "--tz", "Asia/Shanghai")
    assert out.returncode == 0, out.stderr
    assert rows(db, "SELECT unit_id, name, name_en, level FROM units") == [("city", "江州市", "Jiangzhou", "city")]
    assert rows(db, "SELECT count(*) FROM requests") == [(0,)]
    again = metrics("init", "--db", db, "--city", "江州市")
    assert again.returncode == 1 and "already exists" in again.stderr
    path = tmp_path / "units.csv"
    path.write_text(
        "unit_id,name,level,parent_id,parent,population,staff,area_km2\n"
        "D1,东城区,district,city,,500000,900,41.8\n"
        "S1,和平街道,street,,东城区,NA,,\n"
        "C1,幸福社区,community,,江州市/东城区/和平街道,8000,14,\n"
        "CGW,城管委,department,,,,,\n"
        "X1,无上级,street,NOPE,,,,\n"
        "X2,坏人口,street,D1,,abc,,\n"
        "D1,重复,district,city,,,,\n"
        "X3,颠倒,district,C1,,,,\n"
        "L1,环一,department,L2,,,,\n"
        "L2,环二,department,L1,,,,\n"
        "X4,未知级别,province,city,,,,\n", encoding="utf-8")
    out = metrics("units", path, "--db", db)
    assert out.returncode == 0, out.stderr
    assert "read 11  inserted 4  updated 0  rejected 7" in out.stdout
    reasons = dict(rows(db, "SELECT row_number, reasons FROM rejects"))
    assert reasons == {
        6: "parent_id: unknown parent 'NOPE'", 7: "population: not a number 'abc'",
        8: "unit_id: 'D1' repeated in the file, first at row 2", 9: "level: a district cannot be under the community 'C1'",
        10: "parent_id: 'L1' is its own ancestor (a cycle)", 11: "parent_id: 'L2' is its own ancestor (a cycle)",
        12: "level: 'province' is not one of city, district, street, community, grid, department"}
    assert rows(db, "SELECT unit_id, parent_id, population FROM units WHERE unit_id IN ('S1', 'C1') ORDER BY 1") == [
        ("C1", "S1", 8000), ("S1", "D1", None)]
    assert rows(db, "SELECT count(*) FROM unit_ancestors WHERE unit_id = 'C1'") == [(4,)]
    assert rows(db, "SELECT level FROM units WHERE unit_id = 'CGW'") == [("department",)]


@pytest.fixture
def empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from metrics.store.snapshots import after_write, write_snapshot

    db = tmp_path / "empty.duckdb"   # what init makes, built here so that the test runs on any code
    with write_snapshot(db, fresh=True) as con:
        con.execute("INSERT INTO units (unit_id, name, level) VALUES ('city', '江州市', 'city')")
        after_write(con)
    monkeypatch.setenv("GRIDSCORE_DB", str(db))
    return db


@pytest.mark.parametrize("page", PAGES)
def test_every_page_on_an_empty_store_welcomes_and_links_to_data(empty_store: Path, page: str) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    if page != "overview":
        at.switch_page(f"views/{page}.py")
        at.run()
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == ["欢迎使用 GridScore"]
    assert "江州市" in at.info[0].value and "(/data)" in at.info[0].value


def test_data_page_on_an_empty_store_is_the_data_page(empty_store: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("views/data.py")
    at.run()
    assert not at.exception and not at.error and [t.value for t in at.title] == ["数据管理"]
