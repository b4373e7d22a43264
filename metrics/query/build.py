"""Builds the aggregate SQL behind unit tables, totals and time series from the registry.

One query shape serves every grouping: count columns (``<metric>__t<i>``, ``<metric>__d``)
are summed per group key, from ``requests`` or from the additive roll-up table, and the
outer SELECT turns counts into metrics with the registry's expressions — so a rate is the
same arithmetic whichever source its counts came from. Quantiles are exact (detail rows);
stocks (backlog, overdue) are counted over every request received before the period end.
The other SQL made from registry expressions is built here too (roll-up histogram bins, duration
histograms, the rows behind a metric, per-category rate counts); static SQL lives in ``sql/`` files.
Only identifiers from the registry and this module are formatted into SQL; values are bound.
"""
from __future__ import annotations

from dataclasses import dataclass

from metrics.core.access import SCOPE_PREDICATE
from metrics.core.conditions import IN_PERIOD, IN_PERIOD_DAYS
from metrics.core.filters import Filters
from metrics.core.registry import BY_ID, Metric, hour_bin_sql
from metrics.core.sqlfiles import read_sql



@dataclass(frozen=True)
class Grouping:
    """How rows are keyed.

    ``key``/``join`` apply to ``requests r`` (and, with ``rollup_key``, to a roll-up table ``r``);
    ``rows`` is a SELECT with a ``key`` column and the attributes to output (its columns listed
    in ``row_columns``); stocks use ``stock_key``/``stock_join`` (``stock_rollup_join`` on a roll-up)
and ``stock_end`` in place of ``$end``.
    """

    key: str
    rows: str
    row_columns: tuple[str, ...]
    join: str = ""
    rollup_key: str | None = None
    ctes: tuple[tuple[str, str], ...] = ()
    stock_key: str | None = None
    stock_join: str | None = None
    stock_rollup_join: str | None = None
    stock_end: str = "$end"
    order_by: str = "rows.key"


def count_columns(metrics: tuple[Metric, ...]) -> list[tuple[str, str]]:
    """The (column, condition) counts the additive metrics need (``requests`` too for per-10k)."""
    needed: dict[str, str] = {}
    for m in metrics:
        if m.kind == "per_10k" and m.per_10k_of == "requests":
            m = BY_ID["requests"]
        if m.kind in ("count", "rate"):
            needed.update(m.count_columns())
    return list(needed.items())


def scoped_where(filters: Filters, period_sql: str) -> str:
    """``period_sql`` AND the viewer's scope AND the filters, over ``r``."""
    return f"{period_sql} AND {SCOPE_PREDICATE} AND {filters.where_sql()}"


def build_aggregate_sql(
    metrics: tuple[Metric, ...], grouping: Grouping, filters: Filters, *, rollup: str | None,
    quantiles: bool = True,
) -> str:
    """The full query: one row per ``rows`` key with the attributes and the metrics.

    ``rollup``: the roll-up table to sum the counts from (one that answers the query, see
    :func:`metrics.store.rollup.pick_table`), or None to count the detail rows.
    """
    use_rollup = rollup is not None
    counts = count_columns(metrics)
    quants = [m for m in metrics if m.kind == "quantile"] if quantiles else []
    stocks = [m for m in metrics if m.kind == "stock"]
    ctes = list(grouping.ctes)
    joins = []

    def count_expr(col: str, cond: str) -> str:
        agg = f"sum(r.{col})" if use_rollup else f"sum(CASE WHEN {cond} THEN 1 ELSE 0 END)"
        return f"CAST({agg} AS BIGINT) AS {col}"

    flow_cols = [count_expr(c, cond) for c, cond in counts]
    if quants and not use_rollup:
        flow_cols += [f"{m.sql()} AS {m.id}" for m in quants]
        quants = []
    if flow_cols:
        table, key, period = (
            (rollup, grouping.rollup_key or grouping.key, IN_PERIOD_DAYS) if use_rollup
            else ("requests", grouping.key, IN_PERIOD)
        )
        ctes.append(("flow", f"SELECT {key} AS key, {', '.join(flow_cols)}\nFROM {table} r {grouping.join}\n"
                             f"WHERE {scoped_where(filters, period)}\nGROUP BY {key}"))
        joins.append("LEFT JOIN flow ON flow.key = rows.key")
    if quants:
        cols = ", ".join(f"{m.sql()} AS {m.id}" for m in quants)
        ctes.append(("pct", f"SELECT {grouping.key} AS key, {cols}\nFROM requests r {grouping.join}\n"
                            f"WHERE {scoped_where(filters, IN_PERIOD)}\nGROUP BY {grouping.key}"))
        joins.append("LEFT JOIN pct ON pct.key = rows.key")
    if stocks:
        ctes.append(("stock", _stock_sql(stocks, grouping, filters, rollup)))
        joins.append("LEFT JOIN stock ON stock.key = rows.key")
    ctes.append(("rows", grouping.rows))
    qsource = "pct" if use_rollup and quantiles else ("flow" if quantiles else None)
    select = [f"rows.{c}" for c in grouping.row_columns] + _metric_columns(metrics, qsource)
    return (f"{with_clause(ctes)}\nSELECT {', '.join(select)}\nFROM rows {' '.join(joins)}\n"
            f"ORDER BY {grouping.order_by}")


