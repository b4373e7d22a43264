"""``python -m metrics rollup --lake DIR --out DIR [--engine duckdb|spark] [--master URL] [--month YYYY-MM]``.

Builds the roll-up tables and one month's unit tables from a lake (see :mod:`metrics.scale.job`),
on DuckDB here or on Spark (``local[*]`` or a cluster's master URL); the output is attached to a
store with ``python -m metrics attach-rollups DIR --db PATH``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from metrics.cli.common import fail
from metrics.store.lake import LakeError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lake", type=Path, required=True, help="the lake (python -m metrics export-lake)")
    parser.add_argument("--out", type=Path, required=True, help="a new (or empty) folder for the roll-ups")
    parser.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    parser.add_argument("--master", default="local[*]", help="Spark master URL (default local[*])")
    parser.add_argument("--memory", default="4g", help="Spark driver memory (default 4g)")
    parser.add_argument("--month", default=None, help="YYYY-MM of the unit tables (default: the lake's last month)")


def _engine(args: argparse.Namespace):
    from metrics.scale.engines import DuckEngine, SparkEngine

    if args.engine == "duckdb":
        return DuckEngine()
    try:
        return SparkEngine(args.master, memory=args.memory)
    except ImportError:
        raise LakeError("the Spark engine needs PySpark and a Java runtime: pip install -r requirements-spark.txt "
                        "and apt-get install openjdk-17-jre-headless") from None
    except Exception as exc:   # PySpark's own errors: no Java, a master that cannot be reached
        raise LakeError(f"Spark did not start ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
                        "it needs a Java runtime (apt-get install openjdk-17-jre-headless) and, with --master, "
                        "a reachable cluster") from None


def run(args: argparse.Namespace) -> int:
    from metrics.scale.dialect import UnsafeSQL
    from metrics.scale.job import run_job

    try:
        engine = _engine(args)
        try:
            manifest = run_job(engine, args.lake, args.out, month=args.month,
                               log=lambda line: print(f"  {line}", file=sys.stderr, flush=True))
        finally:
            engine.close()
    except (LakeError, UnsafeSQL, ValueError, OSError) as exc:
        return fail(str(exc))
    print(f"{args.out}: roll-ups of {manifest['requests']:,} requests and the unit tables of {manifest['month']} "
          f"on {manifest['engine']} in {manifest['total_seconds']:.1f} s")
    return 0
