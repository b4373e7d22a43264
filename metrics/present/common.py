"""What every dashboard page needs besides metrics: the unit catalogue, the data's date range,
filter options and the periods on offer. Pure Python + bound-parameter SQL; no streamlit.
"""
from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from metrics.core.access import Viewer
from metrics.core.periods import Period, month, quarter, year
from metrics.core.registry import DEFAULT_PARAMS
from metrics.core.sqlfiles import read_sql

PERIOD_KINDS = ("month", "quarter", "year", "custom")
# The one place a page that does not score with a scheme gets its scheme parameter: 满意率 counts a
# 基本满意 answer with the registry's default credit. Pages that score with a scheme pass its own.
PAGE_CREDIT: float = DEFAULT_PARAMS["basic_credit"]

def unit_catalog(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> pd.DataFrame:
    """Every unit the viewer may see: unit_id, name, name_en, level, parent_id, population, staff."""
    return con.execute(read_sql("unit_catalog"), viewer.scope_params()).df()


def path_to(catalog: pd.DataFrame, unit_id: str | None) -> list[str]:
    """unit ids from the top territorial level below the city down to ``unit_id`` (inclusive)."""
    parents = dict(zip(catalog["unit_id"], catalog["parent_id"]))
    levels = dict(zip(catalog["unit_id"], catalog["level"]))
    chain: list[str] = []
    current = unit_id
    while current is not None and current in parents and levels.get(current) != "city" and len(chain) < 10:
        chain.append(current)
        current = parents[current]
    return chain[::-1]


def data_range(con: duckdb.DuckDBPyConnection) -> tuple[dt.datetime, dt.datetime] | None:
    """(first, last) received_at in the store, or None when it holds no requests."""
    first, last = con.execute("SELECT min(received_at), max(received_at) FROM requests").fetchone()
    return None if first is None else (first, last)


def filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Distinct categories, channels and sources, most frequent first."""
    out = {}
    for key, column in (("categories", "category"), ("channels", "channel"), ("sources", "source")):
        rows = con.execute(
            f"SELECT {column} FROM requests WHERE {column} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1"
        ).fetchall()
        out[key] = [r[0] for r in rows]
    return out


def periods_between(first: dt.date, last: dt.date, kind: str) -> list[Period]:
    """The calendar periods of ``kind`` that overlap [first, last], newest first."""
    if kind == "year":
        return [year(y) for y in range(last.year, first.year - 1, -1)]
    out: list[Period] = []
    y, m = last.year, last.month
    while (y, m) >= (first.year, first.month):
        if kind == "month":
            out.append(month(y, m))
        elif m in (3, 6, 9, 12) or (y, m) == (last.year, last.month):
            q = quarter(y, (m - 1) // 3 + 1)
            if not out or out[-1] != q:
                out.append(q)
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out


def default_period(first: dt.datetime, last: dt.datetime) -> Period:
    """The latest calendar month fully inside the data, else the latest month with any data."""
    this = month(last.year, last.month)
    if last.date() >= this.last_day or this.start <= first.date():
        return this
    before = this.start - dt.timedelta(days=1)
    return month(before.year, before.month)


def empty_city(con: duckdb.DuckDBPyConnection, lang: str) -> str | None:
    """The city's name (English where it has one and ``lang`` is en) when the store holds no requests
    yet (pages then welcome the user), else None."""
    if con.execute("SELECT 1 FROM requests LIMIT 1").fetchone():
        return None
    [name] = con.execute("SELECT min(CASE WHEN $en THEN coalesce(name_en, name) ELSE name END) "
                         "FROM units WHERE level = 'city'", {"en": lang == "en"}).fetchone()
    return name or ""
