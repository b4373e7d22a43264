"""Benchmark the demo city build: wall time, rows/s, stages and peak RSS, median of several runs.

Each run is ``python -m metrics demo`` in its own child process (as a user runs it), so
its peak RSS (``/usr/bin/time``) is its own and import time is included. The build streams
in chunks, so its peak RSS should stay roughly flat as the number of requests grows; the
stores go to ``--dir`` (default: the system temp folder) and are removed after.

  .venv/bin/python bench/bench_demo.py [--requests 1000000 10000000] [--runs 3] [--seed 42] [--dir /tmp]

Results: printed, and written to bench/results/demo.json (git-ignored).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
STAGE = re.compile(r"\[\s*\d+%\]\s+([\d.]+)s\s+(.+)")


def one_build(requests: int, seed: int, db: Path) -> dict:
    """Wall seconds, peak RSS (MB) of the child, and when each stage started (s)."""
    cmd = ["/usr/bin/time", "-f", "maxrss_kb=%M", sys.executable, "-m", "metrics", "demo", "--db", str(db),
           "--requests", str(requests), "--seed", str(seed), "--end", "2026-10"]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    seconds = time.perf_counter() - t0
    rss_kb = int(re.search(r"maxrss_kb=(\d+)", done.stderr).group(1))
    stages = {m.group(2): float(m.group(1)) for m in map(STAGE.match, done.stderr.splitlines()) if m}
    result = {"seconds": seconds, "rows_per_s": requests / seconds, "peak_rss_mb": rss_kb / 1024,
              "stages": stages, "db_mb": db.stat().st_size / 2**20, "load_after": os.getloadavg()[0]}
    return result


def build_and_remove(requests: int, seed: int, db: Path) -> dict:
    """:func:`one_build`, then the store removed (bench/run.py keeps what one_build builds)."""
    try:
        return one_build(requests, seed, db)
    finally:
        db.unlink(missing_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--dir", default=None, help="where the stores are built (default: system temp)")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_demo_", dir=args.dir) as tmp:
        for n in args.requests:
            runs = [build_and_remove(n, args.seed, Path(tmp) / f"demo-{n}-{i}.duckdb") for i in range(args.runs)]
            median = statistics.median(r["seconds"] for r in runs)
            peak = max(r["peak_rss_mb"] for r in runs)
            results.append({"requests": n, "runs": runs, "median_seconds": median, "peak_rss_mb": peak,
                            "rows_per_s": n / median})
            print(f"{n:>10,} requests: median {median:6.1f} s over {args.runs} runs "
                  f"(min {min(r['seconds'] for r in runs):.1f}, max {max(r['seconds'] for r in runs):.1f}), "
                  f"{n / median:,.0f} rows/s, peak RSS {peak:,.0f} MB, store {runs[0]['db_mb']:.0f} MB, "
                  f"load {runs[-1]['load_after']:.1f}", flush=True)
            print("            stage starts (s, first run): "
                  + ", ".join(f"{k} {v:.1f}" for k, v in runs[0]["stages"].items()))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "demo.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
