"""``python -m metrics init --db PATH --city NAME``: an empty store holding one city unit."""
from __future__ import annotations

import argparse

from metrics.cli.common import add_db_option, db_path, fail
from metrics.ingest.units import CITY_ID, init_store
from metrics.store.snapshots import StoreError


def configure(parser: argparse.ArgumentParser) -> None:
    add_db_option(parser)
    parser.add_argument("--city", required=True, help="the city's name (the top unit)")
    parser.add_argument("--name-en", help="its English name")
    parser.add_argument("--tz", help="time zone of the city's local times (default: Asia/Shanghai at import)")
    parser.add_argument("--id", default=CITY_ID, help=f"the city's unit_id (default {CITY_ID})")
    parser.add_argument("--force", action="store_true", help="replace an existing store (rollback undoes it)")


def run(args: argparse.Namespace) -> int:
    db = db_path(args)
    try:
        init_store(db, args.city, args.name_en, args.tz, args.id, args.force)
    except (StoreError, ValueError) as exc:
        return fail(str(exc))
    except Exception as exc:   # an unknown time zone, from DuckDB
        return fail(f"--tz {args.tz!r}: {str(exc).splitlines()[0]}")
    print(f"{db}: an empty store with the city {args.city} (unit_id {args.id}"
          + (f", time zone {args.tz}" if args.tz else "") + ")")
    print(f"  next: python -m metrics units FILE --db {db}   or   python -m metrics boundaries FILE --db {db} --create")
    return 0
