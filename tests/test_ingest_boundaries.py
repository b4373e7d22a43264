"""``python -m metrics boundaries``: units and polygons added or replaced, bad features rejected."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.ingest_fixtures import build_tiny_store

ROOT = Path(__file__).resolve().parent.parent


def feature(props: dict, coords) -> dict:
    return {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": coords}}


def test_boundaries_add_replace_repair_reject(tmp_path: Path) -> None:
    db = build_tiny_store(tmp_path / "store.duckdb")
    square = [[[116.30, 39.80], [116.35, 39.80], [116.35, 39.85], [116.30, 39.85], [116.30, 39.80]]]
    bowtie = [[[116.40, 39.90], [116.45, 39.95], [116.45, 39.90], [116.40, 39.95], [116.40, 39.90]]]
    fc = {"type": "FeatureCollection", "features": [
        feature({"id": "D0S0C0G0", "name": "改名网格", "parent": "D0S0C0"}, square),
        feature({"id": "NEWG", "name": "新网格", "parent": "D1S1C0"}, bowtie),
        feature({"id": "", "name": "无编号"}, square),
        {"type": "Feature", "properties": {"id": "LINE", "name": "线"},
         "geometry": {"type": "LineString", "coordinates": [[116.3, 39.8], [116.4, 39.9]]}},
    ]}
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "metrics", "boundaries", str(path), "--db", str(db), "--level", "grid",
                          "--id-field", "id", "--name-field", "name", "--parent-field", "parent", "--create"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "read 4  inserted 1  updated 1  rejected 2  repaired 1" in out.stdout
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT name FROM units WHERE unit_id = 'D0S0C0G0'").fetchone() == ("改名网格",)
    assert con.execute("SELECT count(*) FROM unit_ancestors WHERE unit_id = 'NEWG' AND ancestor_id = 'C'").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM boundaries WHERE unit_id = 'NEWG'").fetchone() == (1,)
    reasons = [r[0] for r in con.execute("SELECT reasons FROM rejects ORDER BY row_number").fetchall()]
    assert reasons == ["id: missing", "geometry: a LineString, not a polygon"]
    con.close()