def _stock_sql(stocks: list[Metric], grouping: Grouping, filters: Filters, rollup: str | None) -> str:
    """Stocks at ``grouping.stock_end``: from the detail rows, or as open minus close events of the
    days before it from a roll-up (:func:`metrics.core.conditions.stock_events`)."""
    end = grouping.stock_end
    if rollup is None:
        skey = grouping.stock_key or grouping.key
        join = grouping.stock_join if grouping.stock_join is not None else grouping.join
        cols = ", ".join(f"CAST(sum(CASE WHEN {cond.replace('$end', end)} THEN 1 ELSE 0 END) AS BIGINT) AS {c}"
                         for m in stocks for c, cond in m.count_columns())
        moment = "r.received_at"
        table = "requests"
    else:
        skey = grouping.stock_key or grouping.rollup_key or grouping.key
        join = grouping.stock_rollup_join if grouping.stock_rollup_join is not None else grouping.join
        end = "$end_day" if end == "$end" else end
        cols = ", ".join(f"CAST(sum(r.{m.id}__open) - sum(r.{m.id}__close) AS BIGINT) AS {m.term_column(0)}"
                         for m in stocks)
        moment = "r.day"
        table = rollup
    return (f"SELECT {skey} AS key, {cols}\nFROM {table} r {join}\n"
            f"WHERE {scoped_where(filters, f'{moment} < {end}')}\nGROUP BY {skey}")


