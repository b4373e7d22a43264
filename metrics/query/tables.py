"""The query layer: unit tables, totals and time series for any registry metric (DESIGN §4, §7).

Every function takes a :class:`~metrics.core.access.Viewer`; requests outside its scope are never
read. Counts come from the smallest additive roll-up that answers the query when it is current
and much smaller than the requests (``source="auto"``; force with ``source="rollup"``, see
:mod:`metrics.query.source`) and from the detail rows otherwise — the results are identical (tests/test_queries.py checks it); percentiles
are exact unless ``binned=True``; stocks (backlog, overdue) come from the detail rows.
"""
from __future__ import annotations

import datetime as dt
import re
import duckdb
import numpy as np
import pandas as pd

from metrics.core import sqldialect as sd
from metrics.core.access import Viewer
from metrics.core.filters import Filters
from metrics.core.levels import LEVELS
from metrics.core.periods import Period, previous, same_period_last_year
from metrics.query.build import Grouping, binned_sql, build_aggregate_sql, level_grouping
from metrics.core.registry import BY_ID, HOUR_BIN_EDGES, Metric, resolve
from metrics.query.source import RollupMissing, Source, count_source
from metrics.store.rollup import rollup_ready
from metrics.store.rollup_catalog import QUANTILE_HISTOGRAM, binned_quantile
from metrics.core.sqlfiles import read_sql

ALL = "'all'"
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def used_params(sql: str, params: dict[str, object]) -> dict[str, object]:
    """Exactly the parameters ``sql`` names (DuckDB and Spark reject extra ones)."""
    used = set(_PARAM.findall(sql))
    return {k: v for k, v in params.items() if k in used}


