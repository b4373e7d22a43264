"""Import throughput, as a user runs it: ``python -m metrics import --timings`` in a child process.

    .venv/bin/python bench/bench_import.py --demo DEMO.duckdb [--repeat 3] [--keep DIR]
    .venv/bin/python bench/bench_import.py [--rows 1000000 5000000] [--encoding utf-8|gb18030] [--keep DIR]

``--demo``: the demo store's requests are exported to CSV (our own column names, the gridscore
preset; units by id, coordinates too) and imported into a fresh store holding the demo's units
and boundaries but no requests, as a city's first import would be. Each repeat measures the
first import of the whole file, the same file again, and a 1,000-row file of new ids into the
now full store; medians (min-max) are printed. Without ``--demo``: generated hotline-zh CSVs of
N rows into the tiny city store (first import, then the same file again).

Reported per run: wall time of the child (the whole command: start to snapshot published),
its CPU time (user + sys) and peak RSS (from wait4, per child), rows/s over the wall time, and
the seconds per stage the importer prints (``refresh`` = the roll-ups, ``snapshot`` = copying
the store into the new snapshot, ``publish`` = checkpoint and rename). Results go to
bench/results/import-<time>.json (git-ignored). The load average is recorded too: on a shared
2-core machine, wall time depends on it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))

from metrics.store.snapshots import after_write, write_snapshot  # noqa: E402
from tests.ingest_fixtures import build_tiny_store, write_hotline_csv  # noqa: E402

SMALL_ROWS = 1_000


def run_import(db: Path, csv_path: Path, *extra: str) -> dict:
    """One import in a child process: its wall and CPU seconds, peak RSS and the summary it printed."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "metrics", "import", str(csv_path), "--db", str(db),
                                 "--quiet", "--timings", *extra], cwd=ROOT, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)   # this child's own rusage, not the maximum over all children
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read()
        if proc.returncode != 0:
            raise SystemExit(text + err.read())
    counts = dict(re.findall(r"(read|inserted|updated|unchanged|rejected) ([\d,]+)", text))
    stage_line = text.split("stages:")[1].splitlines()[0] if "stages:" in text else ""
    return {"wall_s": round(elapsed, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024), "load_avg_1min": round(load, 2),
            "counts": {k: int(v.replace(",", "")) for k, v in counts.items()},
            "stages_s": {name: float(sec) for name, sec in re.findall(r"(\w+) ([\d.]+) s", stage_line)},
            "summary": " | ".join(line.strip() for line in text.strip().splitlines()[1:3])}


def show(label: str, run: dict) -> None:
    print(f"  {label}: {run['wall_s']:.1f} s wall, {run['rows_per_s']:,} rows/s, CPU {run['cpu_s']:.1f} s, "
          f"peak RSS {run['peak_rss_mb']:,} MB (load avg {run['load_avg_1min']})", flush=True)
    print("    " + run["summary"])
    if run["stages_s"]:
        print("    stages: " + ", ".join(f"{k} {v:.2f}" for k, v in run["stages_s"].items()), flush=True)


def demo_files(demo: Path, work: Path) -> tuple[Path, Path, Path, int]:
    """(the requests CSV, a 1,000-row CSV of new ids, a store with the demo's units and no requests, rows)."""
    big, small, empty = work / "demo-requests.csv", work / "demo-small.csv", work / "demo-units.duckdb"
    con = duckdb.connect()
    con.execute(f"ATTACH '{demo}' AS d (READ_ONLY)")
    columns = "* EXCLUDE (location_status, import_id)"   # what the store derives itself
    rows = con.execute("SELECT count(*) FROM d.requests").fetchone()[0]
    if not big.exists():
        con.execute(f"COPY (SELECT {columns} FROM d.requests) TO '{big}' (HEADER)")
    if not small.exists():
        con.execute(f"COPY (SELECT {columns} REPLACE ('new-' || request_id AS request_id) FROM d.requests "
                    f"ORDER BY request_id LIMIT {SMALL_ROWS}) TO '{small}' (HEADER)")
    if not empty.exists():
        with write_snapshot(empty, fresh=True, label="bench") as out:
            out.execute(f"ATTACH '{demo}' AS d (READ_ONLY)")
            for table in ("units", "boundaries", "gridscore_meta"):
                out.execute(f"INSERT OR REPLACE INTO {table} SELECT * FROM d.{table}")
            out.execute("DETACH d")
            after_write(out)
    con.close()
    return big, small, empty, rows


