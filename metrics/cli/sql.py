"""``python -m metrics sql "SELECT ..."``: a read-only query on the current snapshot, as CSV."""
from __future__ import annotations

import argparse
import csv
import sys

import duckdb

from metrics.cli.common import add_as_option, add_db_option, db_path, fail, viewer_of
from metrics.store.snapshots import StoreError, open_read


def configure(parser: argparse.ArgumentParser) -> None:
    add_db_option(parser)
    add_as_option(parser)
    parser.add_argument("query", help="one SQL statement; the store is opened read-only")


def run(args: argparse.Namespace) -> int:
    viewer = viewer_of(args)
    if isinstance(viewer, int):
        return viewer
    if args.as_user and not viewer.may_see_personal:  # raw SQL reads every unit and every personal field
        return fail(f"no access: the sql command is for admin accounts, not {args.as_user!r} ({viewer.role})", 3)
    try:
        con = open_read(db_path(args))
    except StoreError as exc:
        return fail(str(exc))
    try:
        cur = con.execute(args.query)
    except duckdb.Error as exc:
        return fail(f"query failed: {exc}")
    if cur.description is None:
        return 0
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([d[0] for d in cur.description])
    while batch := cur.fetchmany(10_000):
        writer.writerows(batch)
    con.close()
    return 0
