"""Distributions and the rows behind a number: histograms, top categories, hour × weekday, drill-down.

Every function takes a :class:`~metrics.core.access.Viewer`; drill-down rows are masked unless
``viewer.may_see_personal`` (masking happens here, before rows leave the query layer).
"""
from __future__ import annotations

from typing import Literal

import duckdb
import numpy as np
import pandas as pd

from metrics.core import sqldialect as sd
from metrics.core.access import SCOPE_PREDICATE, Viewer
from metrics.core.conditions import IN_PERIOD, IN_PERIOD_DAYS, received_between
from metrics.core.filters import Filters
from metrics.core.masking import mask_frame
from metrics.core.periods import Period, previous
from metrics.query.source import count_source
from metrics.query.tables import base_params, run, scoped
from metrics.query.build import drill_predicate, histogram_sql, scoped_where
from metrics.core.registry import HOUR_BIN_EDGES
from metrics.store.rollup import HISTOGRAMS, rollup_ready
from metrics.store.rollup_catalog import bin_bounds
from metrics.core.sqlfiles import read_sql

DRILL_ORDER = ("received_at", "closed_at", "first_contact_at", "request_id", "category", "unit_id",
               "dept_id", "hours", "credit")


def duration_histogram(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, which: Literal["response", "close"], period: Period,
    filters: Filters | None = None, unit_id: str | None = None,
) -> pd.DataFrame:
    """Counts of response or close durations per fixed log-spaced bin: bin, lower_hours, upper_hours, count.

    Only bins from the first to the last non-empty one are returned. Durations as in the registry
    (assessable requests with a first contact / a closure).
    """
    if which not in HISTOGRAMS:
        raise ValueError(f"histogram {which!r} is not one of {', '.join(HISTOGRAMS)}")
    filters = scoped(filters, unit_id)
    params = {**base_params(viewer, period, filters), "which": which}
    counts = run(con, histogram_sql(HISTOGRAMS[which], filters, use_rollup=rollup_ready(con)), params)
    lower, upper = bin_bounds()
    upper = np.where(np.arange(len(upper)) == len(HOUR_BIN_EDGES), np.inf, upper)
    full = pd.DataFrame({"bin": np.arange(len(lower)), "lower_hours": lower, "upper_hours": upper})
    full["count"] = full["bin"].map(dict(zip(counts["bin"], counts["n"]))).fillna(0).astype("int64")
    nonzero = full.index[full["count"] > 0]
    return full.iloc[nonzero.min(): nonzero.max() + 1].reset_index(drop=True) if len(nonzero) else full.iloc[:0]


def category_top(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, n: int = 10,
    filters: Filters | None = None, unit_id: str | None = None,
) -> pd.DataFrame:
    """The ``n`` categories with most requests: category, requests, share, previous, change (relative)."""
    filters = scoped(filters, unit_id)
    before = previous(period)
    params = {**base_params(viewer, period, filters),
              "prev_start": before.params()["start"], "prev_end": before.params()["end"],
              "prev_start_day": before.start, "prev_end_day": before.end}
    table = count_source(con, viewer, filters, (period, before), by=("category",))
    if table is not None:
        count, now = "r.requests__t0", IN_PERIOD_DAYS
        before = received_between("$prev_start_day", "$prev_end_day", "r.day")
    else:
        table, count, now, before = "requests", "1", IN_PERIOD, received_between("$prev_start", "$prev_end")
    sql = read_sql("category_top").format(
        table=table, count=count, now=now, before=before, scope=SCOPE_PREDICATE, filters=filters.where_sql())
    frame = run(con, sql, params)
    total = frame["requests"].sum()
    frame["share"] = frame["requests"] / total if total else np.nan
    frame["change"] = [(c - p) / p if p else None for c, p in zip(frame["requests"], frame["previous"])]
    frame["change"] = frame["change"].astype("float64")
    frame = frame[frame["requests"] > 0].sort_values(["requests", "category"], ascending=[False, True])
    return frame.head(n).reset_index(drop=True)


def hour_weekday(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period,
    filters: Filters | None = None, unit_id: str | None = None,
) -> pd.DataFrame:
    """Requests by weekday (1 = Monday … 7) × hour (0 … 23), all 168 cells (zeros included)."""
    filters = scoped(filters, unit_id)
    wd, hr = sd.iso_weekday("r.received_at"), sd.hour_of_day("r.received_at")
    sql = (f"SELECT {wd} AS weekday, {hr} AS hour, CAST(count(*) AS BIGINT) AS requests FROM requests r\n"
           f"WHERE {scoped_where(filters, IN_PERIOD)}\nGROUP BY {wd}, {hr}")
    counts = run(con, sql, base_params(viewer, period, filters))
    grid = pd.MultiIndex.from_product([range(1, 8), range(24)], names=["weekday", "hour"])
    series = counts.set_index(["weekday", "hour"])["requests"].reindex(grid, fill_value=0)
    return series.astype("int64").reset_index()


def drill_rows(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, filters: Filters | None = None,
    unit_id: str | None = None, metric_id: str | None = None, order_by: str = "received_at",
    descending: bool = True, page: int = 1, page_size: int = 50, *, basic_credit: float,
) -> tuple[pd.DataFrame, int]:
    """The request rows behind a number and how many there are in all.

    For a rate: its denominator rows, with ``credit`` = the row's numerator credit (1, ``basic_credit``, 0);
    for a percentile: the rows with a duration, with ``hours``; for backlog / overdue: the rows
    open at the period end. Personal fields are masked unless ``viewer.may_see_personal``.
    """
    if order_by not in DRILL_ORDER:
        raise ValueError(f"order_by {order_by!r} is not one of {', '.join(DRILL_ORDER)}")
    if page < 1 or page_size < 1:
        raise ValueError("page and page_size start at 1")
    filters = scoped(filters, unit_id)
    condition, credit, hours = drill_predicate(metric_id)
    where = scoped_where(filters, condition)
    params = {**base_params(viewer, period, filters), "basic_credit": float(basic_credit),
              "limit": page_size, "offset": (page - 1) * page_size}
    total = int(run(con, f"SELECT count(*) AS n FROM requests r WHERE {where}", params)["n"].iloc[0])
    direction = "DESC" if descending else "ASC"
    sql = read_sql("drill_rows").format(credit=credit, hours=hours, where=where,
                                        order=f"{order_by} {direction} NULLS LAST, request_id")
    rows = run(con, sql, params)
    return (rows if viewer.may_see_personal else mask_frame(rows)), total

