"""Polygons for the demo city: a convex city outline tiled recursively by Voronoi cells.

Every cell is a Voronoi cell clipped to its (convex) parent, so cells are convex, tile
their parent and never overlap. Coordinates are not rounded: GeoJSON is written with the
shortest text that reads back to the same doubles, so the stored tiling holds to about
1e-15 deg² (rounding each cell to a decimal grid alone opened gaps of ~1e-8 deg²).
"""
from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon

KM_PER_DEG = 6371.0088 * np.pi / 180.0


def city_outline(rng: np.random.Generator, lon: float, lat: float, rx: float, ry: float) -> Polygon:
    """An irregular convex polygon of about 2rx × 2ry degrees around (lon, lat)."""
    n = 18
    angles = np.sort((np.arange(n) + rng.uniform(-0.3, 0.3, n)) * 2 * np.pi / n)
    radius = rng.uniform(0.88, 1.08, n)
    pts = np.column_stack([lon + rx * radius * np.cos(angles), lat + ry * radius * np.sin(angles)])
    return MultiPoint(pts).convex_hull


def random_points_in(rng: np.random.Generator, poly: Polygon, n: int) -> np.ndarray:
    """n points uniformly distributed inside poly (rejection sampling in its bounds)."""
    x0, y0, x1, y1 = poly.bounds
    found: list[np.ndarray] = []
    total = 0
    while total < n:
        cand = rng.uniform((x0, y0), (x1, y1), size=(max(4 * n, 16), 2))
        cand = cand[shapely.contains_xy(poly, cand[:, 0], cand[:, 1])]
        found.append(cand)
        total += len(cand)
    return np.concatenate(found)[:n]


def voronoi_cells(parent: Polygon, seeds: np.ndarray) -> np.ndarray:
    """The Voronoi cell of each seed (same order), clipped to parent."""
    if len(seeds) == 1:
        return np.array([parent], dtype=object)
    x0, y0, x1, y1 = parent.bounds
    pad = max(x1 - x0, y1 - y0)
    extent = shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    diagram = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=extent, ordered=True)
    return shapely.intersection(shapely.get_parts(diagram), parent)


def split(rng: np.random.Generator, parent: Polygon, n: int, relax: int = 2) -> np.ndarray:
    """Tile a convex parent with n convex cells of similar size, numbered north-west first."""
    seeds = random_points_in(rng, parent, n)
    cells = voronoi_cells(parent, seeds)
    for _ in range(relax):  # Lloyd relaxation evens out the cell sizes
        seeds = shapely.get_coordinates(shapely.centroid(cells))
        cells = voronoi_cells(parent, seeds)
    centre = shapely.get_coordinates(shapely.centroid(cells))
    order = np.lexsort((centre[:, 0], -np.round(centre[:, 1], 3)))
    return cells[order]


def area_km2(geoms: np.ndarray) -> np.ndarray:
    """Equal-area approximation: local equirectangular projection at each centroid's latitude."""
    lat = shapely.get_coordinates(shapely.centroid(geoms))[:, 1]
    return shapely.area(geoms) * KM_PER_DEG**2 * np.cos(np.radians(lat))


def geojson(poly: Polygon) -> str:
    """GeoJSON geometry text with shortest round-tripping floats (reads back to the same doubles)."""
    ring = ",".join(f"[{x!r},{y!r}]" for x, y in poly.exterior.coords)
    return f'{{"type":"Polygon","coordinates":[[{ring}]]}}'


def triangle_fans(polys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fan triangulation of convex polygons: (owner index, A, B, C as (k, 2) arrays, area)."""
    owner, a, b, c = [], [], [], []
    for i, poly in enumerate(polys):
        ring = np.asarray(poly.exterior.coords)[:-1]
        k = len(ring)
        owner.append(np.full(k - 2, i))
        a.append(np.repeat(ring[:1], k - 2, axis=0))
        b.append(ring[1:-1])
        c.append(ring[2:])
    a_, b_, c_ = np.concatenate(a), np.concatenate(b), np.concatenate(c)
    area = 0.5 * np.abs((b_[:, 0] - a_[:, 0]) * (c_[:, 1] - a_[:, 1]) - (c_[:, 0] - a_[:, 0]) * (b_[:, 1] - a_[:, 1]))
    return np.concatenate(owner), a_, b_, c_, area


def sample_points(rng: np.random.Generator, polys: np.ndarray, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A uniform random point inside polys[which[j]] for every j (lon, lat arrays)."""
    owner, a, b, c, area = triangle_fans(polys)
    cum = np.cumsum(area)
    first = np.searchsorted(owner, np.arange(len(polys)))
    start = np.where(first > 0, cum[first - 1], 0.0)
    poly_area = np.bincount(owner, weights=area, minlength=len(polys))
    last = first + np.bincount(owner, minlength=len(polys)) - 1
    target = start[which] + rng.random(len(which)) * poly_area[which]
    tri = np.clip(np.searchsorted(cum, target, side="right"), first[which], last[which])
    r1, r2 = rng.random(len(which)), rng.random(len(which))
    flip = r1 + r2 > 1
    r1, r2 = np.where(flip, 1 - r1, r1), np.where(flip, 1 - r2, r2)
    pts = a[tri] + r1[:, None] * (b[tri] - a[tri]) + r2[:, None] * (c[tri] - a[tri])
    return pts[:, 0], pts[:, 1]
