"""Map geometry for pydeck: GeoJSON features coloured by a metric, H3 hexagon density, a legend.

Pure Python (no streamlit). Colours are RGBA lists as deck.gl wants them. Units without a value
are grey ("no data"), never coloured as zero. Rates use a diverging scale centred on the city value
(green = better than the city, red = worse, whatever the metric's direction); counts and hours a
sequential scale from the smallest to the largest value shown.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import h3
import numpy as np
import pandas as pd

NO_DATA_RGBA = [200, 200, 200, 140]
# ColorBrewer RdYlGn (5 classes): worse → better
DIVERGING = ((215, 48, 39), (252, 141, 89), (255, 255, 191), (145, 207, 96), (26, 152, 80))
# ColorBrewer YlOrRd (5 classes): low → high
SEQUENTIAL = ((255, 255, 178), (254, 204, 92), (253, 141, 60), (240, 59, 32), (189, 0, 38))
FILL_ALPHA = 190
ROBUST_MIN_UNITS = 20      # from this many units on, the scale spans the 5th-95th percentile;
ROBUST_QUANTILE = 0.05     # values beyond it take the end colours (the legend says ≤ / ≥)


@dataclass(frozen=True)
class Scale:
    """A colour scale: value → RGBA, plus legend stops."""

    kind: str                   # 'diverging' | 'sequential' | 'empty'
    low: float
    high: float
    centre: float | None
    higher_is_better: bool
    steps: int = 5              # legend stops: fewer when the values take fewer distinct values

    def position(self, value: float) -> float:
        """0..1 along the palette (0 = worst / lowest, 1 = best / highest); values outside [low, high] saturate."""
        value = min(self.high, max(self.low, value))
        if self.kind == "diverging":
            span = max(abs(self.high - self.centre), abs(self.centre - self.low)) or 1.0
            pos = 0.5 + 0.5 * (value - self.centre) / span
            pos = pos if self.higher_is_better else 1.0 - pos
        else:
            span = (self.high - self.low) or 1.0
            pos = (value - self.low) / span
        return min(1.0, max(0.0, pos))

    def rgba(self, value: float | None) -> list[int]:
        if value is None or (isinstance(value, float) and math.isnan(value)) or self.kind == "empty":
            return list(NO_DATA_RGBA)
        palette = DIVERGING if self.kind == "diverging" else SEQUENTIAL
        return [*_interpolate(palette, self.position(float(value))), FILL_ALPHA]

    def stops(self, n: int | None = None) -> list[tuple[float, str]]:
        """(value, hex colour) at n (default ``steps``) evenly spaced values from low to high, for a legend.

        The scale saturates outside [low, high]: the first stop stands for "≤ low", the last for "≥ high"."""
        if self.kind == "empty":
            return []
        n = n or self.steps
        if self.kind == "diverging":  # low … centre … high, so the legend shows the midpoint colour
            values = [*np.linspace(self.low, self.centre, n // 2 + 1)[:-1], self.centre,
                      *np.linspace(self.centre, self.high, n // 2 + 1)[1:]]
            values = sorted(set(values))
        else:
            values = np.linspace(self.low, self.high, n) if self.high > self.low else [self.low]
        return [(float(v), rgb_hex(self.rgba(float(v)))) for v in values]


def _interpolate(palette: Sequence[tuple[int, int, int]], pos: float) -> tuple[int, int, int]:
    scaled = pos * (len(palette) - 1)
    i = min(int(scaled), len(palette) - 2)
    frac = scaled - i
    a, b = palette[i], palette[i + 1]
    return tuple(int(round(a[k] + (b[k] - a[k]) * frac)) for k in range(3))


def rgb_hex(rgba: Sequence[int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgba[:3])


def make_scale(values: pd.Series, *, rate: bool, centre: float | None, higher_is_better: bool) -> Scale:
    """The scale for these values: diverging around ``centre`` for rates, else sequential."""
    present = pd.to_numeric(values, errors="coerce").dropna()
    if present.empty:
        return Scale("empty", 0.0, 0.0, None, higher_is_better)
    low, high = float(present.min()), float(present.max())
    steps = max(2, min(5, present.nunique()))
    if len(present) >= ROBUST_MIN_UNITS:  # a few tiny-sample outliers must not wash out every other colour
        low, high = float(present.quantile(ROBUST_QUANTILE)), float(present.quantile(1 - ROBUST_QUANTILE))
    if rate and centre is not None and not math.isnan(centre):
        return Scale("diverging", min(low, centre), max(high, centre), float(centre), higher_is_better, steps)
    return Scale("sequential", low, high, None, higher_is_better, steps)


def legend(scale: Scale, fmt: Callable[[float], str], *, integer: bool = False) -> list[tuple[str, str]]:
    """(label, hex colour) of the legend, highest first: "≥ high" … "≤ low", every label distinct.

    Stops that format alike (1.75 and 2.25 both "2") are one bucket; ``integer`` values (counts) are
    snapped to whole numbers first, so four distinct counts make four buckets, none skipped."""
    values = [v for v, _ in scale.stops()]
    if integer:
        values = sorted({float(round(v)) for v in values})
    out: list[tuple[str, str]] = []
    for value in values:
        text = fmt(value)
        if not out or out[-1][0] != text:
            out.append((text, rgb_hex(scale.rgba(value))))
    if len(out) > 1:
        out[0] = (f"≤ {out[0][0]}", out[0][1])
        out[-1] = (f"≥ {out[-1][0]}", out[-1][1])
    return out[::-1]


def feature_collection(
    boundaries: pd.DataFrame, table: pd.DataFrame, metric: str, scale: Scale,
    label: Callable[[pd.Series], dict[str, str]],
) -> dict:
    """GeoJSON FeatureCollection of the units in ``boundaries`` (unit_id, geometry) joined to ``table``.

    Each feature's properties hold ``unit_id``, ``fill`` (RGBA) and whatever ``label(row)`` returns
    (the tooltip's strings, already formatted for the language). Units missing from ``table`` or with
    a NULL value are grey.
    """
    merged = boundaries.merge(table, on="unit_id", how="left", suffixes=("", "_t"))
    if metric not in merged:
        merged[metric] = float("nan")
    features = []
    for row in merged.to_dict("records"):
        value = row.get(metric)
        value = None if value is None or pd.isna(value) else float(value)
        props = {"unit_id": row["unit_id"], "fill": scale.rgba(value), **label(row)}
        features.append({"type": "Feature", "geometry": json.loads(row["geometry"]), "properties": props})
    return {"type": "FeatureCollection", "features": features}


def view_state(boundaries: pd.DataFrame, width_px: int = 1000, height_px: int = 520) -> dict[str, float]:
    """Centre and zoom that fit the polygons' bounding box into about width_px × height_px."""
    if boundaries.empty:
        return {"latitude": 39.9, "longitude": 116.4, "zoom": 9}
    bounds = [_bbox(json.loads(g)) for g in boundaries["geometry"]]
    west = min(b[0] for b in bounds)
    south = min(b[1] for b in bounds)
    east = max(b[2] for b in bounds)
    north = max(b[3] for b in bounds)
    lat_stretch = 1 / max(math.cos(math.radians((south + north) / 2)), 0.2)  # Web Mercator
    zoom_x = math.log2(360 * width_px / (512 * max(east - west, 1e-4)))
    zoom_y = math.log2(360 * height_px / (512 * max((north - south) * lat_stretch, 1e-4)))
    zoom = max(3.0, min(16.0, min(zoom_x, zoom_y)))
    return {"latitude": (south + north) / 2, "longitude": (west + east) / 2, "zoom": round(zoom, 2)}


def _bbox(geometry: dict) -> tuple[float, float, float, float]:
    coords = np.asarray(list(_points(geometry["coordinates"])), dtype=float)
    return coords[:, 0].min(), coords[:, 1].min(), coords[:, 0].max(), coords[:, 1].max()


def _points(coords):
    if coords and isinstance(coords[0], (int, float)):
        yield coords[:2]
        return
    for part in coords:
        yield from _points(part)


# Coordinates are rounded before hexing: 1 000 000 points collapse to a few thousand distinct cells.
ROUNDING = {5: 2, 6: 3, 7: 3, 8: 4, 9: 4, 10: 5}
H3_RESOLUTIONS = (6, 7, 8, 9)


def hex_density(points: pd.DataFrame, resolution: int) -> pd.DataFrame:
    """Counts per H3 cell from ``points`` (lat, lon, n): columns hex, n. Rows without coordinates are skipped."""
    if points.empty:
        return pd.DataFrame({"hex": pd.Series(dtype=str), "n": pd.Series(dtype="int64")})
    digits = ROUNDING.get(resolution, 5)
    pts = points.dropna(subset=["lat", "lon"]).assign(lat=lambda d: d["lat"].round(digits),
                                                      lon=lambda d: d["lon"].round(digits))
    pts = pts.groupby(["lat", "lon"], as_index=False)["n"].sum()
    pts["hex"] = [h3.latlng_to_cell(lat, lon, resolution) for lat, lon in zip(pts["lat"], pts["lon"])]
    return pts.groupby("hex", as_index=False)["n"].sum().sort_values("n", ascending=False, ignore_index=True)


BACKGROUND = "#f3f5f7"


def basemap_url(tile_url: str | None = None) -> str:
    """:func:`basemap_style` as a ``data:`` URL: Streamlit's map accepts a style URL, not a style object."""
    from urllib.parse import quote

    return "data:application/json;charset=utf-8," + quote(json.dumps(basemap_style(tile_url), separators=(",", ":")))


def basemap_style(tile_url: str | None = None) -> dict:
    """A MapLibre style with no remote resources (a plain background), or an intranet XYZ raster
    basemap when ``tile_url`` (e.g. http://tiles.intra/{z}/{x}/{y}.png) is given."""
    layers: list[dict] = [{"id": "background", "type": "background", "paint": {"background-color": BACKGROUND}}]
    sources: dict[str, dict] = {}
    if tile_url:
        sources["tiles"] = {"type": "raster", "tiles": [tile_url], "tileSize": 256}
        layers.append({"id": "tiles", "type": "raster", "source": "tiles"})
    return {"version": 8, "sources": sources, "layers": layers}
