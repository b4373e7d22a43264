"""Benchmark: unit_table for every street for one month, DuckDB (detail / roll-up) vs pandas.

    .venv/bin/python bench/bench_scores_queries.py --sizes 1000000 10000000 [--dir /tmp/gridscore-bench]

The 1M store is built by the demo generator; larger ones replicate its requests with shifted
ids in SQL (same dates, so a month holds proportionally more). Every method runs in its own
process (spawned), so its peak RSS is its own; times are medians of ``--repeat`` runs after a
warm-up. The pandas implementation computes the same table from an in-memory DataFrame of the
requests (the load from DuckDB is timed separately) and is checked against the SQL result.
"""
from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PERIOD = "2026-09"
COLUMNS = ("request_id", "received_at", "unit_id", "source", "assessable", "visited", "contacted", "resolved",
           "satisfaction", "respond_by", "resolve_by", "first_contact_at", "closed_at", "status", "is_repeat",
           "returned_count")


def build_store(directory: Path, size: int) -> Path:
    """The store with ``size`` requests (built once, then reused)."""
    from metrics.store import snapshots as store
    from metrics.demo import build_demo

    path = directory / f"requests-{size}.duckdb"
    if path.exists():
        return path
    base = directory / "requests-1000000.duckdb"
    started = time.perf_counter()
    if size <= 1_000_000:
        build_demo(path, requests=size, seed=7, months=24, end=dt.date(2026, 10, 1))
        print(f"built {path.name} with the demo generator in {time.perf_counter() - started:.1f} s", flush=True)
        return path
    build_store(directory, 1_000_000)
    shutil.copyfile(base, path)
    copies = size // 1_000_000
    with store.write_snapshot(path, label="replicate") as con:
        con.execute(
            "INSERT INTO requests SELECT r.* REPLACE (r.request_id || '-' || CAST(t.k AS VARCHAR) AS request_id) "
            "FROM requests r, range(1, $copies) t(k)", {"copies": copies})
        t_rollup = time.perf_counter()
        store.after_write(con)
        print(f"after_write (closure + roll-ups) at {size:,}: {time.perf_counter() - t_rollup:.1f} s", flush=True)
    print(f"built {path.name} by replication in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def pandas_street_table(req, units, start, end, credit=0.9):
    """The street table in vectorised pandas (the same definitions as the registry)."""
    import numpy as np
    import pandas as pd

    parent = dict(zip(units.unit_id, units.parent_id))
    level = dict(zip(units.unit_id, units.level))

    def street_of(uid):
        for _ in range(6):
            if uid is None or level.get(uid) == "street":
                return uid
            uid = parent.get(uid)
        return None

    street = req["unit_id"].map({u: street_of(u) for u in units.unit_id})
    b = lambda s: s.astype("boolean").fillna(False).astype(bool)   # noqa: E731
    a = b(req["assessable"])
    visited = a & b(req["visited"])
    closed = a & (req["closed_at"].notna() | (req["status"] == "closed"))
    period = (req["received_at"] >= start) & (req["received_at"] < end)
    frame = pd.DataFrame({
        "street": street, "period": period, "requests": period,
        "proactive_share_num": a & (req["source"] == "proactive"), "proactive_share_den": a,
        "response_rate_num": visited & b(req["contacted"]), "response_rate_den": visited,
        "on_time_response_rate_num": a & (req["first_contact_at"] <= req["respond_by"]),
        "on_time_response_rate_den": a & req["respond_by"].notna(),
        "resolution_rate_num": visited & b(req["resolved"]), "resolution_rate_den": visited,
        "satisfaction_rate_num": np.where(visited & (req["satisfaction"] == "satisfied"), 1.0,
                                          np.where(visited & (req["satisfaction"] == "basic"), credit, 0.0)),
        "satisfaction_rate_den": visited,
        "on_time_close_rate_num": a & (req["closed_at"] <= req["resolve_by"]),
        "on_time_close_rate_den": a & req["resolve_by"].notna(),
        "repeat_rate_num": a & b(req["is_repeat"]), "repeat_rate_den": a,
        "return_rate_num": a & (req["returned_count"].fillna(0) > 0), "return_rate_den": a,
        "visit_coverage_num": closed & b(req["visited"]), "visit_coverage_den": closed,
        "response_hours": np.where(a & req["first_contact_at"].notna(),
                                   (req["first_contact_at"] - req["received_at"]).dt.total_seconds() / 3600, np.nan),
        "close_hours": np.where(a & req["closed_at"].notna(),
                                (req["closed_at"] - req["received_at"]).dt.total_seconds() / 3600, np.nan),
    })
    still_open = a & (req["received_at"] < end) & (
        (req["closed_at"] >= end) | (req["closed_at"].isna() & (req["status"].fillna("open") != "closed")))
    stock = pd.DataFrame({"street": street, "backlog": still_open,
                          "overdue": still_open & (req["resolve_by"] < end)}).groupby("street").sum()
    flow = frame[frame["period"]].drop(columns="period")
    grouped = flow.groupby("street")
    sums = grouped.sum(numeric_only=True).drop(columns=["response_hours", "close_hours"])
    q = grouped[["response_hours", "close_hours"]].quantile([0.5, 0.9]).unstack()
    out = units[units.level == "street"].set_index("unit_id")[["population", "staff"]]
    out = out.join(sums).join(stock).fillna({c: 0 for c in [*sums.columns, "backlog", "overdue"]})
    for metric in ("proactive_share", "response_rate", "on_time_response_rate", "resolution_rate",
                   "satisfaction_rate", "on_time_close_rate", "repeat_rate", "return_rate", "visit_coverage"):
        out[metric] = out[f"{metric}_num"] / out[f"{metric}_den"].replace(0, np.nan)
    for which, name in (("response_hours", "response_hours"), ("close_hours", "close_hours")):
        out[f"{name}_p50"], out[f"{name}_p90"] = q[(which, 0.5)], q[(which, 0.9)]
    out["requests_per_10k"] = out["requests"] * 10000 / out["population"].replace(0, np.nan)
    out["staff_per_10k"] = out["staff"] * 10000 / out["population"].replace(0, np.nan)
    return out.sort_index()


def _peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM: reset by exec, unlike ru_maxrss)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(method: str, path: str, repeat: int, queue) -> None:
    import duckdb

    from metrics.core.access import DEMO_VIEWER
    from metrics.core.periods import parse_period
    from metrics.query.tables import unit_table

    base_rss = _peak_rss_mb()
    con = duckdb.connect(path, read_only=True)
    period = parse_period(PERIOD)
    extra: dict[str, float] = {}
    if method == "pandas":
        t = time.perf_counter()
        req = con.execute(f"SELECT {', '.join(COLUMNS)} FROM requests").df()
        units = con.execute("SELECT * FROM units").df()
        extra["load_s"] = time.perf_counter() - t
        start, end = (period.params()[k] for k in ("start", "end"))
        run = lambda: pandas_street_table(req, units, start, end)   # noqa: E731
    else:
        run = lambda: unit_table(con, DEMO_VIEWER, "street", period, basic_credit=0.9, source=method)   # noqa: E731
    result = run()   # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - t)
    table = result if method == "pandas" else result.set_index("unit_id")
    queue.put({"method": method, "median_s": statistics.median(times), "runs": times, **extra,
               "peak_rss_mb": _peak_rss_mb(), "base_rss_mb": base_rss,
               "table": table})


