"""Additive roll-up tables, kept current by every writer (store.after_write), read by the query layer.

The roll-ups are a small catalogue (:data:`metrics.store.rollup_catalog.CATALOG`) of tables of one shape: the columns
``unit_id, dept_id, category, channel, source, urgency, day`` and every count column the additive
metrics are built from (``<metric>__t<i>``, ``<metric>__d``, see :mod:`metrics.core.registry`).
They differ in grain:

- ``unit``: the request's own unit, or its ancestor at a level (``street``): a request placed
  below the street counts for its street, one placed above it (a district, the city) keeps its unit;
- ``time``: ``day``, or ``month`` (``day`` is then the month's first day);
- ``dims``: which of dept_id, category, channel, source, urgency are kept; the others are NULL.

Summing any table over the rows a query selects gives exactly the counts the detail query
would, as long as the table keeps everything the query groups or filters by
(:meth:`~metrics.store.rollup_catalog.RollupTable.answers`), so rates from it are identical, not approximate. The finest table
(``rollup_daily``) answers every count query; the coarse ones are 20–200× smaller than the
requests at city scale and answer the common ones (a month, a street and above, no filter or one).
``rollup_hist``: the finest keys × ``which`` ('response' / 'close') × histogram bin of the duration
in hours (fixed log-spaced edges, ``registry.HOUR_BIN_EDGES``), for binned percentiles.

A write that changed only requests refreshes only the days it touched (:func:`mark_touched`,
:func:`refresh_touched`); any other write rebuilds everything (:func:`refresh_rollups`).
"""
from __future__ import annotations

import duckdb

from metrics.core import sqldialect as sd
from metrics.core.conditions import stock_events
from metrics.core.registry import BY_ID, METRICS, hour_bin_sql
from metrics.core.sqlfiles import read_sql
from metrics.store.rollup_catalog import CATALOG, DIMS, FINEST, MIN_COMPRESSION, RollupTable

KEYS = ("unit_id", *DIMS)
# which histogram -> the per-row hours expression (NULL where it does not apply), from the registry
HISTOGRAMS: dict[str, str] = {
    "response": BY_ID["response_hours_p50"].duration,
    "close": BY_ID["close_hours_p50"].duration,
}



FULL_REBUILD_SHARE = 0.5    # a write touching more than this share of the stored days rebuilds everything
ROWS_KEY = "rollup_rows:"      # gridscore_meta key prefix: rows of each table when last refreshed
STAMP_KEY = "rollup_requests"  # gridscore_meta: count(*) of requests the roll-ups were built from


def rollup_count_columns() -> list[tuple[str, str]]:
    """Every (column, per-row condition) of the additive metrics stored in the roll-up tables."""
    cols: dict[str, str] = {}
    for m in METRICS:
        if m.additive:
            cols.update(m.count_columns())
    return list(cols.items())


def event_columns() -> list[tuple[str, str, str]]:
    """Every stored count as (column, per-row condition, the moment whose day the row is counted on).

    Additive metrics count on the day received; a stock (backlog, overdue) counts an open event on
    the day it starts counting and a close event on the day it closes (``<id>__open`` / ``<id>__close``,
    :func:`metrics.core.conditions.stock_events`).
    """
    cols = [(col, cond, "r.received_at") for col, cond in rollup_count_columns()]
    for m in METRICS:
        if m.kind == "stock":
            opened, closed = stock_events(m.opens)
            cols += [(f"{m.id}__open", opened, m.opens), (f"{m.id}__close", closed, "r.closed_at")]
    return cols


def _day_filter(days: str | None, column: str, moment: str | None = None) -> str:
    """``column`` (a date) is one of ``days``; a range test on ``moment`` first lets zone maps skip row groups."""
    if days is None:
        return "TRUE"
    where = f"{column} IN (SELECT day FROM {days})"
    if moment:
        where = (f"{moment} >= (SELECT min(day) FROM {days}) AND {moment} < (SELECT max(day) FROM {days}) + 1"
                 f" AND {where}")
    return where