def with_clause(ctes: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> str:
    """``WITH a AS (...), b AS (...)`` (empty when there are none)."""
    if not ctes:
        return ""
    return "WITH " + ",\n".join(f"{name} AS (\n{body}\n)" for name, body in ctes)


def _metric_columns(metrics: tuple[Metric, ...], qsource: str | None) -> list[str]:
    out: list[str] = []
    for m in metrics:
        if m.kind == "count":
            out.append(f"{m.from_counts_sql('flow.')} AS {m.id}")
        elif m.kind == "stock":
            out.append(f"{m.from_counts_sql('stock.')} AS {m.id}")
        elif m.kind == "quantile":
            out.append(f"{qsource}.{m.id} AS {m.id}" if qsource else f"CAST(NULL AS DOUBLE) AS {m.id}")
        elif m.kind == "per_10k":
            top = ("CAST(coalesce(flow.requests__t0, 0) AS DOUBLE)" if m.per_10k_of == "requests"
                   else "CAST(rows.staff AS DOUBLE)")
            out.append(f"{top} * 10000 / nullif(rows.population, 0) AS {m.id}")
        else:
            out += [f"{m.from_counts_sql('flow.')} AS {m.id}",
                    f"{m.numerator_sql('flow.')} AS {m.id}_num",
                    f"coalesce(flow.{m.den_column}, 0) AS {m.id}_den"]
    return out


def level_grouping(level: str) -> Grouping:
    """Rows = units of ``level`` in the viewer's scope (and the filter's subtree); requests rolled up."""
    rows = read_sql("unit_rows")
    columns = ("key AS unit_id", "name AS unit_name", "name_en", "parent_id", "level", "population", "staff")
    if level == "department":
        return Grouping(key="r.dept_id", rows=rows, row_columns=columns)
    lvl = ("lvl", "SELECT a.unit_id, a.ancestor_id FROM unit_ancestors a "
                  "JOIN units lu ON lu.unit_id = a.ancestor_id WHERE lu.level = $level")
    return Grouping(key="lvl.ancestor_id", rows=rows, row_columns=columns,
                    join="JOIN lvl ON lvl.unit_id = r.unit_id", ctes=(lvl,))


def binned_sql(grouping: Grouping, filters: Filters) -> str:
    """Roll-up histogram counts per group key, kind of duration and bin (binned percentiles)."""
    key = grouping.rollup_key or grouping.key
    return (f"{with_clause(grouping.ctes)}\nSELECT {key} AS key, r.which, r.bin, sum(r.n) AS n FROM rollup_hist r "
            f"{grouping.join}\nWHERE {scoped_where(filters, IN_PERIOD_DAYS)}\n"
            f"GROUP BY {key}, r.which, r.bin")


def histogram_sql(hours: str, filters: Filters, *, use_rollup: bool) -> str:
    """Counts per duration bin (``bin``, ``n``) of one kind of duration in the period.

    ``hours`` is the registry's per-row duration; from the roll-up, the kind is ``$which``.
    """
    if use_rollup:
        return (f"SELECT r.bin, CAST(sum(r.n) AS BIGINT) AS n FROM rollup_hist r\n"
                f"WHERE r.which = $which AND {scoped_where(filters, IN_PERIOD_DAYS)}\n"
                "GROUP BY r.bin")
    hours = f"({hours})"
    return (f"SELECT {hour_bin_sql(hours)} AS bin, CAST(count(*) AS BIGINT) AS n FROM requests r\n"
            f"WHERE {hours} IS NOT NULL AND {scoped_where(filters, IN_PERIOD)}\n"
            "GROUP BY 1")


def drill_predicate(metric_id: str | None) -> tuple[str, str, str]:
    """(row condition, credit expression, hours expression) of the request rows behind a metric."""
    if metric_id is None:
        return IN_PERIOD, "NULL", "NULL"
    m = BY_ID[metric_id]
    if m.kind == "rate":
        credit = " + ".join(
            f"CASE WHEN {t.condition} THEN {'1' if t.weight is None else f'CAST(${t.weight} AS DOUBLE)'} ELSE 0 END"
            for t in m.terms)
        return f"{IN_PERIOD} AND {m.denominator}", f"CAST({credit} AS DOUBLE)", "NULL"
    if m.kind == "quantile":
        return f"{IN_PERIOD} AND ({m.duration}) IS NOT NULL", "NULL", m.duration
    if m.kind == "stock":
        return m.terms[0].condition, "NULL", "NULL"
    if m.kind == "count" or m.per_10k_of == "requests":
        return IN_PERIOD, "NULL", "NULL"
    return "FALSE", "NULL", "NULL"   # staff_per_10k: not made of requests


def rate_count_columns(rate_ids) -> list[str]:
    """``<rate>_num`` (the credit sum) and ``<rate>_den`` aggregate columns of rates, over ``requests r``."""
    cols = []
    for rate in rate_ids:
        metric = BY_ID[rate]
        if metric.kind != "rate":
            raise ValueError(f"{rate} is not a rate; a breakdown needs a numerator and a denominator")
        den = f"CAST(sum(CASE WHEN {metric.denominator} THEN 1 ELSE 0 END) AS DOUBLE)"
        cols += [f"{metric.numerator_agg_sql()} AS {rate}_num", f"{den} AS {rate}_den"]
    return cols
