"""Unit polygons from GeoJSON: add or replace units and their boundaries, in one snapshot.

Each feature becomes a unit of the given level (id, name and parent from its properties) and
its boundary. Invalid geometries are repaired with shapely.make_valid when that leaves a
polygon; features without an id, a name or a usable polygon are rejected with reasons.
Existing units keep their population, staff and area; name, level and parent are replaced.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import shapely

from metrics.core.levels import LEVELS
from metrics.ingest.coords import CRS, geometry_to_geojson, transform_geometry
from metrics.ingest.importer import ImportResult, _record, new_import_id, sha256_of
from metrics.ingest.readers import ReadError
from metrics.store.snapshots import after_write, write_snapshot


@dataclass
class BoundaryResult(ImportResult):
    repaired: int = 0
    warnings_list: list[str] = field(default_factory=list)


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry | None:
    """The polygonal part of geom (make_valid may return a collection with lines or points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
        return shapely.union_all(parts) if parts else None
    return None


def _features(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ReadError(f"{path}: not a readable GeoJSON file ({exc})") from exc
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        return data.get("features") or []
    if isinstance(data, dict) and data.get("type") == "Feature":
        return [data]
    raise ReadError(f"{path}: expected a GeoJSON FeatureCollection")


def import_boundaries(db: Path | str, path: Path, level: str, id_field: str, name_field: str,
                      parent_field: str | None = None, crs: str = "wgs84") -> BoundaryResult:
    if level not in LEVELS or crs not in CRS:
        raise ValueError(f"level one of {LEVELS}, crs one of {CRS}")
    started, started_at = time.perf_counter(), dt.datetime.now()
    result = BoundaryResult(new_import_id(), path, fmt="geojson", mapping=f"{level}:{id_field}/{name_field}")
    features = _features(path)
    result.sha256 = sha256_of(path)
    units, rejects = [], []
    for n, feature in enumerate(features, start=1):
        props = (feature or {}).get("properties") or {}
        raw = json.dumps(props, ensure_ascii=False)
        uid = str(props.get(id_field) or "").strip()
        name = str(props.get(name_field) or "").strip()
        parent = str(props.get(parent_field) or "").strip() or None if parent_field else None
        reasons = [f"{f}: missing" for f, v in ((id_field, uid), (name_field, name)) if not v]
        geom = None
        try:
            geom = shapely.from_geojson(json.dumps(feature.get("geometry"))) if feature.get("geometry") else None
        except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
            reasons.append(f"geometry: unreadable ({str(exc)[:80]})")
        if geom is None and not any(r.startswith("geometry") for r in reasons):
            reasons.append("geometry: missing")
        elif geom is not None:
            geom = transform_geometry(geom, crs)
            if not geom.is_valid:
                why = shapely.is_valid_reason(geom)
                geom = _polygonal(shapely.make_valid(geom))
                if geom is None or geom.is_empty:
                    reasons.append(f"geometry: invalid ({why}) and not repairable to a polygon")
                else:
                    result.repaired += 1
                    result.warnings_list.append(f"feature {n} ({uid}): geometry repaired ({why})")
            elif _polygonal(geom) is None:
                reasons.append(f"geometry: a {geom.geom_type}, not a polygon")
        if reasons:
            rejects.append((n, raw, "; ".join(reasons)))
        else:
            c = geom.centroid
            units.append((uid, name, parent, geometry_to_geojson(geom), c.y, c.x))
    first: dict[str, int] = {}
    for n, u in enumerate(units):
        first.setdefault(u[0], n)
    rejects += [(0, json.dumps({id_field: u[0]}, ensure_ascii=False), f"{id_field}: repeated in the file")
                for n, u in enumerate(units) if first[u[0]] != n]
    units = [u for n, u in enumerate(units) if first[u[0]] == n]
    with write_snapshot(db, label="boundaries") as con:
        existing = {r[0] for r in con.execute("SELECT unit_id FROM units").fetchall()}
        known = existing | {u[0] for u in units}
        for u in units:
            if u[2] and u[2] not in known:
                result.warnings_list.append(f"{parent_field}: unknown parent {u[2]!r} of {u[0]}")
        con.executemany("""INSERT INTO units (unit_id, name, level, parent_id) VALUES (?, ?, ?, ?)
            ON CONFLICT (unit_id) DO UPDATE SET name = excluded.name, level = excluded.level,
            parent_id = coalesce(excluded.parent_id, units.parent_id)""",
                        [(u[0], u[1], level, u[2]) for u in units])
        con.executemany("INSERT OR REPLACE INTO boundaries VALUES (?, ?, ?, ?)",
                        [(u[0], u[3], u[4], u[5]) for u in units])
        con.executemany("INSERT INTO rejects VALUES (?, ?, ?, ?)", [(result.import_id, *r) for r in rejects])
        result.read = len(features)
        result.inserted = sum(1 for u in units if u[0] not in existing)
        result.updated = len(units) - result.inserted
        result.rejected = len(rejects)
        result.warnings = len(result.warnings_list)
        result.seconds = time.perf_counter() - started
        _record(con, result, started_at, kind="boundaries", note=f"level={level}; crs={crs}")
        after_write(con)
    return result
