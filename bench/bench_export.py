"""Scorecard export timings: build the book and write xlsx / pdf / csv / the batch ZIP for a level.

    .venv/bin/python bench/bench_export.py [--db PATH | --requests 1000000] [--level street]
        [--scheme beijing-3rates] [--period YYYY-MM]

Without --db it builds a demo store of --requests requests in a temporary directory first
(seed 42, 24 months ending 2026-10). Prints one line per step and a JSON summary.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from metrics.core.access import DEMO_VIEWER  # noqa: E402
from metrics.assess.engine import scheme_period  # noqa: E402
from metrics.export.writers import render, write_batch_zip  # noqa: E402
from metrics.assess.schemes import load_scheme  # noqa: E402
from metrics.assess.scorecard_build import build_book  # noqa: E402
from metrics.store.snapshots import open_read  # noqa: E402


def timed(label: str, results: dict, fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    results[label] = round(time.perf_counter() - start, 3)
    print(f"{label:<28} {results[label]:8.3f} s", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--level", default="street")
    parser.add_argument("--scheme", default="beijing-3rates")
    parser.add_argument("--period", default="2026-09")
    args = parser.parse_args()
    results: dict[str, object] = {"level": args.level, "scheme": args.scheme, "period": args.period}
    db = args.db
    if db is None:
        from metrics.demo import build_demo
        db = Path(tempfile.mkdtemp(prefix="bench-export-")) / "demo.duckdb"
        timed("build demo store", results, build_demo, db, requests=args.requests, seed=42, months=24,
              end=dt.date(2026, 10, 1))
    con = open_read(db)
    results["requests"] = con.execute("SELECT count(*) FROM requests").fetchone()[0]
    scheme = load_scheme(args.scheme)
    period = scheme_period(scheme, args.period)
    book = timed("build scorecard book", results, build_book, con, DEMO_VIEWER, scheme, period, args.level)
    results["units"] = len(book.ranking)
    for fmt in ("xlsx", "csv", "pdf"):
        files = timed(f"write {fmt} (all units)", results, render, book, fmt)
        results[f"{fmt}_bytes"] = sum(len(b) for b in files.values())
    blob = timed("batch zip (all units)", results, write_batch_zip, book)
    results["zip_bytes"] = len(blob)
    start = time.perf_counter()
    write_batch_zip(build_book(con, DEMO_VIEWER, scheme, period, args.level))
    results["book + zip, end to end"] = round(time.perf_counter() - start, 3)
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