def median_line(label: str, runs: list[dict]) -> str:
    rates = [r["rows_per_s"] for r in runs]
    walls = [r["wall_s"] for r in runs]
    cpus = [r["cpu_s"] for r in runs]
    loads = [r["load_avg_1min"] for r in runs]
    return (f"{label:<28} {statistics.median(rates):>10,.0f} rows/s ({min(rates):,}-{max(rates):,}); "
            f"wall {statistics.median(walls):.2f} s ({min(walls):.2f}-{max(walls):.2f}); "
            f"CPU {statistics.median(cpus):.2f} s ({min(cpus):.2f}-{max(cpus):.2f}); load avg {min(loads)}-{max(loads)}")


def bench_demo(demo: Path, work: Path, repeat: int, report: dict) -> None:
    big, small, empty, rows = demo_files(demo, work)
    print(f"{rows:,} demo requests: {big.stat().st_size / 1e6:,.0f} MB CSV", flush=True)
    runs: dict[str, list[dict]] = {"first import": [], "same file again": [], f"{SMALL_ROWS:,} rows into the store": []}
    copies = []
    for i in range(repeat):
        db = work / "demo-bench.duckdb"
        for stale in work.glob("*demo-bench.duckdb*"):
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
        shutil.copyfile(empty, db)
        for label, path, n in (("first import", big, rows), ("same file again", big, rows),
                               (f"{SMALL_ROWS:,} rows into the store", small, SMALL_ROWS)):
            run = {"rows": n, "label": label, "repeat": i, **run_import(db, path, "--mapping", "gridscore")}
            run["rows_per_s"] = round(n / run["wall_s"])
            runs[label].append(run)
            report["runs"].append(run)
            show(label, run)
        start = time.perf_counter()
        shutil.copyfile(db, work / "copy.duckdb")   # what write_snapshot's copy costs at this size
        copies.append(time.perf_counter() - start)
        report.setdefault("store_mb", round(db.stat().st_size / 1e6))
    report["store_copy_s"] = [round(c, 2) for c in copies]
    print(f"\nmedians over {repeat} (min-max):")
    for label, rs in runs.items():
        print(median_line(label, rs))
        stages = {k for r in rs for k in r["stages_s"]}
        print("    stage medians: " + ", ".join(
            f"{k} {statistics.median(r['stages_s'].get(k, 0.0) for r in rs):.2f}" for k in
            [k for k in rs[0]["stages_s"] if k in stages]))
    print(f"copying the {report['store_mb']:,} MB store: {statistics.median(copies):.2f} s "
          f"({min(copies):.2f}-{max(copies):.2f})")


def bench_generated(sizes: list[int], encoding: str, work: Path, report: dict) -> None:
    for rows in sizes:
        db, data = work / f"bench-{rows}.duckdb", work / f"requests-{rows}-{encoding}.csv"
        build_tiny_store(db)
        t0 = time.perf_counter()
        if not data.exists():
            write_hotline_csv(data, rows, encoding)
        print(f"{rows:,} rows: {data.stat().st_size / 1e6:,.0f} MB CSV ({encoding}), ready in "
              f"{time.perf_counter() - t0:.1f} s", flush=True)
        for label in ("first import", "same file again"):
            run = {"rows": rows, "label": label, "file_mb": round(data.stat().st_size / 1e6), **run_import(db, data)}
            run["rows_per_s"] = round(rows / run["wall_s"])
            report["runs"].append(run)
            show(label, run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo", type=Path, help="a demo store whose requests are exported and imported")
    parser.add_argument("--repeat", type=int, default=3, help="with --demo: runs of each import (median)")
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--encoding", default="utf-8")
    parser.add_argument("--keep", type=Path, help="work in DIR and keep the files")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    report = {"when": dt.datetime.now().isoformat(timespec="seconds"), "machine": platform.machine(),
              "cpus": os.cpu_count(), "python": platform.python_version(), "encoding": args.encoding, "runs": []}
    if args.demo:
        report["demo"] = str(args.demo)
        bench_demo(args.demo, work, args.repeat, report)
    else:
        bench_generated(args.rows, args.encoding, work, report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"import-{dt.datetime.now():%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"results: {out}")


if __name__ == "__main__":
    main()
