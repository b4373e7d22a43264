"""Import throughput: a generated hotline-zh CSV of N rows into the tiny city store.

    .venv/bin/python bench/bench_import.py [--rows 1000000] [--encoding utf-8|gb18030] [--keep DIR]

Runs ``python -m metrics import`` in a child process (as a user would) and reports wall time,
rows/s and the child's peak RSS. Then imports the same file again (all unchanged).
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from metrics.ingest.fixtures import build_tiny_store, write_hotline_csv  # noqa: E402

def run_import(db: Path, csv_path: Path) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "metrics", "import", str(csv_path), "--db", str(db), "--quiet"],
                          cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stdout + proc.stderr)
    return elapsed, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--encoding", default="utf-8")
    parser.add_argument("--keep", type=Path, help="work in DIR and keep the files")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    db, data = work / "bench.duckdb", work / f"requests-{args.rows}.csv"
    build_tiny_store(db)
    t0 = time.perf_counter()
    write_hotline_csv(data, args.rows, args.encoding)
    print(f"generated {args.rows:,} rows ({data.stat().st_size / 1e6:.0f} MB, {args.encoding}) "
          f"in {time.perf_counter() - t0:.1f} s")
    for label in ("first import", "same file again"):
        elapsed, out = run_import(db, data)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{label}: {elapsed:.1f} s wall, {args.rows / elapsed:,.0f} rows/s, peak RSS so far {rss:,.0f} MB")
        print("  " + out.strip().splitlines()[1].strip())


if __name__ == "__main__":
    main()
