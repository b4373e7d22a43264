"""Unit polygons from GeoJSON or a zipped Shapefile, in one snapshot.

Each feature is matched to an existing unit by id (``--id-field``, else the feature's ``id``),
then by name (``--name-field``, default ``name``; case, spaces and width ignored). With
``create``, a feature that matches none becomes a new unit of ``level`` under the unit its
``--parent-field`` names (by id or by name; default: the city). Coordinates in WGS-84, GCJ-02 or
BD-09 are stored as WGS-84. Invalid geometries are repaired with shapely.make_valid when that
leaves a polygon; a feature without a polygon, or matching no unit, is rejected with reasons.
Matched units keep their population, staff and area; a unit matched by id takes the file's name.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import shapely

from metrics.core.levels import TERRITORIAL
from metrics.ingest.boundary_files import read_features
from metrics.ingest.coords import CRS, geometry_to_geojson, transform_geometry
from metrics.ingest.result import ImportResult, new_import_id, record_import, sha256_of
from metrics.ingest.mapping import DEFAULT_NULLS
from metrics.ingest.names import name_key
from metrics.store.snapshots import after_write, write_snapshot

NULLS = {"", *(v.lower() for v in DEFAULT_NULLS)}


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


def _text(props: dict, key: str | None) -> str:
    """A property as trimmed text ('' when absent or an empty marker); keys matched ignoring case."""
    if not key:
        return ""
    value = props.get(key)
    if value is None:
        value = next((v for k, v in props.items() if str(k).strip().lower() == key.strip().lower()), None)
    text = "" if value is None else str(value).strip()
    return "" if text.lower() in NULLS else text


def _close_rings(geometry: object) -> int:
    """Close, in place, the polygon rings whose last point is not their first (many files leave
    them open, which GeoJSON forbids); returns how many were closed."""
    if not isinstance(geometry, dict):
        return 0
    polygons = {"Polygon": [geometry.get("coordinates")], "MultiPolygon": geometry.get("coordinates")}.get(
        geometry.get("type"), [])
    closed = 0
    for polygon in polygons if isinstance(polygons, list) else []:
        for ring in polygon if isinstance(polygon, list) else []:
            if isinstance(ring, list) and len(ring) >= 3 and ring[0] != ring[-1]:
                ring.append(ring[0])
                closed += 1
    return closed


def _geometry(feature: dict, crs: str, n: int, uid: str, result: BoundaryResult) -> tuple[object, list[str]]:
    """(polygon in WGS-84 or None, reasons)."""
    opened = _close_rings(feature.get("geometry"))
    if opened:
        result.repaired += 1
        result.warnings_list.append(f"feature {n} ({uid}): {opened} open ring(s) closed")
    try:
        geom = shapely.from_geojson(json.dumps(feature.get("geometry"))) if feature.get("geometry") else None
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        return None, [f"geometry: unreadable ({str(exc)[:80]})"]
    if geom is None or geom.is_empty:
        return None, ["geometry: missing"]
    x0, y0, x1, y1 = geom.bounds
    if min(x0, x1) < -180 or max(x0, x1) > 180 or min(y0, y1) < -90 or max(y0, y1) > 90:
        return None, [f"geometry: coordinates ({x0:.0f}, {y0:.0f}) are not longitude/latitude "
                      "(a projected system? reproject the file to WGS-84 first)"]
    geom = transform_geometry(geom, crs)
    if not geom.is_valid:
        why = shapely.is_valid_reason(geom)
        geom = _polygonal(shapely.make_valid(geom))
        if geom is None or geom.is_empty:
            return None, [f"geometry: invalid ({why}) and not repairable to a polygon"]
        result.repaired += 1
        result.warnings_list.append(f"feature {n} ({uid}): geometry repaired ({why})")
    elif _polygonal(geom) is None:
        return None, [f"geometry: a {geom.geom_type}, not a polygon"]
    return geom, []


class _Units:
    """The store's units, and those the file creates, by id and by name key."""

    def __init__(self, rows: list[tuple[str, str, str]]):
        self.level = {uid: level for uid, _, level in rows}
        self.by_name: dict[str, list[str]] = {}
        for uid, name, level in rows:
            if level != "department":
                self.by_name.setdefault(name_key(name), []).append(uid)
        cities = [uid for uid, level in self.level.items() if level == "city"]
        self.city = cities[0] if len(cities) == 1 else None

    def add(self, uid: str, name: str, level: str) -> None:
        self.level[uid] = level
        self.by_name.setdefault(name_key(name), []).append(uid)

    def find(self, uid: str, name: str, level: str | None) -> tuple[str | None, str | None]:
        """(unit_id, None), or (None, why none) for a feature's id and name."""
        if uid and uid in self.level:
            return uid, None
        found = [u for u in self.by_name.get(name_key(name), []) if level is None or self.level[u] == level] if name else []
        if len(found) > 1:
            return None, f"name '{name}' matches several units ({', '.join(sorted(found)[:5])}); give an id"
        return (found[0], None) if found else (None, None)


