"""``python -m metrics boundaries FILE``: unit polygons from GeoJSON or a zipped Shapefile."""
from __future__ import annotations

import argparse
from pathlib import Path

from metrics.cli.common import add_db_option, audit_cli, db_path, fail
from metrics.core.levels import TERRITORIAL
from metrics.ingest.boundaries import import_boundaries
from metrics.ingest.coords import CRS
from metrics.ingest.readers import ReadError
from metrics.store.snapshots import StoreError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="GeoJSON (.geojson/.json), or a Shapefile (.zip/.shp)")
    add_db_option(parser)
    parser.add_argument("--level", choices=TERRITORIAL,
                        help="level of the units (needed with --create; else narrows name matching)")
    parser.add_argument("--id-field", help="feature property holding the unit id (default: the feature's id)")
    parser.add_argument("--name-field", default="name", help="feature property holding the unit name (default name)")
    parser.add_argument("--parent-field", help="feature property naming the parent unit, by id or by name "
                                               "(for --create; default: the city)")
    parser.add_argument("--create", action="store_true", help="create a unit for a feature that matches none")
    parser.add_argument("--crs", choices=CRS, default="wgs84", help="datum of the coordinates (default wgs84)")


def run(args: argparse.Namespace) -> int:
    try:
        r = import_boundaries(db_path(args), args.file, args.level, args.id_field, args.name_field,
                              args.parent_field, args.crs, create=args.create)
    except (ReadError, StoreError, ValueError) as exc:
        audit_cli(args, "import", kind="boundaries", file=str(args.file), error=str(exc))
        return fail(str(exc))
    audit_cli(args, "import", kind="boundaries", file=str(r.file), import_id=r.import_id, read=r.read,
              inserted=r.inserted, updated=r.updated, rejected=r.rejected)
    print(f"{r.file}  [{r.fmt}, {args.level or 'any level'}; import {r.import_id}]")
    print(f"  read {r.read:,}  inserted {r.inserted:,}  updated {r.updated:,}  rejected {r.rejected:,}  "
          f"repaired {r.repaired:,}  warnings {r.warnings:,}")
    for w in r.warnings_list[:20]:
        print(f"  warning: {w}")
    for text, _ in r.reject_kinds:
        print(f"  rejected {text}")
    if r.rejected > len(r.reject_kinds):
        print(f"  all rejected features and reasons: python -m metrics sql --db {db_path(args)} "
              f"\"SELECT row_number, reasons FROM rejects WHERE import_id = '{r.import_id}'\"")
    if not r.read:
        print("  the file holds no features")
    return 0 if r.inserted + r.updated else 1
