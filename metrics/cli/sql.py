"""``python -m metrics sql "SELECT ..."``: a read-only query on the current snapshot, as CSV.

Read-only in fact, not only by the store's file mode: before the query runs, DuckDB's
``enable_external_access`` is switched off and the configuration locked, so COPY ... TO,
EXPORT DATABASE, ATTACH, INSTALL and file functions (read_csv, glob, ...) are refused and the
query cannot switch them back on.
"""
from __future__ import annotations

import argparse
from pathlib import Path
import csv
import sys

import duckdb

from metrics.cli.common import add_as_option, add_db_option, db_path, fail, viewer_of
from metrics.store.lake import REQUESTS_DIR, lake_of
from metrics.store.snapshots import StoreError, open_read

REFUSED = ("refused: `metrics sql` only reads the store; it cannot read or write other files "
           "(COPY, EXPORT, ATTACH, INSTALL and file functions are off)")


def lock_down(con: duckdb.DuckDBPyConnection) -> None:
    """No file access from SQL on con, and no setting can turn it back on; a store whose requests
    live in a lake may still read that lake's request files (its ``requests`` view does)."""
    lake = lake_of(con)
    if lake is not None:
        con.execute("SET allowed_directories = $d", {"d": [str(Path(lake) / REQUESTS_DIR) + "/"]})
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def configure(parser: argparse.ArgumentParser) -> None:
    add_db_option(parser)
    add_as_option(parser)
    parser.add_argument("query", help="one SQL statement; the store is opened read-only, without file access")


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
        lock_down(con)
        try:
            cur = con.execute(args.query)
        except duckdb.PermissionException:
            return fail(REFUSED)
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if "configuration has been locked" in first:
                return fail(REFUSED)
            return fail(f"query failed: {first}")
        if cur.description is None:
            return 0
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([d[0] for d in cur.description])
        while batch := cur.fetchmany(10_000):
            writer.writerows(batch)
        return 0
    finally:
        con.close()
