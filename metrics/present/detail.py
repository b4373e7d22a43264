"""Computations for the Response, Resolution and Satisfaction pages, on top of the query layer.

Rates and percentiles come from the registry through the query layer's SQL builder, grouped by
a request column (channel, category, urgency) or by a response-time band, so every number here
is the registry's definition. Funnel and backlog ageing are plain counts with bound parameters.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from metrics.query import tables as queries
from metrics.core.access import SCOPE_PREDICATE, Viewer
from metrics.core.conditions import IN_PERIOD, IS_CLOSED, OPEN_AT_END, VISITED
from metrics.assess.fairness import add_wilson
from metrics.core.filters import Filters
from metrics.core.periods import Period
from metrics.query.build import Grouping, build_aggregate_sql
from metrics.query.source import count_source
from metrics.query.coverage import field_shares
from metrics.core.registry import RESPONSE_HOURS, resolve
from metrics.core.sqlfiles import read_sql

GROUP_COLUMNS = ("channel", "category", "urgency", "source")
# Response-time bands (hours) for satisfaction against response time: [lower, upper)
RESPONSE_BANDS: tuple[tuple[float, float], ...] = (
    (0, 2), (2, 4), (4, 8), (8, 12), (12, 24), (24, 48), (48, 72), (72, float("inf")),
)
# Backlog ageing bands (days open at the period end): [lower, upper)
AGE_BANDS: tuple[tuple[float, float], ...] = ((0, 1), (1, 3), (3, 7), (7, 15), (15, 30), (30, float("inf")))


def group_table(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, filters: Filters, column: str,
    metric_ids: tuple[str, ...], *, basic_credit: float,
) -> pd.DataFrame:
    """One row per value of a request column (``column``: channel, category, urgency, source) with metrics."""
    if column not in GROUP_COLUMNS:
        raise ValueError(f"group by {column!r}: expected one of {', '.join(GROUP_COLUMNS)}")
    rows = f"SELECT DISTINCT r.{column} AS key FROM requests r WHERE r.{column} IS NOT NULL"
    grouping = Grouping(key=f"r.{column}", rollup_key=f"r.{column}", rows=rows, row_columns=(f"key AS {column}",))
    metrics = resolve(metric_ids)
    table = count_source(con, viewer, filters, (period,), by=(column,))
    sql = build_aggregate_sql(metrics, grouping, filters, rollup=table)
    params = {**queries.base_params(viewer, period, filters), "basic_credit": float(basic_credit)}
    return queries.run(con, sql, params)


def _band_case(expr: str, bands: tuple[tuple[float, float], ...]) -> str:
    parts = [f"WHEN {expr} < {hi!r} THEN {i}" for i, (_, hi) in enumerate(bands) if hi != float("inf")]
    return f"CASE WHEN {expr} IS NULL THEN NULL {' '.join(parts)} ELSE {len(bands) - 1} END"


def satisfaction_by_response(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, filters: Filters, *, basic_credit: float,
) -> pd.DataFrame:
    """满意率 / 解决率 per response-time band: band, lower, upper, satisfaction_rate (+_num/_den), resolution_rate."""
    key = _band_case(RESPONSE_HOURS, RESPONSE_BANDS)
    grouping = Grouping(key=key, rows="SELECT unnest($bands) AS key", row_columns=("key AS band",))
    metrics = resolve(("satisfaction_rate", "resolution_rate"))
    sql = build_aggregate_sql(metrics, grouping, filters, rollup=None)
    params = {**queries.base_params(viewer, period, filters), "basic_credit": float(basic_credit),
              "bands": list(range(len(RESPONSE_BANDS)))}
    frame = queries.run(con, sql, params)
    frame["lower"] = [RESPONSE_BANDS[b][0] for b in frame["band"]]
    frame["upper"] = [RESPONSE_BANDS[b][1] for b in frame["band"]]
    return frame


FUNNEL_STEPS = ("received", "contacted", "closed", "visited", "resolved", "satisfied")
FUNNEL_FIELDS = {"received": (), "contacted": ("first_contact_at",), "closed": ("closed_at|status",),
                 "visited": ("visited",), "resolved": ("visited", "resolved"), "satisfied": ("visited", "satisfaction")}


def funnel(con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, filters: Filters) -> pd.DataFrame:
    """Requests received in the period at each step: step, n, share of received.

    contacted = a first contact is recorded; closed = closed_at set or status closed; visited = valid
    return visit (assessable); resolved / satisfied = what the citizen said on that visit
    (satisfied = 满意 or 基本满意).
    """
    sql = read_sql("funnel").format(closed=IS_CLOSED, visited=VISITED, in_period=IN_PERIOD,
                                    scope=SCOPE_PREDICATE, filters=filters.where_sql())
    row = con.execute(sql, {**period.params(), **viewer.scope_params(), **filters.params()}).fetchone()
    counts = [int(v or 0) for v in row]
    total = counts[0]
    frame = pd.DataFrame({"step": FUNNEL_STEPS, "n": counts,
                          "share": [c / total if total else None for c in counts]})
    # a step whose field the data does not hold is left out, not shown as 0
    _, shares = field_shares(con, viewer, period, filters)
    held = [not total or all(max(shares[f] for f in need.split("|")) > 0 for need in FUNNEL_FIELDS[step])
            for step in FUNNEL_STEPS]
    return frame[held].reset_index(drop=True)


def backlog_ageing(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, filters: Filters,
) -> pd.DataFrame:
    """Requests open at the period end (the registry's backlog) by days open: band, lower, upper, overdue, within."""
    age_days = "((epoch($end) - epoch(r.received_at)) / 86400)"
    sql = read_sql("backlog_ageing").format(band=_band_case(age_days, AGE_BANDS), open_at_end=OPEN_AT_END,
                             scope=SCOPE_PREDICATE, filters=filters.where_sql())
    found = con.execute(sql, {"end": period.params()["end"], **viewer.scope_params(), **filters.params()}).df()
    out = pd.DataFrame({"band": range(len(AGE_BANDS)), "lower": [b[0] for b in AGE_BANDS],
                        "upper": [b[1] for b in AGE_BANDS]})
    out = out.merge(found, on="band", how="left").fillna({"overdue": 0, "within": 0})
    out[["overdue", "within"]] = out[["overdue", "within"]].astype("int64")
    return out


def wilson_table(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, level: str, period: Period, filters: Filters,
    *, basic_credit: float,
) -> tuple[pd.DataFrame, float | None]:
    """Units at ``level`` with 满意率, its Wilson 95 % interval (``_lo``, ``_hi``, and the error-bar
    lengths ``err_lo``, ``err_hi``) and 回访率; plus the selection's overall 满意率."""
    table = queries.unit_table(con, viewer, level, period, filters, ("satisfaction_rate", "visit_coverage", "requests"),
                               basic_credit=basic_credit)
    table = add_wilson(table, ("satisfaction_rate",))
    table["err_lo"] = table["satisfaction_rate"] - table["satisfaction_rate_lo"]
    table["err_hi"] = table["satisfaction_rate_hi"] - table["satisfaction_rate"]
    overall = queries.scope_totals(con, viewer, period, filters, ("satisfaction_rate",),
                                   basic_credit=basic_credit)["satisfaction_rate"]
    return table, overall


def lowest_categories(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, filters: Filters,
    min_visits: int = 30, n: int = 10, *, basic_credit: float,
) -> pd.DataFrame:
    """The ``n`` categories with the lowest 满意率 among those with at least ``min_visits`` valid return visits."""
    cats = group_table(con, viewer, period, filters, "category", ("satisfaction_rate", "requests"),
                       basic_credit=basic_credit)
    cats = cats[cats["satisfaction_rate_den"] >= min_visits]
    return cats.sort_values(["satisfaction_rate", "category"]).head(n).reset_index(drop=True)
