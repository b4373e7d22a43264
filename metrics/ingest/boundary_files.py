"""Boundary files -> GeoJSON features: a GeoJSON FeatureCollection (or one Feature), or a
Shapefile set (.shp with its .dbf, or all of it in one .zip) read with pyshp."""
from __future__ import annotations

import json
from pathlib import Path

import shapefile

from metrics.ingest.readers import ReadError


def read_features(path: Path) -> tuple[str, list[dict]]:
    """(format, features) of path. Raises ReadError, naming the file, if it cannot be read."""
    if not path.is_file():
        raise ReadError(f"{path}: no such file")
    if path.suffix.lower() in (".zip", ".shp"):
        return "shapefile", _shapefile(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ReadError(f"{path}: not a readable GeoJSON file ({exc})") from exc
    if isinstance(data, dict) and data.get("type") == "FeatureCollection" and isinstance(data.get("features"), list):
        return "geojson", data["features"]
    if isinstance(data, dict) and data.get("type") == "Feature":
        return "geojson", [data]
    raise ReadError(f"{path}: expected a GeoJSON FeatureCollection (or Feature) of polygons")


def _shapefile(path: Path) -> list[dict]:
    try:
        with shapefile.Reader(str(path), encodingErrors="replace") as reader:
            fields = [f[0] for f in reader.fields[1:]]
            return [{"type": "Feature", "properties": dict(zip(fields, rec.record)),
                     "geometry": rec.shape.__geo_interface__ if rec.shape.shapeType else None}
                    for rec in reader.iterShapeRecords()]
    except (shapefile.ShapefileException, OSError, ValueError, KeyError) as exc:
        raise ReadError(f"{path}: not a readable Shapefile ({exc})") from exc