def run(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> pd.DataFrame:
    """Execute with exactly the parameters the SQL names."""
    return con.execute(sql, used_params(sql, params)).df()


def base_params(viewer: Viewer, period: Period, filters: Filters) -> dict[str, object]:
    """The period, scope and filter values every query over requests binds."""
    return {
        **period.params(), "start_day": period.start, "end_day": period.end,
        **viewer.scope_params(), **filters.params(), "rows_unit": filters.unit_id,
    }


def scoped(filters: Filters | None, unit_id: str | None) -> Filters:
    """``filters`` (none: no restriction) narrowed to ``unit_id`` when one is given."""
    filters = filters or Filters()
    return filters.with_unit(unit_id) if unit_id else filters


def _aggregate(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, grouping: Grouping,
    filters: Filters | None, metric_ids, basic_credit: float, source: Source, binned: bool,
    extra: dict[str, object] | None = None, *, level: str | None = None, grain: str | None = None,
) -> pd.DataFrame:
    filters = filters or Filters()
    metrics = resolve(metric_ids)
    if binned and not rollup_ready(con):
        raise RollupMissing("binned percentiles need the roll-up tables: run metrics.store.rollup.refresh_rollups")
    table = count_source(con, viewer, filters, (period,), source=source, level=level, grain=grain)
    sql = build_aggregate_sql(metrics, grouping, filters, rollup=table, quantiles=not binned)
    params = {**base_params(viewer, period, filters), "basic_credit": float(basic_credit), **(extra or {})}
    frame = run(con, sql, params)
    if binned and any(m.kind == "quantile" for m in metrics):
        _fill_binned(con, frame, metrics, grouping, filters, params)
    return frame


def _fill_binned(con, frame: pd.DataFrame, metrics: tuple[Metric, ...], grouping: Grouping,
                 filters: Filters, params: dict[str, object]) -> None:
    """Percentiles from the merged roll-up histogram bins (see the registry note for the error)."""
    bins = run(con, binned_sql(grouping, filters), params)
    key_col = frame.columns[0]
    width = len(HOUR_BIN_EDGES) + 1
    hist: dict[tuple[object, str], np.ndarray] = {}
    for k, which, b, n in bins.itertuples(index=False):
        hist.setdefault((k, which), np.zeros(width))[int(b)] += n
    for m in metrics:
        if m.kind == "quantile":
            which = QUANTILE_HISTOGRAM[m.id]
            frame[m.id] = [
                binned_quantile(hist[(k, which)], m.p) if (k, which) in hist else None for k in frame[key_col]
            ]
            frame[m.id] = frame[m.id].astype("float64")


def unit_table(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, level: str, period: Period,
    filters: Filters | None = None, metric_ids: tuple[str, ...] | list[str] | None = None,
    *, basic_credit: float, source: Source = "auto", binned: bool = False,
) -> pd.DataFrame:
    """One row per unit of ``level`` in the viewer's scope (units without requests included).

    ``basic_credit`` is the scheme parameter of 满意率 (a 基本满意 answer counts that much); there
    is no default here: the caller names its scheme's value, or the registry's for unscored pages.

    With ``filters.unit_id`` the rows are that unit's subtree (its own row at its own level).
    Levels above the viewer's scope unit give no rows.

    Columns: unit_id, unit_name, name_en, parent_id, level, population, staff, every metric, and
    ``<id>_num`` / ``<id>_den`` for every rate (credit sum and denominator count). Ordered by unit_id.
    """
    if level not in LEVELS:
        raise ValueError(f"level {level!r} is not one of {', '.join(LEVELS)}")
    return _aggregate(con, viewer, period, level_grouping(level), filters, metric_ids, basic_credit,
                      source, binned, {"level": level}, level=level)


def _population_rows(key_sql: str) -> str:
    return read_sql("scope_population").replace("{key}", key_sql)


def scope_totals(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, filters: Filters | None = None,
    metric_ids: tuple[str, ...] | list[str] | None = None,
    *, basic_credit: float, source: Source = "auto", binned: bool = False,
) -> dict[str, float | None]:
    """Every metric over the viewer's whole scope (or the filter unit), as {metric_id: value}."""
    grouping = Grouping(key=ALL, rows=_population_rows(ALL), row_columns=("key",))
    frame = _aggregate(con, viewer, period, grouping, filters, metric_ids, basic_credit, source, binned)
    row = frame.iloc[0]
    return {m.id: _scalar(row[m.id]) for m in resolve(metric_ids)}


def _scalar(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def buckets(period: Period, grain: str) -> tuple[list[dt.date], list[dt.datetime]]:
    """Bucket keys (the grain's first day, possibly before the period) and their ends, clipped to the period."""
    keys: list[dt.date] = []
    ends: list[dt.datetime] = []
    day = period.start
    while day < period.end:
        key = _truncate(day, grain)
        nxt = _next_bucket(key, grain)
        keys.append(key)
        ends.append(dt.datetime.combine(min(nxt, period.end), dt.time()))
        day = nxt
    return keys, ends


def _truncate(day: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if grain == "year":
        return dt.date(day.year, 1, 1)
    raise ValueError(f"grain {grain!r} is not one of {', '.join(sd.GRAINS)}")


def _next_bucket(key: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return key + dt.timedelta(days=1)
    if grain == "week":
        return key + dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    index = key.year * 12 + key.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def time_series(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, metric_ids: tuple[str, ...] | list[str], period: Period,
    grain: str = "month", unit_id: str | None = None, filters: Filters | None = None,
    *, basic_credit: float, source: Source = "auto", binned: bool = False,
) -> pd.DataFrame:
    """One row per ``grain`` bucket of ``period`` (empty buckets included): bucket, bucket_end, metrics.

    ``bucket`` is the grain's first day (a week starts on Monday; the first bucket may start
    before the period, but only requests inside the period count); stocks are taken at ``bucket_end``.
    """
    filters = scoped(filters, unit_id)
    keys, ends = buckets(period, grain)
    bucket_rows = sd.rows_from_lists({"key": "b_key", "bucket_end": "b_end"})
    grouping = Grouping(
        key=sd.truncate(grain, "r.received_at"), rollup_key=sd.truncate(grain, "r.day"),
        rows=f"SELECT b.key, b.bucket_end, t.population, t.staff FROM buckets b CROSS JOIN ({_population_rows(ALL)}) t",
        row_columns=("key AS bucket", "bucket_end"),
        ctes=(("buckets", bucket_rows),),
        stock_key="b.key", stock_join="JOIN buckets b ON r.received_at < b.bucket_end", stock_end="b.bucket_end",
        stock_rollup_join="JOIN buckets b ON r.day < b.bucket_end",
    )
    return _aggregate(con, viewer, period, grouping, filters, metric_ids, basic_credit, source, binned,
                      {"b_key": keys, "b_end": ends}, grain=grain)


def change(metric_id: str, value: float | None, before: float | None) -> float | None:
    """Rates: the difference (percentage points as a fraction); counts and others: relative change."""
    if value is None or before is None:
        return None
    if BY_ID[metric_id].unit == "rate":
        return value - before
    return (value - before) / before if before else None


def totals_with_comparisons(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, filters: Filters | None = None,
    metric_ids: tuple[str, ...] | list[str] | None = None, *, basic_credit: float,
) -> tuple[dict[str, float | None], dict[str, float | None], dict[str, float | None]]:
    """:func:`scope_totals` of ``period``, of the previous period and of the same period last year."""
    return tuple(
        scope_totals(con, viewer, p, filters, metric_ids, basic_credit=basic_credit)
        for p in (period, previous(period), same_period_last_year(period))
    )


def compare_periods(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period,
    metric_ids: tuple[str, ...] | list[str] | None = None, filters: Filters | None = None,
    *, basic_credit: float,
) -> pd.DataFrame:
    """metric_id, value, previous, last_year, mom (vs previous period), yoy (vs same period last year)."""
    now, before, last = totals_with_comparisons(con, viewer, period, filters, metric_ids, basic_credit=basic_credit)
    return pd.DataFrame([
        {"metric_id": m, "value": now[m], "previous": before[m], "last_year": last[m],
         "mom": change(m, now[m], before[m]), "yoy": change(m, now[m], last[m])}
        for m in now
    ])