def finest_select(days: str | None = None) -> str:
    """The SELECT of rollup_daily from ``requests r`` (of ``days`` only, when given); portable SQL."""
    keys = ", ".join(f"r.{k}" for k in KEYS)
    columns = event_columns()
    events = []
    for moment in dict.fromkeys(m for _, _, m in columns):   # one pass per kind of day, flows first
        day = sd.to_date(f"({moment})")
        counts = ", ".join(f"CASE WHEN {cond} THEN 1 ELSE 0 END AS {col}" if m == moment else f"0 AS {col}"
                           for col, cond, m in columns)
        events.append(f"SELECT {keys}, {day} AS day, {counts} FROM requests r\n"
                      f"WHERE ({moment}) IS NOT NULL AND {_day_filter(days, day, moment)}")
    sums = ", ".join(f"CAST(sum(r.{col}) AS BIGINT) AS {col}" for col, _, _ in columns)
    return read_sql("rollup_daily").format(keys=", ".join(KEYS), sums=sums, events="\nUNION ALL\n".join(events))


def hist_select(days: str | None = None) -> str:
    """The SELECT of rollup_hist from ``requests r`` (of ``days`` only, when given); portable SQL."""
    keys = ", ".join(f"r.{k}" for k in KEYS)
    day = sd.to_date("r.received_at")
    where = _day_filter(days, day, "r.received_at")
    parts = [
        f"SELECT {keys}, {day} AS day, '{which}' AS which, {hour_bin_sql(f'({hours})')} AS bin "
        f"FROM requests r WHERE ({hours}) IS NOT NULL AND {where}"
        for which, hours in HISTOGRAMS.items()
    ]
    return read_sql("rollup_hist").format(keys=", ".join(KEYS), rows="\nUNION ALL\n".join(parts))


def coarse_select(table: RollupTable, days: str | None = None) -> str:
    """The SELECT of a coarse table summed from ``rollup_daily`` (its rows of ``days``' months or days
    only, when given); portable SQL."""
    unit = "r.unit_id"
    join = ""
    if table.unit_level is not None:
        join = ("LEFT JOIN (SELECT a.unit_id, a.ancestor_id FROM unit_ancestors a JOIN units u"
                f" ON u.unit_id = a.ancestor_id WHERE u.level = '{table.unit_level}') up ON up.unit_id = r.unit_id")
        unit = "coalesce(up.ancestor_id, r.unit_id)"
    day = "r.day" if table.time == "day" else sd.truncate("month", "r.day")
    kept = [unit, *(f"r.{d}" for d in table.dims), day]
    cols = [f"{unit} AS unit_id", *(f"r.{d} AS {d}" if d in table.dims else f"CAST(NULL AS TEXT) AS {d}" for d in DIMS),
            f"{day} AS day", *(f"CAST(sum(r.{c}) AS BIGINT) AS {c}" for c, _, _ in event_columns())]
    where = "TRUE"
    if days is not None:
        where = _day_filter(days, "r.day") if table.time == "day" else (
            f"{day} IN (SELECT DISTINCT {sd.truncate('month', 'day')} FROM {days})")
    return (f"SELECT {', '.join(cols)}\nFROM rollup_daily r {join}\nWHERE {where}\n"
            f"GROUP BY {', '.join(kept)}")


def table_columns() -> dict[str, list[str]]:
    """Every roll-up table's columns in stored order (what a roll-up built elsewhere must hold)."""
    counts = [c for c, _, _ in event_columns()]
    tables = {t.name: [*KEYS, "day", *counts] for t in CATALOG}
    tables["rollup_hist"] = [*KEYS, "day", "which", "bin", "n"]
    return tables


def _write(con: duckdb.DuckDBPyConnection, name: str, select: str, days: str | None) -> None:
    """A full build (CREATE OR REPLACE, stored in day order so a period reads only its row groups) or
    the touched days appended."""
    head = f"CREATE OR REPLACE TABLE {name} AS" if days is None else f"INSERT INTO {name}"
    con.execute(f"{head}\n{select}\nORDER BY day")


def _build_finest(con: duckdb.DuckDBPyConnection, days: str | None) -> None:
    """rollup_daily and rollup_hist from requests (of ``days`` only, appended, when given)."""
    _write(con, "rollup_daily", finest_select(days), days)
    _write(con, "rollup_hist", hist_select(days), days)


def _build_coarse(con: duckdb.DuckDBPyConnection, table: RollupTable, days: str | None) -> None:
    _write(con, table.name, coarse_select(table, days), days)


def stamp(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"INSERT OR REPLACE INTO gridscore_meta SELECT '{STAMP_KEY}', CAST(count(*) AS TEXT) FROM requests")
    for table in CATALOG:
        con.execute(f"INSERT OR REPLACE INTO gridscore_meta SELECT $k, CAST(count(*) AS TEXT) FROM {table.name}",
                    {"k": ROWS_KEY + table.name})


