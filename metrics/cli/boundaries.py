"""``python -m metrics boundaries FILE.geojson``: add or replace unit polygons."""
from __future__ import annotations

import argparse
from pathlib import Path

from metrics.cli.common import add_db_option, db_path, fail
from metrics.core.levels import TERRITORIAL
from metrics.ingest.boundaries import import_boundaries
from metrics.ingest.coords import CRS
from metrics.ingest.readers import ReadError
from metrics.store.snapshots import StoreError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE.geojson")
    add_db_option(parser)
    parser.add_argument("--level", required=True, choices=TERRITORIAL)
    parser.add_argument("--id-field", required=True, help="feature property holding the unit id")
    parser.add_argument("--name-field", required=True, help="feature property holding the unit name")
    parser.add_argument("--parent-field", help="feature property holding the parent unit id")
    parser.add_argument("--crs", choices=CRS, default="wgs84", help="datum of the coordinates (default wgs84)")


def run(args: argparse.Namespace) -> int:
    try:
        r = import_boundaries(db_path(args), args.file, args.level, args.id_field, args.name_field,
                              args.parent_field, args.crs)
    except (ReadError, StoreError, ValueError) as exc:
        return fail(str(exc))
    print(f"{r.file}  [{args.level}; import {r.import_id}]")
    print(f"  read {r.read:,}  inserted {r.inserted:,}  updated {r.updated:,}  rejected {r.rejected:,}  "
          f"repaired {r.repaired:,}  warnings {r.warnings:,}")
    for w in r.warnings_list[:20]:
        print(f"  warning: {w}")
    if r.rejected:
        print(f"  rejected features and reasons: python -m metrics sql --db {db_path(args)} "
              f"\"SELECT row_number, reasons FROM rejects WHERE import_id = '{r.import_id}'\"")
    return 0 if r.inserted + r.updated else 1
