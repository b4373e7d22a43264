"""Import throughput: generated hotline-zh CSVs of N rows into the tiny city store.

    .venv/bin/python bench/bench_import.py [--rows 1000000 5000000] [--encoding utf-8|gb18030] [--keep DIR]

For each size, runs ``python -m metrics import --timings`` in a child process (as a user would),
twice: a first import into an empty store, then the same file again (all unchanged). Reports
wall time, the child's CPU time (user + sys) and peak RSS (from wait4, per child), rows/s and
the seconds per stage, and writes them to bench/results/import-<time>.json (git-ignored).
The machine's load average is recorded too: on a shared 2-core machine, wall time depends on it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))

from tests.ingest_fixtures import build_tiny_store, write_hotline_csv  # noqa: E402


def run_import(db: Path, csv_path: Path) -> dict:
    """One import in a child process: its wall and CPU seconds, peak RSS and the summary it printed."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "metrics", "import", str(csv_path), "--db", str(db),
                                 "--quiet", "--timings"], cwd=ROOT, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)   # this child's own rusage, not the maximum over all children
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read()
        if proc.returncode != 0:
            raise SystemExit(text + err.read())
    counts = dict(re.findall(r"(read|inserted|updated|unchanged|rejected) ([\d,]+)", text))
    stage_line = text.split("stages:")[1].splitlines()[0]
    return {"wall_s": round(elapsed, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024), "load_avg_1min": round(load, 2),
            "counts": {k: int(v.replace(",", "")) for k, v in counts.items()},
            "stages_s": {name: float(sec) for name, sec in re.findall(r"(\w+) ([\d.]+) s", stage_line)},
            "summary": text.strip().splitlines()[1].strip()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--encoding", default="utf-8")
    parser.add_argument("--keep", type=Path, help="work in DIR and keep the files")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    report = {"when": dt.datetime.now().isoformat(timespec="seconds"), "machine": platform.machine(),
              "cpus": os.cpu_count(), "python": platform.python_version(), "encoding": args.encoding, "runs": []}
    for rows in args.rows:
        db, data = work / f"bench-{rows}.duckdb", work / f"requests-{rows}-{args.encoding}.csv"
        build_tiny_store(db)
        t0 = time.perf_counter()
        if not data.exists():
            write_hotline_csv(data, rows, args.encoding)
        print(f"{rows:,} rows: {data.stat().st_size / 1e6:,.0f} MB CSV ({args.encoding}), ready in "
              f"{time.perf_counter() - t0:.1f} s", flush=True)
        for label in ("first import", "same file again"):
            run = {"rows": rows, "label": label, "file_mb": round(data.stat().st_size / 1e6), **run_import(db, data)}
            run["rows_per_s"] = round(rows / run["wall_s"])
            report["runs"].append(run)
            print(f"  {label}: {run['wall_s']:.1f} s wall, {run['rows_per_s']:,} rows/s, CPU {run['cpu_s']:.1f} s, "
                  f"peak RSS {run['peak_rss_mb']:,} MB (load avg {run['load_avg_1min']})", flush=True)
            print("    " + run["summary"])
            print("    stages: " + ", ".join(f"{k} {v:.2f}" for k, v in run["stages_s"].items()), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"import-{dt.datetime.now():%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"results: {out}")


if __name__ == "__main__":
    main()
