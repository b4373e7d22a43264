"""Page computations for the Overview and the shared pieces of other pages, on top of the query layer.

Each function takes (con, viewer, ...) like the query layer and returns plain data frames or
dicts, so pages only draw (views/cache.py caches them per snapshot).
"""
from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from metrics.assess import alerts
from metrics.query import tables as queries
from metrics.core.access import Viewer
from metrics.assess.engine import required_metrics, score_units
from metrics.core.filters import Filters
from metrics.present.common import unit_catalog
from metrics.core.periods import Period, custom, month, previous, same_period_last_year
from metrics.assess.schemes import DEFAULT_SCHEME, load_scheme


def unit_level(con: duckdb.DuckDBPyConnection, unit_id: str | None) -> str:
    """The level of a unit ('city' for no unit)."""
    if unit_id is None:
        return "city"
    row = con.execute("SELECT level FROM units WHERE unit_id = $u", {"u": unit_id}).fetchone()
    return row[0] if row else "city"


def parent_of(con: duckdb.DuckDBPyConnection, unit_id: str) -> str | None:
    """The unit's parent, or None at the top below the city (and for departments)."""
    row = con.execute(
        "SELECT p.unit_id, p.level FROM units u JOIN units p ON p.unit_id = u.parent_id WHERE u.unit_id = $u",
        {"u": unit_id},
    ).fetchone()
    return None if row is None or row[1] == "city" else row[0]


def scope_scored(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, filters: Filters,
    scheme_name: str = DEFAULT_SCHEME,
) -> dict[str, float | None]:
    """The scheme's composite score of the whole selection (the filter unit, else the viewer's scope)
    for the period, the previous period and the same period last year, with their changes."""
    scheme = load_scheme(scheme_name)
    level = unit_level(con, filters.unit_id)
    if level == "city" and filters.unit_id is None and viewer.scope_unit_id is not None:
        level = unit_level(con, viewer.scope_unit_id)
    out: dict[str, float | None] = {}
    for key, when in (("value", period), ("previous", previous(period)), ("last_year", same_period_last_year(period))):
        table = queries.unit_table(con, viewer, level, when, filters, required_metrics(scheme),
                                   basic_credit=scheme.basic_credit)
        if filters.unit_id is not None:
            table = table[table["unit_id"] == filters.unit_id]
        scored = score_units(table, scheme) if not table.empty else table
        score = None if scored.empty or pd.isna(scored["score"].iloc[0]) else float(scored["score"].iloc[0])
        out[key] = score
    out["mom"] = None if out["value"] is None or out["previous"] is None else out["value"] - out["previous"]
    out["yoy"] = None if out["value"] is None or out["last_year"] is None else out["value"] - out["last_year"]
    return out


def scored_units(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, level: str, period: Period, filters: Filters,
    scheme_name: str = DEFAULT_SCHEME, extra_metrics: tuple[str, ...] = ("overdue", "backlog"),
) -> pd.DataFrame:
    """The unit table at ``level`` scored with the scheme (score, rank, grade, insufficient)."""
    scheme = load_scheme(scheme_name)
    ids = tuple(dict.fromkeys((*required_metrics(scheme), *extra_metrics, *alerts.FLOORS)))
    table = queries.unit_table(con, viewer, level, period, filters, ids, basic_credit=scheme.basic_credit)
    return score_units(table, scheme)


def best_and_worst(scored: pd.DataFrame, n: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The n best ranked and the n worst ranked units (worst first); unranked units are left out."""
    ranked = scored[scored["rank"].notna()].sort_values("rank")
    return ranked.head(n).reset_index(drop=True), ranked.tail(n).iloc[::-1].reset_index(drop=True)


def trailing_months(period: Period, months: int = 12) -> Period:
    """The ``months`` calendar months ending with the month that holds the period's last day."""
    last = period.last_day
    index = last.year * 12 + last.month - 1 - (months - 1)
    first = month(index // 12, index % 12 + 1)
    return custom(first.start, month(last.year, last.month).last_day)


def trend(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, filters: Filters,
    metric_ids: tuple[str, ...], months: int = 12, grain: str = "month", *, basic_credit: float,
) -> pd.DataFrame:
    """Monthly (or other grain) series of the metrics over the 12 months up to the period."""
    return queries.time_series(con, viewer, metric_ids, trailing_months(period, months), grain, filters=filters,
                               basic_credit=basic_credit)


def alert_list(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, level: str, period: Period, filters: Filters,
    as_of: dt.datetime, scheme_name: str = DEFAULT_SCHEME,
) -> list[alerts.Alert]:
    """Floors, spikes (categories and grids, last 7 days up to the period end) and overdue units."""
    scheme = load_scheme(scheme_name)
    scored = scored_units(con, viewer, level, period, filters, scheme_name)
    found = alerts.floor_alerts(scored, scheme)
    end = min(dt.datetime.combine(period.end, dt.time()),
              dt.datetime.combine(as_of.date() + dt.timedelta(days=1), dt.time()))
    catalog = unit_catalog(con, viewer)
    names = dict(zip(catalog["unit_id"], zip(catalog["name"], catalog["name_en"])))
    for by in ("category", "grid"):
        spikes = alerts.find_spikes(alerts.weekly_counts(con, viewer, end, by, filters))
        found += alerts.spike_alerts(spikes, by, names, end)
    found += alerts.overdue_alerts(scored)
    return found
