"""Benchmark the end-to-end ``scores`` path: all streets, one month, beijing-3rates.

For each store size it builds (or reuses) a demo store, then runs in separate processes, so each
has its own peak RSS:
  engine  unit_table + score_units (what assess() runs), from the roll-up as the CLI does and from the
          raw request rows (source="detail"), first and warm (median of 3) calls;
  cli     ``python -m metrics scores --format csv`` wall time (process start included);
  pandas  the same scores in plain pandas: load the request columns from the store, then filter the
          month, find each request's street, three rates, score, rank (load and compute timed apart).
The engine's and pandas' scores and ranks are compared; a mismatch fails the run.

  .venv/bin/python bench/bench_assessment.py --requests 1000000 10000000
Results: printed, and written to bench/results/assessment.json (git-ignored).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
MONTH = "2026-08"
DEMO_END = dt.date(2026, 9, 1)
SCHEME = "beijing-3rates"


def peak_rss_mb() -> float:
    """This process's peak RSS since exec (VmHWM; ru_maxrss would carry the parent's over the fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(path: Path, n: int) -> float:
    from metrics.demo import build_demo

    t0 = time.perf_counter()
    build_demo(path, requests=n, seed=1, months=12, end=DEMO_END)
    return time.perf_counter() - t0


def worker_engine(db: Path, out: Path) -> dict:
    from metrics.core.access import DEMO_VIEWER
    from metrics.assess.engine import required_metrics, score_units, scheme_period
    from metrics.query.tables import unit_table
    from metrics.assess.schemes import load_scheme
    from metrics.store.snapshots import open_read

    scheme = load_scheme(SCHEME)
    period = scheme_period(scheme, MONTH)
    con = open_read(db)
    result = {}
    for source in ("auto", "detail"):      # auto = the roll-up when current, as the CLI runs; detail = raw rows
        times = []
        for _ in range(4):
            t0 = time.perf_counter()
            table = unit_table(con, DEMO_VIEWER, scheme.level, period, metric_ids=list(required_metrics(scheme)),
                               basic_credit=scheme.basic_credit, source=source)
            scored = score_units(table, scheme)
            times.append(time.perf_counter() - t0)
        result[source] = {"first_s": times[0], "warm_s": sorted(times[1:])[1]}
        if source == "detail":
            scored[["unit_id", "score", "rank"]].to_csv(out, index=False)
    con.close()
    return {**result, "units": len(scored)}


def worker_pandas(db: Path, out: Path) -> dict:
    import numpy as np
    import pandas as pd

    from metrics.core.periods import parse_month
    from metrics.store.snapshots import open_read

    con = open_read(db)
    t0 = time.perf_counter()
    units = con.execute("SELECT unit_id, parent_id, level FROM units").df()
    req = con.execute("SELECT unit_id, received_at, assessable, visited, contacted, resolved, satisfaction "
                      "FROM requests").df()
    con.close()
    t_load = time.perf_counter() - t0

    t0 = time.perf_counter()
    period = parse_month(MONTH)
    parent = dict(zip(units["unit_id"], units["parent_id"]))
    level = dict(zip(units["unit_id"], units["level"]))
    street_of = {}
    for unit in units["unit_id"]:
        up = unit
        while up is not None and level.get(up) != "street":
            up = parent.get(up)
        street_of[unit] = up
    when = req["received_at"]
    req = req[(when >= pd.Timestamp(period.start)) & (when < pd.Timestamp(period.end))]
    street = req["unit_id"].map(street_of)
    visited = (req["assessable"].fillna(False) & req["visited"].fillna(False)).astype(bool)
    frame = pd.DataFrame({
        "unit_id": street, "requests": 1, "visited": visited.astype(int),
        "c": (visited & req["contacted"].fillna(False).astype(bool)).astype(int),
        "r": (visited & req["resolved"].fillna(False).astype(bool)).astype(int),
        "s": np.where(visited, req["satisfaction"].map({"satisfied": 1.0, "basic": 0.9}).fillna(0.0), 0.0),
    })
    g = frame.groupby("unit_id").sum()
    streets = units.loc[units["level"] == "street", ["unit_id"]].set_index("unit_id")
    g = streets.join(g).fillna(0)
    den = g["visited"].where(g["visited"] > 0)
    score = 100 * (0.10 * g["c"] / den + 0.50 * g["r"] / den + 0.40 * g["s"] / den)
    ok = (g["visited"] >= 30) & score.notna()
    ranked = pd.DataFrame({"score": score.round(9), "requests": g["requests"]})[ok].reset_index()
    ranked = ranked.sort_values(["score", "requests", "unit_id"], ascending=[False, False, True])
    ranked["rank"] = np.arange(1, len(ranked) + 1)
    result = pd.DataFrame({"score": score}).join(ranked.set_index("unit_id")[["rank"]]).reset_index()
    t_compute = time.perf_counter() - t0
    result.to_csv(out, index=False)
    return {"load_s": t_load, "compute_s": t_compute, "total_s": t_load + t_compute, "units": len(result)}


