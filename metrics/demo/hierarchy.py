"""The demo city's units: city > districts > streets/townships > communities/villages > grids,
plus the city departments, with names, population, staff, polygons and areas."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon

from metrics.demo import geometry, names, romanize

CENTRE = (118.05, 36.62)          # lon, lat: a fictional city in eastern China (Shandong latitude)
HALF_SIZE = (0.40, 0.30)          # degrees: the outline spans about 0.8° × 0.6°
KINDS = ("old_town", "new_district", "suburban", "rural")
STREETS_PER_DISTRICT = {"old_town": 7, "new_district": 6, "suburban": 7, "rural": 8}
COMMUNITIES_PER_STREET = {"old_town": (10, 12), "new_district": (6, 8), "suburban": (6, 8), "rural": (6, 9)}
URBAN_POPULATION = {"old_town": (8000, 15000), "new_district": (4000, 12000), "suburban": (3000, 10000),
                    "rural": (3000, 6000)}
VILLAGE_POPULATION = (500, 3000)
PEOPLE_PER_URBAN_GRID = 1500
STAFF_STANDARD_PER_10K = 18
COMMUNITY_POOL = tuple(s + x + "社区" for s in names.COMMUNITY_STEMS for x in names.COMMUNITY_SUFFIXES)
VILLAGE_POOL = tuple(dict.fromkeys(
    s + x + "村" if len(s) == 1 else s + "村" for s in names.VILLAGE_STEMS for x in names.VILLAGE_SUFFIXES))


@dataclass(frozen=True)
class City:
    """The units and boundaries tables, plus per-grid arrays the request simulation needs."""

    units: pd.DataFrame
    boundaries: pd.DataFrame
    grid_ids: np.ndarray          # unit_id of each grid
    grid_polygons: np.ndarray     # shapely polygons
    grid_population: np.ndarray
    grid_kind: np.ndarray         # index into KINDS of the grid's district
    grid_street: np.ndarray       # index into street_ids
    grid_village: np.ndarray      # True when the grid lies in a village (村)
    grid_address: np.ndarray      # district + street + community name, the start of an address
    street_ids: np.ndarray
    dept_codes: tuple[str, ...]   # short codes (城管, 住建, ...) in DEPT01.. order


def _district_seeds(rng: np.random.Generator) -> np.ndarray:
    """Old town in the middle, a ring of new and suburban districts, rural ones outside."""
    (lon, lat), (rx, ry) = CENTRE, HALF_SIZE
    polar = [(0.0, 0.10), (np.pi, 0.10)]                                  # old_town × 2
    ring = np.linspace(0, 2 * np.pi, 5, endpoint=False) + 0.3
    polar += [(ring[0], 0.36), (ring[2], 0.36)]                            # new_district × 2
    polar += [(ring[1], 0.40), (ring[3], 0.40), (ring[4], 0.40)]           # suburban × 3
    polar += [(a, 0.80) for a in np.linspace(0, 2 * np.pi, 3, endpoint=False) + 1.1]  # rural × 3
    pts = [(lon + rx * r * np.cos(a + rng.normal(0, 0.08)), lat + ry * r * np.sin(a + rng.normal(0, 0.08)))
           for a, r in polar]
    return np.asarray(pts)


def _draw(rng: np.random.Generator, pool: tuple[str, ...], n: int) -> list[str]:
    """n names from pool, distinct in English too (reproducible: pool order is fixed).

    Homophones such as 晨曦园 / 晨曦苑 would read the same in the English UI; a draw holding
    two is drawn again (rare per draw: other draws, and so most of a seed's city, stay as they were)."""
    while True:
        drawn = [pool[i] for i in rng.choice(len(pool), n, replace=False)]
        if len({romanize.english_name(x) for x in drawn}) == n:
            return drawn


def _split_integer(rng: np.random.Generator, total: int, n: int) -> np.ndarray:
    """total split into n positive random integer parts (largest remainder)."""
    share = rng.dirichlet(np.full(n, 6.0)) * total
    parts = np.floor(share).astype(int)
    rest = total - parts.sum()
    parts[np.argsort(-(share - parts), kind="stable")[:rest]] += 1
    return parts


class _Builder:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.rows: list[dict] = []
        self.polys: list[Polygon] = []
        self.grids: list[tuple] = []
        self.street_ids: list[str] = []
        self.urban_streets = list(names.STREET_STEMS)
        self.towns = list(names.TOWN_STEMS)

    def add(self, unit_id: str, name: str, level: str, parent: str | None, poly: Polygon | None,
            name_en: str | None = None, population: int | None = None, staff: int | None = None,
            kind: str | None = None) -> None:
        """One unit row; ``name_en`` defaults to :func:`romanize.english_name` of ``name``."""
        self.rows.append(dict(unit_id=unit_id, name=name, name_en=name_en or romanize.english_name(name),
                              level=level, parent_id=parent, population=population, staff=staff, kind=kind))
        self.polys.append(poly)

    def take_street_name(self, township: bool) -> str:
        pool = self.towns if township else self.urban_streets
        stem = pool.pop(int(self.rng.integers(len(pool))))
        if not township:
            return stem + "街道"
        return stem + ("乡" if self.rng.random() < 0.2 else "镇")

    def district(self, d: int, poly: Polygon) -> None:
        name, name_en, kind = names.DISTRICTS[d]
        did = f"D{d + 1:02d}"
        n = STREETS_PER_DISTRICT[kind] + int(self.rng.integers(0, 2))
        cells = geometry.split(self.rng, poly, n)
        centre_dist = shapely.distance(shapely.centroid(cells), shapely.Point(CENTRE))
        near = np.argsort(centre_dist, kind="stable")[: (n + 1) // 2]
        self.add(did, name, "district", "CITY", poly, name_en, kind=kind)
        for s, cell in enumerate(cells):
            township = kind == "rural" or (kind == "suburban" and s not in near)
            self.street(f"{did}S{s + 1:02d}", did, name, kind, township, cell)

    def street(self, sid: str, did: str, district_name: str, kind: str, township: bool,
               poly: Polygon) -> None:
        rng = self.rng
        name = self.take_street_name(township)
        lo, hi = COMMUNITIES_PER_STREET[kind]
        cells = geometry.split(rng, poly, int(rng.integers(lo, hi + 1)))
        seat = int(np.argmin(shapely.distance(shapely.centroid(cells), shapely.centroid(poly))))
        village = np.array([township and c != seat for c in range(len(cells))])
        n_village = int(village.sum())
        vnames = iter(_draw(rng, VILLAGE_POOL, n_village))
        cnames = iter(_draw(rng, COMMUNITY_POOL, len(cells) - n_village))
        self.add(sid, name, "street", did, poly)
        street_no = len(self.street_ids)
        self.street_ids.append(sid)
        for c, cell in enumerate(cells):
            cname = next(vnames) if village[c] else next(cnames)
            self.community(f"{sid}C{c + 1:02d}", sid, cname, kind, bool(village[c]), cell,
                           (street_no, district_name + name + cname))

    def community(self, cid: str, sid: str, name: str, kind: str, village: bool, poly: Polygon,
                  context: tuple[int, str]) -> None:
        rng = self.rng
        if village:
            pop = int(rng.integers(*VILLAGE_POPULATION))
            staff = int(rng.integers(3, 8))
            n_grids = int(np.clip(round(pop / 900 + rng.normal(0, 0.4)), 1, 4))
        else:
            pop = int(rng.integers(*URBAN_POPULATION[kind]))
            staff = max(4, int(round(pop / 10_000 * STAFF_STANDARD_PER_10K * rng.lognormal(0.04, 0.18))))
            n_grids = int(np.clip(round(pop / PEOPLE_PER_URBAN_GRID + rng.normal(0, 0.6)), 2, 12))
        self.add(cid, name, "community", sid, poly, population=pop, staff=staff)
        cells = geometry.split(rng, poly, n_grids, relax=1)
        for g, (cell, gpop) in enumerate(zip(cells, _split_integer(rng, pop, n_grids))):
            gstaff = 1 + int(rng.random() < (0.8 if gpop > 1500 else 0.25))
            gid = f"{cid}G{g + 1:02d}"
            self.add(gid, f"第{g + 1}网格", "grid", cid, cell, population=int(gpop), staff=gstaff)
            self.grids.append((gid, cell, int(gpop), KINDS.index(kind), context[0], village, context[1]))

    def sum_children(self) -> None:
        """Population and staff of streets, districts and the city: the sums over their children."""
        by_id = {row["unit_id"]: row for row in self.rows}
        for row in reversed(self.rows):  # a unit's row comes after its parent's, before its children's
            if row["level"] in ("community", "street", "district"):
                parent = by_id[row["parent_id"]]
                parent["population"] = (parent["population"] or 0) + row["population"]
                parent["staff"] = (parent["staff"] or 0) + row["staff"]


def build_city(rng: np.random.Generator) -> City:
    """The whole hierarchy, deterministic for the generator's state."""
    b = _Builder(rng)
    outline = geometry.city_outline(rng, *CENTRE, *HALF_SIZE)
    b.add(names.CITY[0], names.CITY[1], "city", None, outline, names.CITY[2])
    for d, poly in enumerate(geometry.voronoi_cells(outline, _district_seeds(rng))):
        b.district(d, poly)
    b.sum_children()
    for i, (_, full, en) in enumerate(names.DEPARTMENTS):
        b.add(f"DEPT{i + 1:02d}", full, "department", "CITY", None, en)

    units = pd.DataFrame(b.rows)
    has_poly = np.array([p is not None for p in b.polys])
    polys = np.array([p for p in b.polys if p is not None], dtype=object)
    area = np.full(len(units), np.nan)
    area[has_poly] = geometry.area_km2(polys)
    units["area_km2"] = area
    for col in ("population", "staff"):
        units[col] = units[col].astype("Int64")
    centroids = shapely.get_coordinates(shapely.centroid(polys))
    boundaries = pd.DataFrame({
        "unit_id": units["unit_id"][has_poly].to_numpy(),
        "geometry": [geometry.geojson(p) for p in polys],
        "centroid_lat": centroids[:, 1],
        "centroid_lon": centroids[:, 0],
    })
    gid, gpoly, gpop, gkind, gstreet, gvillage, gaddr = (np.array(col, dtype=object) for col in zip(*b.grids))
    return City(
        units=units, boundaries=boundaries, grid_ids=gid, grid_polygons=gpoly,
        grid_population=gpop.astype(np.int64), grid_kind=gkind.astype(np.int64),
        grid_street=gstreet.astype(np.int64), grid_village=gvillage.astype(bool), grid_address=gaddr,
        street_ids=np.array(b.street_ids, dtype=object), dept_codes=tuple(d[0] for d in names.DEPARTMENTS),
    )
