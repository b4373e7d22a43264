"""One month's street scores: the engine (metrics.assess) against the pandas and polars references.

The references read a Parquet export of the store's requests and units (written once per store,
beside it); the engine reads the store. Each is run once to warm up, then ``repeats`` times; the
median is reported with min and max. Their street scores are checked against the engine's: counts
exactly, rates and scores within 1e-9 (bench/ref_scores.py).
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import pandas as pd

from bench import ref_pandas, ref_polars
from bench.ref_scores import DEFAULT_SCHEME, differences, load_scheme


def export_parquet(store: Path, directory: Path) -> tuple[Path, Path]:
    """requests.parquet and units.parquet of ``store`` in ``directory`` (kept while the store is unchanged)."""
    from metrics.store.snapshots import open_read

    directory.mkdir(parents=True, exist_ok=True)
    requests, units = directory / "requests.parquet", directory / "units.parquet"
    stamp = directory / "source.txt"
    source = f"{store.resolve()} {store.stat().st_mtime_ns} {store.stat().st_size}"
    if requests.exists() and units.exists() and stamp.exists() and stamp.read_text() == source:
        return requests, units
    con = open_read(store)
    try:
        con.execute("SET enable_progress_bar = false")
        for table, path in (("requests", requests), ("units", units)):
            con.execute(f"COPY (SELECT * FROM {table}) TO '{path}' (FORMAT parquet)")
    finally:
        con.close()
    stamp.write_text(source)
    return requests, units


def timed(run, repeats: int) -> tuple[object, dict]:
    """(last result, {first_ms, median_ms, min_ms, max_ms}) over a warm-up and ``repeats`` runs."""
    t0 = time.perf_counter()
    result = run()
    first = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - t0)
    ms = [1000 * t for t in times]
    return result, {"first_ms": round(1000 * first, 1), "median_ms": round(statistics.median(ms), 1),
                    "min_ms": round(min(ms), 1), "max_ms": round(max(ms), 1), "runs": len(ms)}


def engine_scores(store: Path, scheme_name: str, month: str, repeats: int) -> tuple[pd.DataFrame, dict]:
    from metrics.assess.engine import assess
    from metrics.assess.schemes import load_scheme as engine_scheme
    from metrics.core.access import DEMO_VIEWER
    from metrics.core.periods import parse_month
    from metrics.store.snapshots import open_read

    con = open_read(store)
    try:
        scheme, period = engine_scheme(scheme_name), parse_month(month)
        table, stats = timed(lambda: assess(con, DEMO_VIEWER, scheme, period), repeats)
    finally:
        con.close()
    return table.set_index("unit_id"), stats


def compare_scores(store: Path, parquet_dir: Path, month: str, repeats: int, scheme_name: str = DEFAULT_SCHEME,
                   pandas_repeats: int | None = None) -> dict:
    """Time the engine and both references on one month and check them equal; the figures as a dict."""
    from metrics.core.periods import parse_month

    requests, units = export_parquet(store, parquet_dir)
    bounds = parse_month(month).params()
    start, end = bounds["start"], bounds["end"]
    scheme = load_scheme(scheme_name)
    engine, engine_stats = engine_scores(store, scheme_name, month, repeats)
    out: dict = {"month": month, "scheme": scheme_name, "streets": len(engine),
                 "ranked": int(engine["rank"].notna().sum()), "engine": engine_stats}
    refs = {"pandas": (ref_pandas.scores, pandas_repeats or repeats)}
    if ref_polars.available():
        refs["polars"] = (ref_polars.scores, repeats)
    else:
        out["polars"] = {"skipped": "polars is not installed (pip install -r bench/requirements.txt)"}
    for name, (scores, n) in refs.items():
        table, stats = timed(lambda scores=scores: scores(requests, units, start, end, scheme), n)
        problems = differences(engine, table)
        stats.update(equal=not problems, differences=len(problems), examples=problems[:5],
                     ratio_to_engine=round(stats["median_ms"] / engine_stats["median_ms"], 2))
        out[name] = stats
    return out