def worker_cli(db: Path, out: Path) -> dict:
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "metrics", "scores", "--db", str(db), "--period", MONTH,
                           "--scheme", SCHEME, "--format", "csv"], capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    if done.returncode:
        raise SystemExit(done.stderr)
    out.write_text(done.stdout, encoding="utf-8")
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"wall_s": wall, "child_peak_rss_mb": child}


WORKERS = {"engine": worker_engine, "pandas": worker_pandas, "cli": worker_cli}


def run_worker(kind: str, db: Path) -> dict:
    out = RESULTS / f"assess-{kind}-{db.stem}.csv"
    cmd = [sys.executable, __file__, "--worker", kind, "--db", str(db), "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"{kind} worker failed:\n{done.stderr}")
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "out": str(out)}


def compare(engine_csv: str, pandas_csv: str) -> float:
    """Largest score difference; raises if the ranks differ."""
    import pandas as pd

    a = pd.read_csv(engine_csv).set_index("unit_id").sort_index()
    b = pd.read_csv(pandas_csv).set_index("unit_id").sort_index()
    assert list(a.index) == list(b.index), "different units"
    assert a["rank"].fillna(-1).tolist() == b["rank"].fillna(-1).tolist(), "ranks differ"
    return float((a["score"] - b["score"]).abs().max())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--dir", type=Path, default=RESULTS, help="where the bench stores are kept")
    parser.add_argument("--worker", choices=tuple(WORKERS))
    parser.add_argument("--db", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.worker:
        result = WORKERS[args.worker](args.db, args.out)
        print(json.dumps({**result, "peak_rss_mb": peak_rss_mb()}))
        return 0

    RESULTS.mkdir(parents=True, exist_ok=True)
    args.dir.mkdir(parents=True, exist_ok=True)
    report = []
    for n in args.requests:
        db = args.dir / f"assess-bench-{n}.duckdb"
        built = None if db.exists() else build(db, n)
        row = {"requests": n, "build_s": built, **{k: run_worker(k, db) for k in ("engine", "pandas", "cli")}}
        row["max_score_diff"] = compare(row["engine"]["out"], row["pandas"]["out"])
        row["pandas_over_engine_detail"] = row["pandas"]["compute_s"] / row["engine"]["detail"]["warm_s"]
        report.append(row)
        e, p, c = row["engine"], row["pandas"], row["cli"]
        print(f"{n:>11,} requests, {e['units']} streets, month {MONTH}"
              + (f" (store built in {built:.1f} s)" if built else ""))
        for source, what in (("auto", "roll-up"), ("detail", "raw rows")):
            t = e[source]
            print(f"  engine ({what:>8}): first {t['first_s']:.3f} s, warm {t['warm_s']:.3f} s")
        print(f"  engine peak RSS {e['peak_rss_mb']:.0f} MB")
        print(f"  cli scores:      wall {c['wall_s']:.2f} s, peak RSS {c['child_peak_rss_mb']:.0f} MB")
        print(f"  pandas:          load {p['load_s']:.2f} s + compute {p['compute_s']:.3f} s = {p['total_s']:.2f} s, "
              f"peak RSS {p['peak_rss_mb']:.0f} MB")
        print(f"  pandas compute / engine on raw rows (warm): {row['pandas_over_engine_detail']:.1f}x; "
              f"max |score diff| {row['max_score_diff']:.2e}")
    (RESULTS / "assessment.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
