"""Grid map data: the chosen level's polygons with a metric, hexagon counts and request points.

Scoping and filters apply exactly as in the query layer (viewer scope predicate + Filters SQL,
values bound). Points carry no personal data: location, category, status and received time only.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from metrics.present import geo
from metrics.query import tables as queries
from metrics.core.access import SCOPE_PREDICATE, Viewer
from metrics.core.conditions import IN_PERIOD
from metrics.core.filters import Filters
from metrics.core.formats import fmt_count, fmt_value
from metrics.core.i18n import code_label
from metrics.core.periods import Period
from metrics.core.registry import BY_ID
from metrics.core.sqlfiles import read_sql

POINT_LIMIT = 20_000
TIP_METRICS = ("requests", "response_rate", "resolution_rate", "satisfaction_rate")

# A request is drawn only where it has a real point: coordinates that are not a placeholder.
ON_MAP = "r.lat IS NOT NULL AND r.lon IS NOT NULL AND r.location_status IS DISTINCT FROM 'placeholder'"


def _params(viewer: Viewer, period: Period, filters: Filters) -> dict[str, object]:
    return {**period.params(), **viewer.scope_params(), **filters.params()}


def level_map(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, level: str, period: Period, filters: Filters,
    metric_ids: tuple[str, ...], *, basic_credit: float,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float | None]]:
    """(unit table at ``level``, boundaries of those units, totals of the whole selection)."""
    table = queries.unit_table(con, viewer, level, period, filters, metric_ids, basic_credit=basic_credit)
    bounds = con.execute(read_sql("map_boundaries"), {"ids": table["unit_id"].tolist()}).df()
    totals = queries.scope_totals(con, viewer, period, filters, metric_ids, basic_credit=basic_credit)
    return table, bounds, totals


def hexagons(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, filters: Filters, resolution: int,
) -> pd.DataFrame:
    """Request counts per H3 cell (hex, n) at ``resolution``."""
    sql = read_sql("map_rounded").format(in_period=IN_PERIOD, on_map=ON_MAP, scope=SCOPE_PREDICATE, filters=filters.where_sql())
    return geo.hex_density(con.execute(sql, _params(viewer, period, filters)).df(), resolution)


def points(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, filters: Filters, limit: int = POINT_LIMIT,
) -> pd.DataFrame:
    """The most recent requests with coordinates (lat, lon, category, status, received), at most ``limit``."""
    sql = read_sql("map_points").format(in_period=IN_PERIOD, on_map=ON_MAP, scope=SCOPE_PREDICATE, filters=filters.where_sql())
    return con.execute(sql, {**_params(viewer, period, filters), "limit": limit}).df()


def off_map(con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, filters: Filters) -> int:
    """How many requests of the selection have no real point (none, or a placeholder) and are not drawn."""
    sql = read_sql("map_off").format(in_period=IN_PERIOD, on_map=ON_MAP, scope=SCOPE_PREDICATE, filters=filters.where_sql())
    return int(con.execute(sql, _params(viewer, period, filters)).fetchone()[0])


def _label(metric_id: str, lang: str) -> str:
    return BY_ID[metric_id].zh if lang == "zh" else BY_ID[metric_id].en


def unit_layer(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, level: str, period: Period, filters: Filters,
    metric_id: str, lang: str, *, basic_credit: float,
) -> dict:
    """Everything the map's unit layer draws, ready for pydeck: ``features`` (coloured by ``metric_id``,
    each with a ``tip`` of its key figures in ``lang``), ``outline`` (uncoloured), ``scale``, the
    selection's ``total`` value of the metric, and the ``view`` that fits the polygons."""
    ids = tuple(dict.fromkeys((metric_id, *TIP_METRICS)))
    table, bounds, totals = level_map(con, viewer, level, period, filters, ids, basic_credit=basic_credit)
    metric = BY_ID[metric_id]
    scale = geo.make_scale(table[metric_id], rate=metric.unit == "rate", centre=totals.get(metric_id),
                           higher_is_better=metric.higher_is_better)
    name_col = "unit_name" if lang == "zh" else "name_en"

    def tip(row) -> dict[str, str]:
        lines = [str(row.get(name_col) or row.get("unit_name") or row["unit_id"])]
        lines += [f"{_label(k, lang)}: {fmt_value(row.get(k), BY_ID[k].unit, lang)}" for k in ids]
        return {"tip": "\n".join(lines)}

    empty = geo.Scale("empty", 0.0, 0.0, None, True)
    return {
        "features": geo.feature_collection(bounds, table, metric_id, scale, tip),
        "outline": geo.feature_collection(bounds, table.iloc[0:0], metric_id, empty, lambda row: {}),
        "scale": scale, "total": totals.get(metric_id), "view": geo.view_state(bounds), "empty": bounds.empty,
    }


def hex_layer(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, filters: Filters, resolution: int, lang: str,
) -> tuple[pd.DataFrame, geo.Scale]:
    """Hexagon counts with their fill colour and tooltip, and the colour scale."""
    hexes = hexagons(con, viewer, period, filters, resolution)
    scale = geo.make_scale(hexes["n"], rate=False, centre=None, higher_is_better=False)
    label = _label("requests", lang)
    return hexes.assign(fill=[scale.rgba(v) for v in hexes["n"]],
                        tip=[f"{label}: {fmt_count(v, lang)}" for v in hexes["n"]]), scale


def point_layer(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, filters: Filters, lang: str,
) -> pd.DataFrame:
    """Request points with a tooltip (category · status · received)."""
    pts = points(con, viewer, period, filters)
    return pts.assign(tip=[f"{c or ''} · {code_label('status', s or 'open', lang)} · {t}"
                           for c, s, t in zip(pts["category"], pts["status"], pts["received"])])
