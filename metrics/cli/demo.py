"""``python -m metrics demo --db PATH [--requests N] [--seed S] [--months M] [--end YYYY-MM]``.

The build streams month by month: memory is about 3 GB plus the requests' primary-key index
(peak 5.5 GB at 50M requests, 16 min on 2 cores), so ``--requests 50000000`` fits on a 24 GB
machine. Beside the store it needs free disk for the chunk files while it runs (~0.07 GB per
million requests) and for the store itself (~0.17 GB per million).
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

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


class _Progress:
    """One line per stage on stderr: percent done and seconds elapsed."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()

    def __call__(self, stage: str, fraction: float) -> None:
        print(f"[{fraction:4.0%}] {time.perf_counter() - self.t0:6.1f}s  {stage}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from metrics.demo import build_demo

    path = db_path(args)
    started = time.perf_counter()
    try:
        build_demo(path, requests=args.requests, seed=args.seed, months=args.months, end=args.end,
                   progress=_Progress())
        con = open_read(path)
    except (StoreError, OSError) as exc:
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
    print(f"requests: {n:,} received {first:%Y-%m-%d} to {last:%Y-%m-%d}")
    print(f"seconds: {seconds:.1f} ({n / seconds:,.0f} requests/s)")
    return 0
