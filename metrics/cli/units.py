"""``python -m metrics units FILE``: the unit hierarchy (incl. departments) from CSV / XLSX."""
from __future__ import annotations

import argparse
from pathlib import Path

from metrics.cli.common import add_db_option, audit_cli, db_path, fail
from metrics.ingest.readers import ReadError
from metrics.ingest.units import import_units
from metrics.store.snapshots import StoreError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE")
    add_db_option(parser)
    parser.add_argument("--sheet", help="XLSX sheet name (default: the first)")


def run(args: argparse.Namespace) -> int:
    try:
        r = import_units(db_path(args), args.file, args.sheet)
    except (ReadError, StoreError, ValueError) as exc:
        audit_cli(args, "import", kind="units", file=str(args.file), error=str(exc))
        return fail(str(exc))
    audit_cli(args, "import", kind="units", file=str(r.file), import_id=r.import_id, read=r.read,
              inserted=r.inserted, updated=r.updated, rejected=r.rejected)
    print(f"{r.file}  [units; import {r.import_id}]")
    print(f"  read {r.read:,}  inserted {r.inserted:,}  updated {r.updated:,}  rejected {r.rejected:,}")
    for text, _ in r.reject_kinds:
        print(f"  rejected {text}")
    return 0 if r.inserted + r.updated or not r.read else 1