def measure(method: str, path: Path, repeat: int) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(method, str(path), repeat, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def compare(sql_table, pandas_table) -> int:
    """How many (street, column) cells differ between the SQL and the pandas table."""
    import math
    bad = 0
    for column in [c for c in pandas_table.columns if c in sql_table.columns and c not in ("population", "staff")]:
        for unit in sql_table.index:
            a, b = sql_table.at[unit, column], pandas_table.at[unit, column]
            if a is None or b is None or a != a or b != b:
                bad += not ((a is None or a != a) and (b is None or b != b))
            elif not math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9):
                bad += 1
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/gridscore-bench"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    for size in args.sizes:
        path = build_store(args.dir, size)
        results = {m: measure(m, path, args.repeat) for m in ("detail", "rollup", "pandas")}
        mismatches = compare(results["detail"]["table"], results["pandas"]["table"])
        exact = results["rollup"]["table"].equals(results["detail"]["table"])
        print(f"\n{size:,} requests, unit_table(level='street', period={PERIOD}), all 18 metrics, "
              f"{len(results['detail']['table'])} streets, median of {args.repeat}:")
        for m, r in results.items():
            load = f", load {r['load_s']:.2f} s" if "load_s" in r else ""
            print(f"  {m:<7} {r['median_s']:7.3f} s   peak RSS {r['peak_rss_mb']:7.0f} MB "
                  f"(after imports {r['base_rss_mb']:.0f} MB){load}")
        for m in ("detail", "rollup"):
            print(f"  pandas / {m}: {results['pandas']['median_s'] / results[m]['median_s']:.1f}x")
        print(f"  rollup == detail exactly: {exact}; SQL vs pandas cells differing: {mismatches}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
