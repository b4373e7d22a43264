"""``python -m metrics demo --db PATH [--lake DIR] [--requests N] [--seed S] [--months M] [--end YYYY-MM]``.

The build streams month by month: memory is about 3 GB plus the requests' primary-key index
(peak 5.5 GB at 50M requests, 16 min on 2 cores), so ``--requests 50000000`` fits on a 24 GB
machine. Beside the store it needs free disk for the chunk files while it runs (~0.07 GB per
million requests) and for the store itself (~0.17 GB per million).

``--lake DIR`` (a new or empty folder) writes the requests as a lake instead (month-partitioned
Parquet, the layout of ``export-lake`` and :mod:`metrics.store.lake`, personal fields left out):
the store gets the units, boundaries and the imports row but no requests, so a province-sized
demo needs neither the store's disk nor its primary-key index in memory. The lake holds the same
rows as ``export-lake`` of a store built with the same arguments; a failed build leaves no lake.
Measured at 50M requests (2 cores): 187 s, peak RSS 1.4 GB, a lake of 1.8 GB (~0.036 GB per
million), plus the chunk files (~0.07 GB per million) while it runs.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from metrics.cli.common import StoreError, add_db_option, db_path, fail
from metrics.core.periods import parse_month
from metrics.core.levels import LEVELS
from metrics.store.snapshots import open_read


def _month(text: str) -> dt.date:
    try:
        return parse_month(text).start
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM, got {text!r}") from exc


def _positive(text: str) -> int:
    value = int(text.replace("_", ""))
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    add_db_option(parser)
    parser.add_argument("--requests", type=_positive, default=1_000_000, help="number of requests (default 1000000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed; same seed, same store (default 42)")
    parser.add_argument("--months", type=_positive, default=24, help="months of requests (default 24)")
    parser.add_argument("--end", type=_month, default=None,
                        help="last month included, YYYY-MM (default: the last full month before today)")
    parser.add_argument("--lake", type=Path, default=None, metavar="DIR",
                        help="write the requests to this new or empty folder as a month-partitioned Parquet lake"
                             " (personal fields left out) instead of the store; the store keeps the units only")


class _Progress:
    """One line per stage on stderr: percent done and seconds elapsed."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()

    def __call__(self, stage: str, fraction: float) -> None:
        print(f"[{fraction:4.0%}] {time.perf_counter() - self.t0:6.1f}s  {stage}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from metrics.demo import build_demo
    from metrics.store.lake import LakeError

    path = db_path(args)
    started = time.perf_counter()
    try:
        manifest = build_demo(path, requests=args.requests, seed=args.seed, months=args.months, end=args.end,
                              progress=_Progress(), lake=args.lake)
        con = open_read(path)
    except (StoreError, LakeError, OSError) as exc:
        return fail(str(exc))
    try:
        counts = dict(con.execute("SELECT level, count(*) FROM units GROUP BY level").fetchall())
        n, first, last = con.execute("SELECT count(*), min(received_at), max(received_at) FROM requests").fetchone()
    finally:
        con.close()
    seconds = time.perf_counter() - started
    units = ", ".join(f"{counts.get(level, 0)} {level}" for level in LEVELS)
    print(f"demo city written to {path}")
    print(f"units: {units}")
    if manifest is not None:
        n, months = manifest["requests"], manifest["months"]
        span = f"in {len(months)} months {months[0]} to {months[-1]}" if months else "in no month"
        print(f"requests: {n:,} {span}, written to the lake {args.lake}")
    else:
        print(f"requests: {n:,} received {first:%Y-%m-%d} to {last:%Y-%m-%d}")
    print(f"seconds: {seconds:.1f} ({n / seconds:,.0f} requests/s)")
    return 0