def refresh_rollups(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every roll-up table from requests (a few seconds for 1M requests)."""
    _build_finest(con, None)
    for table in CATALOG[1:]:
        _build_coarse(con, table, None)
    stamp(con)
    con.execute("DROP TABLE IF EXISTS _touched_days")


def mark_touched(con: duckdb.DuckDBPyConnection, rows_from: str, params: dict | None = None) -> None:
    """Record the days a write is about to change (old rows) or has changed (new rows).

    ``rows_from`` is a FROM clause (with its WHERE) of the request rows as ``r``, e.g.
    ``"FROM requests r WHERE r.import_id = $id"``: every day any of their counts falls on (received,
    and a stock's open and close days) is recorded. Call it for the stored rows before an UPDATE or
    DELETE and for the new rows after; ``after_write(con, incremental=True)`` then refreshes those days.
    """
    moments = ", ".join(dict.fromkeys(sd.to_date(f"({m})") for _, _, m in event_columns()))
    con.execute("CREATE TEMP TABLE IF NOT EXISTS _touched_days (day DATE)")
    con.execute(f"INSERT INTO _touched_days SELECT DISTINCT t.day FROM (SELECT unnest([{moments}]) AS day {rows_from}) t"
                " WHERE t.day IS NOT NULL", params or {})


def _tables_present(con: duckdb.DuckDBPyConnection) -> bool:
    names = [t.name for t in CATALOG] + ["rollup_hist"]
    found = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name IN "
                        f"({', '.join(repr(n) for n in names)})").fetchone()[0]
    return found == len(names)


def refresh_touched(con: duckdb.DuckDBPyConnection) -> None:
    """Refresh the roll-up rows of the days recorded by :func:`mark_touched` (and of their months in
    the month tables); nothing when none were recorded; everything when the tables are missing."""
    has_marks = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = '_touched_days' AND temporary").fetchone()[0]
    if not _tables_present(con):
        refresh_rollups(con)
        return
    if not has_marks:
        return
    con.execute("CREATE OR REPLACE TEMP TABLE _touched AS SELECT DISTINCT day FROM _touched_days")
    touched, stored = con.execute(
        "SELECT (SELECT count(*) FROM _touched), (SELECT count(DISTINCT day) FROM rollup_street_day)").fetchone()
    if touched > FULL_REBUILD_SHARE * stored:   # most days changed: one rebuild is cheaper than deleting most rows
        con.execute("DROP TABLE _touched")
        refresh_rollups(con)
        return
    months = f"(SELECT DISTINCT {sd.truncate('month', 'day')} FROM _touched)"
    for table in CATALOG[1:]:   # a month table's day is its month's first day
        src = "_touched" if table.time == "day" else months
        con.execute(f"DELETE FROM {table.name} WHERE day IN (SELECT * FROM {src})")
    for name in ("rollup_daily", "rollup_hist"):
        con.execute(f"DELETE FROM {name} WHERE day IN (SELECT day FROM _touched)")
    _build_finest(con, "_touched")
    for table in CATALOG[1:]:
        _build_coarse(con, table, "_touched")
    stamp(con)
    con.execute("DROP TABLE _touched")
    con.execute("DROP TABLE _touched_days")


def rollup_sizes(con: duckdb.DuckDBPyConnection) -> tuple[int, dict[str, int]] | None:
    """(requests, {table: rows}) when every roll-up table exists and is current, else None.

    Current: built from the current requests (same row count, one read of it).
    """
    if not _tables_present(con):
        return None
    rows = dict(con.execute(
        "SELECT key, value FROM gridscore_meta WHERE key = $s OR starts_with(key, $p)",
        {"s": STAMP_KEY, "p": ROWS_KEY}).fetchall())
    total = con.execute("SELECT count(*) FROM requests").fetchone()[0]
    if rows.get(STAMP_KEY) != str(total):
        return None
    try:
        return total, {t.name: int(rows[ROWS_KEY + t.name]) for t in CATALOG}
    except KeyError:
        return None


def rollup_state(con: duckdb.DuckDBPyConnection) -> tuple[bool, bool]:
    """(ready, preferred) of the finest roll-up: current, and at least ``MIN_COMPRESSION`` times smaller."""
    sizes = rollup_sizes(con)
    if sizes is None:
        return False, False
    total, rows = sizes
    return True, rows[FINEST.name] * MIN_COMPRESSION <= total


def rollup_ready(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the roll-ups exist and were built from the current requests (same row count)."""
    return rollup_sizes(con) is not None
