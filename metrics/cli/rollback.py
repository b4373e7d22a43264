"""``python -m metrics rollback``: make the previous snapshot current again."""
from __future__ import annotations

import argparse

from metrics.cli.common import add_db_option, audit_cli, db_path, fail
from metrics.store.snapshots import StoreError, rollback


def configure(parser: argparse.ArgumentParser) -> None:
    add_db_option(parser)


def run(args: argparse.Namespace) -> int:
    try:
        restored = rollback(db_path(args))
    except StoreError as exc:
        audit_cli(args, "rollback", error=str(exc))
        return fail(str(exc))
    audit_cli(args, "rollback", restored=restored.name)
    print(f"restored {restored.name} as {db_path(args)}")
    return 0
