"""Options and error handling shared by the commands."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from metrics.store import StoreError, default_path


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", type=Path, default=None,
        help="the store (default: $GRIDSCORE_DB, else data/gridscore.duckdb)",
    )


def db_path(args: argparse.Namespace) -> Path:
    return args.db or default_path()


def fail(message: str, code: int = 1) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


__all__ = ["add_db_option", "db_path", "fail", "StoreError"]
