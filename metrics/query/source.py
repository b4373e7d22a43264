"""Which table a count query reads: the smallest roll-up that answers it exactly, or the detail rows.

A query needs units down to the level it groups by, the viewer's scope unit and the filter unit;
the request columns it filters or groups by; and, for the month tables, periods (and buckets) of
whole months. :func:`metrics.store.rollup.pick_table` then takes the smallest current table that
keeps all of it. ``source``: "auto" (a roll-up only where it pays), "detail", "rollup" (the
smallest that answers, even where it does not pay) or a roll-up table's name (tests and benches).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import duckdb

from metrics.core.access import Viewer
from metrics.core.filters import Filters
from metrics.core.levels import TERRITORIAL
from metrics.core.periods import Period
from metrics.store.rollup import rollup_sizes
from metrics.store.rollup_catalog import BY_NAME, pick_table

Source = Literal["auto", "detail", "rollup"] | str
MONTH_GRAINS = (None, "month", "quarter", "year")
_FILTER_DIMS = {"categories": "category", "channels": "channel", "sources": "source", "urgencies": "urgency"}


class RollupMissing(RuntimeError):
    """A query asked for a roll-up that is missing, stale or cannot answer it."""


def _whole_months(periods: Iterable[Period]) -> bool:
    return all(p.start.day == 1 and p.end.day == 1 for p in periods)


def _needs(con: duckdb.DuckDBPyConnection, viewer: Viewer, filters: Filters, level: str | None,
           by: Iterable[str]) -> tuple[str | None, frozenset[str]]:
    """(finest territorial level the query needs, request columns it filters or groups by)."""
    dims = {col for name, col in _FILTER_DIMS.items() if getattr(filters, name)} | set(by)
    levels = [level] if level in TERRITORIAL else []
    if level == "department":
        dims.add("dept_id")
    units = [u for u in (viewer.scope_unit_id, filters.unit_id) if u is not None]
    if units:
        found = dict(con.execute("SELECT unit_id, level FROM units WHERE list_contains($ids, unit_id)",
                                 {"ids": units}).fetchall())
        for unit in units:
            unit_level = found.get(unit)
            if unit_level in TERRITORIAL:
                levels.append(unit_level)
            else:   # a department (matched by dept_id) or an id no unit has: keep everything
                dims.add("dept_id")
                levels.append(TERRITORIAL[-1])
    finest = max(levels, key=TERRITORIAL.index) if levels else None
    return finest, frozenset(dims)


def count_source(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, filters: Filters, periods: Iterable[Period], *,
    source: Source = "auto", level: str | None = None, by: Iterable[str] = (), grain: str | None = None,
) -> str | None:
    """The roll-up table to sum counts from, or None for the detail rows (see the module doc)."""
    if source == "detail":
        return None
    sizes = rollup_sizes(con)
    if sizes is None:
        if source == "auto":
            return None
        raise RollupMissing("roll-up tables are missing or stale: run metrics.store.rollup.refresh_rollups")
    unit_level, dims = _needs(con, viewer, filters, level, by)
    month_ok = grain in MONTH_GRAINS and _whole_months(periods)
    if source in BY_NAME:
        table = BY_NAME[source]
        if not table.answers(unit_level=unit_level, month_ok=month_ok, dims=dims):
            raise RollupMissing(f"{source} cannot answer this query exactly")
        return table.name
    if source not in ("auto", "rollup"):
        raise ValueError(f"source {source!r} is not auto, detail, rollup or a roll-up table")
    table = pick_table(sizes, unit_level=unit_level, month_ok=month_ok, dims=dims, forced=source == "rollup")
    return None if table is None else table.name
