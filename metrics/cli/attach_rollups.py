"""``python -m metrics attach-rollups DIR [--db PATH]``: serve roll-ups built from a lake.

A store without requests then reads its requests from the lake the roll-ups were built from (the
pages read the roll-ups; drill-downs and exact percentiles read the lake's files).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from metrics.cli.common import add_db_option, audit_cli, db_path, fail
from metrics.store.lake import LakeError, attach_rollups
from metrics.store.snapshots import StoreError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", type=Path, metavar="DIR", help="the output of python -m metrics rollup")
    add_db_option(parser)
    parser.add_argument("--units-from-lake", action="store_true",
                        help="a store without requests takes the lake's units (e.g. one just made with init)")


def run(args: argparse.Namespace) -> int:
    try:
        manifest = attach_rollups(db_path(args), args.folder, units_from_lake=args.units_from_lake)
    except (StoreError, LakeError, OSError) as exc:
        audit_cli(args, "import", kind="rollups", folder=str(args.folder), error=str(exc))
        return fail(str(exc))
    audit_cli(args, "import", kind="rollups", folder=str(args.folder), engine=manifest["engine"],
              requests=manifest["requests"])
    print(f"{db_path(args)}: roll-ups of {manifest['requests']:,} requests attached (built on {manifest['engine']}, "
          f"lake {manifest['lake']})")
    return 0
