"""``python -m metrics export-lake --db PATH --out DIR [--personal]``: the store's requests as a lake.

The lake (month-partitioned Parquet, units, a manifest; layout in :mod:`metrics.store.lake`) is what
``python -m metrics rollup --engine spark`` reads on a cluster. Personal fields stay in the store
unless ``--personal`` is given.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from metrics.cli.common import add_db_option, audit_cli, db_path, fail
from metrics.store.lake import LakeError, export_lake
from metrics.store.snapshots import StoreError, open_read


def configure(parser: argparse.ArgumentParser) -> None:
    add_db_option(parser)
    parser.add_argument("--out", type=Path, required=True, help="a new (or empty) folder for the lake")
    parser.add_argument("--personal", action="store_true",
                        help="include free text, address, name and phone (left out by default)")


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    try:
        con = open_read(db_path(args))
        try:
            manifest = export_lake(con, args.out, personal=args.personal)
        finally:
            con.close()
    except (StoreError, LakeError, OSError) as exc:
        audit_cli(args, "export", kind="lake", out=str(args.out), error=str(exc))
        return fail(str(exc))
    audit_cli(args, "export", kind="lake", out=str(args.out), rows=manifest["requests"], personal=args.personal)
    months = manifest["months"]
    span = f"{months[0]} … {months[-1]}" if months else "no months"
    print(f"{args.out}: {manifest['requests']:,} requests in {len(months)} month partitions ({span}), "
          f"{manifest['units']:,} units, personal fields {'included' if args.personal else 'left out'}; "
          f"{time.perf_counter() - started:.1f} s")
    return 0