def import_boundaries(db: Path | str, path: Path, level: str | None = None, id_field: str | None = None,
                      name_field: str | None = "name", parent_field: str | None = None, crs: str = "wgs84",
                      create: bool = False) -> BoundaryResult:
    """Match (or, with create, add) a unit per feature and store its polygon; see the module doc."""
    if (level is not None and level not in TERRITORIAL) or crs not in CRS:
        raise ValueError(f"level one of {', '.join(TERRITORIAL)}, crs one of {', '.join(CRS)}")
    if create and level is None:
        raise ValueError("--create needs --level: the level of the units it creates")
    started, started_at = time.perf_counter(), dt.datetime.now()
    name_field = name_field or "name"
    result = BoundaryResult(new_import_id(), path, mapping=f"{level or 'any level'}:{id_field or 'id'}/{name_field}")
    result.fmt, features = read_features(path)
    result.sha256 = sha256_of(path)
    with write_snapshot(db, label="boundaries") as con:
        units = _Units(con.execute("SELECT unit_id, name, level FROM units").fetchall())
        shapes, new_units, renamed, rejects, seen = [], [], [], [], {}
        for n, feature in enumerate(features, start=1):
            props = (feature or {}).get("properties") or {}
            raw = json.dumps(props, ensure_ascii=False, default=str)
            uid = _text(props, id_field) if id_field else _text({"id": (feature or {}).get("id")}, "id")
            name = _text(props, name_field)
            geom, reasons = _geometry(feature or {}, crs, n, uid or name, result)
            unit, why = units.find(uid, name, level)
            if why:
                reasons.append(why)
            elif unit is None and not create:
                reasons.append(f"no unit with id '{uid}' or name '{name}' (add --create --level L to create it)"
                               if uid or name else f"{id_field or 'id'} / {name_field}: missing")
            elif unit is None and (not (uid or name) or (id_field and not uid)):
                reasons.append(f"{id_field}: missing" if id_field else f"id / {name_field}: missing")
            elif unit is None:
                parent_text = _text(props, parent_field)
                parent, pwhy = units.find(parent_text, parent_text, None) if parent_text else (units.city, None)
                if parent is None and not reasons:
                    reasons.append(f"{parent_field}: {pwhy or f'unknown parent {parent_text!r}'}" if parent_field
                                   else "no city unit to create units under (python -m metrics init)")
                if not reasons:
                    unit = uid or name
                    units.add(unit, name or unit, level)
                    new_units.append((unit, name or unit, level, parent))
            elif uid and unit == uid and name:
                renamed.append((unit, name))
            if not reasons and unit in seen:
                reasons.append(f"unit '{unit}' repeated in the file, first at feature {seen[unit]}")
            if reasons:
                rejects.append((n, raw, "; ".join(reasons)))
                continue
            seen[unit] = n
            c = geom.centroid
            shapes.append((unit, geometry_to_geojson(geom), c.y, c.x))
        _write(con, new_units, renamed, shapes, rejects, result.import_id)
        result.read = len(features)
        result.inserted = len(new_units)
        result.updated = len(shapes) - result.inserted
        result.rejected = len(rejects)
        result.warnings = len(result.warnings_list)
        result.reject_kinds = [(f"feature {n}: {why}", 1) for n, _, why in rejects[:20]]
        result.seconds = time.perf_counter() - started
        record_import(con, result, started_at, kind="boundaries", note=f"level={level}; crs={crs}; format={result.fmt}")
        if shapes:
            after_write(con)
    return result


def _write(con, new_units: list[tuple], renamed: list[tuple], shapes: list[tuple], rejects: list[tuple],
           import_id: str) -> None:
    """Set-based writes (a 5,000-feature file is one statement per table, not 5,000)."""
    def table(rows: list[tuple], names: list[str]) -> pa.Table:
        return pa.table({k: [r[i] for r in rows] for i, k in enumerate(names)},
                        schema=pa.schema([(k, pa.float64() if k.startswith("centroid") else pa.string()) for k in names]))

    for rows, names, sql in (
        (new_units, ["unit_id", "name", "level", "parent_id"],
         "INSERT INTO units (unit_id, name, level, parent_id) SELECT * FROM _rows"),
        (renamed, ["unit_id", "name"], "UPDATE units SET name = r.name FROM _rows r WHERE units.unit_id = r.unit_id"),
        (shapes, ["unit_id", "geometry", "centroid_lat", "centroid_lon"],
         "INSERT OR REPLACE INTO boundaries SELECT * FROM _rows"),
        ([(import_id, str(n), raw, why) for n, raw, why in rejects], ["import_id", "row_number", "raw", "reasons"],
         "INSERT INTO rejects SELECT import_id, CAST(row_number AS BIGINT), raw, reasons FROM _rows"),
    ):
        if rows:
            con.register("_rows", table(rows, names))
            con.execute(sql)
            con.unregister("_rows")
