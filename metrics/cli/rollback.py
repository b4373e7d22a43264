"""``python -m metrics rollback [--redo]``: make the previous snapshot current again, or undo that.

Says what it restores: the snapshot, the writes (imports) it undoes or brings back with their
time and row counts, and the request count before and after.
"""
from __future__ import annotations

import argparse

from metrics.cli.common import add_db_option, audit_cli, db_path, fail
from metrics.store.history import redo, rollback
from metrics.store.snapshots import StoreError


def configure(parser: argparse.ArgumentParser) -> None:
    add_db_option(parser)
    parser.add_argument("--redo", action="store_true", help="undo the last rollback (until the next write)")


def run(args: argparse.Namespace) -> int:
    try:
        change = (redo if args.redo else rollback)(db_path(args))
    except (StoreError, OSError) as exc:
        audit_cli(args, "redo" if args.redo else "rollback", error=str(exc))
        return fail(str(exc))
    audit_cli(args, change.action, restored=change.restored.name,
              requests_before=change.requests_before, requests_after=change.requests_after)
    print(change.describe())
    return 0
