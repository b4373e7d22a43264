"""The roll-up job: the store's roll-up tables and one month's unit tables, built from a lake.

The SQL is the store's and the query layer's own (``metrics.store.rollup`` SELECTs, the registry
through ``metrics.query.build``): there is no second copy of any formula. An engine runs it:
DuckDB (:class:`metrics.scale.engines.DuckEngine`) as written, Spark
(:class:`metrics.scale.engines.SparkEngine`) after :func:`metrics.scale.dialect.to_spark`.

Output folder::

    OUT/rollups.json                  manifest: engine, lake, requests, units fingerprint, rows, seconds
    OUT/<roll-up table>/*.parquet     rollup_daily, rollup_hist and the coarse tables
    OUT/unit_month/*.parquet          every registry metric for every unit of every level, one month
"""
from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from metrics.core.access import DEMO_VIEWER
from metrics.core.filters import Filters
from metrics.core.levels import LEVELS
from metrics.core.periods import Period, parse_month
from metrics.core.registry import DEFAULT_PARAMS, METRICS
from metrics.query.build import build_aggregate_sql, level_grouping
from metrics.query.tables import base_params
from metrics.store.lake import ROLLUPS_FORMAT, ROLLUPS_MANIFEST, ROLLUPS_VERSION, UNIT_MONTH, read_manifest, staged
from metrics.store.rollup import coarse_select, finest_select, hist_select
from metrics.store.rollup_catalog import CATALOG



class Engine(Protocol):
    name: str

    def register(self, name: str, files: str) -> None:
        """Make the Parquet ``files`` (a glob; hive partitions read as columns) queryable as ``name``."""

    def write(self, sql: str, params: dict[str, object], folder: Path) -> int:
        """Run the DuckDB ``sql`` with ``params`` and write its rows as Parquet into ``folder``; rows written."""


@dataclass(frozen=True)
class Step:
    table: str
    sql: str
    params: dict[str, object]
    after: str | None = None     # a table this one reads (registered from its Parquet before it runs)


def rollup_steps() -> list[Step]:
    """The roll-up tables, finest first (the coarse ones sum rollup_daily)."""
    steps = [Step("rollup_daily", finest_select(), {}), Step("rollup_hist", hist_select(), {})]
    steps += [Step(t.name, coarse_select(t), {}, after="rollup_daily") for t in CATALOG[1:]]
    return steps


def unit_month_sql(level: str) -> str:
    """Every registry metric per unit of ``level`` over the detail rows (the query layer's own SQL)."""
    return build_aggregate_sql(METRICS, level_grouping(level), Filters(), rollup=None)


def unit_month_steps(month: Period) -> list[Step]:
    """One step per level, each writing its units' rows into ``unit_month`` (column ``level`` tells them apart)."""
    params = {**base_params(DEMO_VIEWER, month, Filters()), "basic_credit": DEFAULT_PARAMS["basic_credit"]}
    return [Step(f"{UNIT_MONTH}/level={level}", unit_month_sql(level), {**params, "level": level})
            for level in LEVELS]


def latest_month(lake_manifest: dict) -> Period:
    months = lake_manifest.get("months") or []
    if not months:
        raise ValueError("the lake holds no requests: there is no month to build unit tables for")
    return parse_month(months[-1])


def run_job(engine: Engine, lake: Path, out: Path, *, month: str | None = None,
            log=lambda line: None) -> dict:
    """Build every roll-up table and one month's unit tables from ``lake`` into ``out`` (new or empty).

    Written beside ``out`` and renamed into place at the end: a failed job leaves no output.
    Returns the manifest written to ``out/rollups.json``.
    """
    lake = Path(lake).resolve()
    lake_manifest = read_manifest(lake)
    period = parse_month(month) if month else latest_month(lake_manifest)
    with staged(Path(out), "the roll-ups") as tmp:
        started = time.perf_counter()
        engine.register("requests", str(lake / "requests" / "*" / "*.parquet"))
        for table in ("units", "unit_ancestors"):
            engine.register(table, str(lake / f"{table}.parquet"))
        rows: dict[str, int] = {}
        seconds: dict[str, float] = {}
        for step in rollup_steps() + unit_month_steps(period):
            if step.after:
                engine.register(step.after, str(tmp / step.after / "*.parquet"))
            t0 = time.perf_counter()
            n = engine.write(step.sql, step.params, tmp / step.table)
            rows[step.table] = rows.get(step.table, 0) + n
            seconds[step.table] = round(time.perf_counter() - t0, 3)
            log(f"{step.table}: {n:,} rows in {seconds[step.table]:.1f} s")
        manifest = {
            "format": ROLLUPS_FORMAT, "version": ROLLUPS_VERSION, "engine": engine.name, "lake": str(lake),
            "requests": lake_manifest["requests"], "units_fingerprint": lake_manifest["units_fingerprint"],
            "month": f"{period.start:%Y-%m}", "rows": rows, "seconds": seconds,
            "total_seconds": round(time.perf_counter() - started, 3),
            "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        }
        (tmp / ROLLUPS_MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest
