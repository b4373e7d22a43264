"""``python -m metrics sync``: pull what changed in the hotline's database and import it.

    python -m metrics sync --db PATH --source URL (--table T | --query-file Q.sql) --mapping M
        [--since-column updated_at] [--password-file FILE | --password-env VAR]

The URL names the driver, e.g. ``postgresql+psycopg://gridscore@db.example/hotline`` or
``mysql+pymysql://gridscore@db.example/hotline``; its password comes from ``$GRIDSCORE_SYNC_PASSWORD``
(or ``--password-env VAR``) or the first line of ``--password-file``, and is never printed.
Safe to run from cron every few minutes: a run that finds nothing new writes nothing. Exit 0 when
the run completed (also with nothing new), 1 when it failed, 2 for bad options. Each run is
appended to the run log beside the store (``<db>.runs.jsonl``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from metrics.cli.common import add_db_option, audit_cli, db_path, fail
from metrics.cli.imports import summary
from metrics.ingest.coords import CRS
from metrics.ingest.mapping import MappingError, available
from metrics.ingest.sync import BATCH_ROWS, PASSWORD_ENV, SyncError, make_source, read_password, sync
from metrics.store.runlog import record_run, run_log_path
from metrics.store.snapshots import StoreError


def configure(parser: argparse.ArgumentParser) -> None:
    add_db_option(parser)
    parser.add_argument("--source", required=True, metavar="URL",
                        help="SQLAlchemy URL without the password, e.g. postgresql+psycopg://user@host:5432/db")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--table", help="a table or view (schema.name allowed)")
    what.add_argument("--query-file", type=Path, metavar="Q.sql", help="a SELECT whose rows are the requests")
    parser.add_argument("--mapping", required=True, help=f"a preset ({', '.join(available())}) or a TOML file")
    parser.add_argument("--since-column", help="pull only rows whose column is past the last sync's largest value")
    secret = parser.add_mutually_exclusive_group()
    secret.add_argument("--password-env", default=PASSWORD_ENV, metavar="VAR",
                        help=f"environment variable holding the password (default {PASSWORD_ENV})")
    secret.add_argument("--password-file", type=Path, metavar="FILE", help="a file whose first line is the password")
    parser.add_argument("--crs", choices=CRS, default="wgs84")
    parser.add_argument("--tz", default=None, help="time zone of the source's local times")
    parser.add_argument("--rejects", type=Path, metavar="DIR", help="also write rejected rows as CSV into DIR")
    parser.add_argument("--batch-rows", type=int, default=BATCH_ROWS, help=argparse.SUPPRESS)
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def run(args: argparse.Namespace) -> int:
    db, started = db_path(args), dt.datetime.now()
    log = run_log_path(db)
    try:
        password = read_password(None if args.password_file else args.password_env, args.password_file)
        source = make_source(args.source, args.table, args.query_file, args.since_column, password)
    except SyncError as exc:
        return fail(str(exc), 2)

    def say(message: str) -> None:
        if not args.quiet:
            print(f"sync: {message}", file=sys.stderr, flush=True)

    try:
        out = sync(db, source, args.mapping, tz=args.tz, crs=args.crs, batch_rows=args.batch_rows,
                   rejects_dir=args.rejects, progress=say)
    except (SyncError, StoreError, MappingError, ValueError) as exc:
        record_run(log, what="sync", error=str(exc), detail=source.key, started=started)
        return fail(str(exc))
    r = out.result
    detail = f"{source.key}; watermark {out.watermark_before} -> {out.watermark_after}"
    if r is None:
        print(f"{source.redacted}: no new rows (watermark {out.watermark_before})")
        record_run(log, what="sync", rows=0, detail=detail, started=started)
        return 0
    audit_cli(args, "import", kind="sync", source=source.redacted, import_id=r.import_id, read=r.read,
              inserted=r.inserted, updated=r.updated, rejected=r.rejected)
    print(summary(r))
    print(f"  watermark {out.watermark_before} -> {out.watermark_after}"
          + ("" if out.wrote else "  (every row unchanged: nothing written)"))
    record_run(log, what="sync", rows=r.read, detail=f"{detail}; inserted {r.inserted} updated {r.updated} "
               f"unchanged {r.unchanged} rejected {r.rejected}", started=started,
               error=None if r.reconciles else "read != inserted + updated + unchanged + rejected")
    return 0
