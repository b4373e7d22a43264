"""Grid map data: the chosen level's polygons with a metric, hexagon counts and request points.

Scoping and filters apply exactly as in the query layer (viewer scope predicate + Filters SQL,
values bound). Points carry no personal data: location, category, status and received time only.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from metrics import geo, queries
from metrics.access import SCOPE_PREDICATE, Viewer
from metrics.filters import Filters
from metrics.periods import Period

POINT_LIMIT = 20_000

_BOUNDARY_SQL = """
SELECT b.unit_id, b.geometry, b.centroid_lat, b.centroid_lon
FROM boundaries b
WHERE list_contains($ids, b.unit_id)
ORDER BY b.unit_id
"""

_ROUNDED_SQL = """
SELECT round(r.lat, 4) AS lat, round(r.lon, 4) AS lon, count(*) AS n
FROM requests r
WHERE r.received_at >= $start AND r.received_at < $end AND r.lat IS NOT NULL AND r.lon IS NOT NULL
  AND {scope} AND {filters}
GROUP BY 1, 2
"""

_POINTS_SQL = """
SELECT r.lat, r.lon, r.category, r.status, strftime(r.received_at, '%Y-%m-%d %H:%M') AS received
FROM requests r
WHERE r.received_at >= $start AND r.received_at < $end AND r.lat IS NOT NULL AND r.lon IS NOT NULL
  AND {scope} AND {filters}
ORDER BY r.received_at DESC
LIMIT $limit
"""


def _params(viewer: Viewer, period: Period, filters: Filters) -> dict[str, object]:
    return {**period.params(), **viewer.scope_params(), **filters.params()}


def level_map(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, level: str, period: Period, filters: Filters,
    metric_ids: tuple[str, ...],
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float | None]]:
    """(unit table at ``level``, boundaries of those units, totals of the whole selection)."""
    table = queries.unit_table(con, viewer, level, period, filters, metric_ids)
    bounds = con.execute(_BOUNDARY_SQL, {"ids": table["unit_id"].tolist()}).df()
    totals = queries.scope_totals(con, viewer, period, filters, metric_ids)
    return table, bounds, totals


def hexagons(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, filters: Filters, resolution: int,
) -> pd.DataFrame:
    """Request counts per H3 cell (hex, n) at ``resolution``."""
    sql = _ROUNDED_SQL.format(scope=SCOPE_PREDICATE, filters=filters.where_sql())
    return geo.hex_density(con.execute(sql, _params(viewer, period, filters)).df(), resolution)


def points(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, filters: Filters, limit: int = POINT_LIMIT,
) -> pd.DataFrame:
    """The most recent requests with coordinates (lat, lon, category, status, received), at most ``limit``."""
    sql = _POINTS_SQL.format(scope=SCOPE_PREDICATE, filters=filters.where_sql())
    return con.execute(sql, {**_params(viewer, period, filters), "limit": limit}).df()


FUNCTIONS = {"level_map": level_map, "hexagons": hexagons, "points": points}
