"""Coordinates: Chinese map datums to WGS-84, and points into grid polygons.

GCJ-02 (Gaode / Tencent) and BD-09 (Baidu) are converted with the ``coordTransform`` package
(the published formulas, batch C implementation; GCJ-02 -> WGS-84 is the usual one-step
inverse, good to a few metres). Points outside China are left as they are, as the formulas do.
"""
from __future__ import annotations

import json

import coordTransform
import numpy as np
import shapely
from shapely import STRtree

CRS = ("wgs84", "gcj02", "bd09")


def to_wgs84(lon: np.ndarray, lat: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Arrays of lon / lat in crs as WGS-84; NaN stays NaN."""
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    if crs == "wgs84" or lon.size == 0:
        return lon, lat
    if crs not in CRS:
        raise ValueError(f"unknown crs {crs!r}: one of {', '.join(CRS)}")
    convert = coordTransform.gcj02_to_wgs84 if crs == "gcj02" else coordTransform.bd09_to_wgs84
    ok = np.isfinite(lon) & np.isfinite(lat)
    out_lon, out_lat = lon.copy(), lat.copy()
    if ok.any():
        x, y = convert(np.ascontiguousarray(lon[ok]), np.ascontiguousarray(lat[ok]))
        out_lon[ok], out_lat[ok] = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return out_lon, out_lat


def transform_geometry(geom: shapely.Geometry, crs: str) -> shapely.Geometry:
    """A shapely geometry with every vertex converted from crs to WGS-84."""
    if crs == "wgs84":
        return geom
    return shapely.transform(geom, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], crs)))


def usable(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Finite, in range, and not the (0, 0) placeholder many exports use for 'unknown'."""
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return (np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
                & ~((lat == 0) & (lon == 0)))


class GridLocator:
    """Point-in-polygon over unit boundaries (an STRtree of the polygons).

    Built from a store, it holds every territorial level that has boundaries; a point goes to the
    deepest level whose polygons hold it (a grid before its community, a community before its street).
    """

    def __init__(self, unit_ids: list[str], geojson: list[str]):
        self.unit_ids = np.array(unit_ids, dtype=object)
        self.geoms = np.array([shapely.from_geojson(g) for g in geojson], dtype=object)
        self.tree = STRtree(self.geoms) if len(self.geoms) else None
        self.deeper: GridLocator | None = None   # tried first: the polygons of a deeper level

    @classmethod
    def from_store(cls, con, levels: tuple[str, ...] = ("grid", "community", "street", "district", "city")
                   ) -> GridLocator:
        """The boundaries of the given levels in the store, deepest first."""
        locator = cls([], [])
        for level in levels:
            rows = con.execute(
                "SELECT b.unit_id, b.geometry FROM boundaries b JOIN units u USING (unit_id) "
                "WHERE u.level = $level ORDER BY b.unit_id", {"level": level},
            ).fetchall()
            if rows:
                upper = cls([r[0] for r in rows], [r[1] for r in rows])
                upper.deeper, locator = (locator if len(locator) else None), upper
        return locator

    def __len__(self) -> int:
        return len(self.unit_ids) + (len(self.deeper) if self.deeper else 0)

    def extent(self, margin: float = 0.5) -> tuple[float, float, float, float] | None:
        """(min lon, min lat, max lon, max lat) of every polygon held, widened by margin (in
        proportion of its size, at least 0.05°); None without polygons."""
        boxes = [shapely.total_bounds(self.geoms)] if len(self.geoms) else []
        deeper = self.deeper.extent(0.0) if self.deeper else None
        boxes += [np.array(deeper)] if deeper else []
        if not boxes:
            return None
        lo, hi = np.min([b[:2] for b in boxes], axis=0), np.max([b[2:] for b in boxes], axis=0)
        pad = np.maximum((hi - lo) * margin, 0.05 if margin else 0.0)
        return (float(lo[0] - pad[0]), float(lo[1] - pad[1]), float(hi[0] + pad[0]), float(hi[1] + pad[1]))

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """The unit_id containing each point (boundary included), None where none does.

        Where polygons of one level overlap, the unit with the smallest id wins, so results are repeatable.
        """
        result = self.deeper.locate(lon, lat) if self.deeper else np.full(len(lon), None, dtype=object)
        if self.tree is None or len(lon) == 0:
            return result
        todo = np.flatnonzero(result == None)   # noqa: E711 - elementwise on an object array
        if len(todo) < len(lon):
            result[todo] = self.locate_here(np.asarray(lon)[todo], np.asarray(lat)[todo])
            return result
        return self.locate_here(lon, lat)

    def locate_here(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """locate() over this level's polygons only."""
        result = np.full(len(lon), None, dtype=object)
        if self.tree is None or len(lon) == 0:
            return result
        points = shapely.points(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
        point_idx, geom_idx = self.tree.query(points, predicate="intersects")
        order = np.lexsort((geom_idx, point_idx))[::-1]   # the first (smallest) geometry written last
        result[point_idx[order]] = self.unit_ids[geom_idx[order]]
        return result


def geometry_to_geojson(geom: shapely.Geometry) -> str:
    return json.dumps(json.loads(shapely.to_geojson(geom)), separators=(",", ":"))
