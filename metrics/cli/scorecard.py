"""``python -m metrics scorecard``: write scorecards for scheduled runs and print the file paths.

    python -m metrics scorecard --db PATH --period YYYY-MM --scheme NAME_OR_PATH
        [--level street] [--unit ID ...] --format xlsx|pdf|csv|zip --out DIR [--lang zh|en]

``--period`` names the month, or for a window scheme the month the window ends in (as ``scores``).
``zip`` writes every unit of the level in one archive. Each run is appended to the export log
beside the store (``<db>.exports.jsonl``; see metrics/export/log.py), or, when that place is
not writable, to ``DIR/exports.jsonl``, and to the run log (``<db>.runs.jsonl``, shown on /data).
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import duckdb

from metrics.core.access import AccessDenied, check_unit
from metrics.cli.common import (
    add_as_option, add_assessment_options, add_db_option, add_output_options, audit_cli, db_path, fail,
    open_for_scheme, out_dir_problem, viewer_of,
)
from metrics.export.writers import FORMATS, file_stem, write_batch_zip, write_book
from metrics.export.log import current_user, file_entry, log_path, record
from metrics.assess.scorecard_build import build_book
from metrics.store.runlog import record_run, run_log_path


def configure(parser: argparse.ArgumentParser) -> None:
    add_db_option(parser)
    add_as_option(parser)
    add_assessment_options(parser)
    parser.add_argument("--unit", action="append", default=None, metavar="ID",
                        help="print the card of this unit only (repeatable); default: every unit")
    parser.add_argument("--format", choices=(*FORMATS, "zip"), required=True)
    add_output_options(parser)
    parser.add_argument("--log", type=Path, default=None, help="export log (default: <db>.exports.jsonl)")


def run(args: argparse.Namespace) -> int:
    started = dt.datetime.now()
    code, paths, units = _run(args)
    runs = run_log_path(db_path(args))
    if code:
        record_run(runs, what="scorecard", error=f"exit {code} ({args.scheme}, {args.period}, {args.format})",
                   started=started)
    else:
        record_run(runs, what="scorecard", rows=units, files=[str(p) for p in paths],
                   detail=f"{args.scheme} {args.period} {args.format}", started=started)
    return code


def _run(args: argparse.Namespace) -> tuple[int, list[Path], int]:
    """(exit code, files written, units printed)."""
    viewer = viewer_of(args)
    if isinstance(viewer, int):
        return viewer, [], 0
    if problem := out_dir_problem(args.out):
        return fail(problem, 2), [], 0
    opened = open_for_scheme(args)
    if isinstance(opened, int):
        return opened, [], 0
    scheme, period, con = opened
    db = db_path(args)
    who = args.as_user or current_user()
    try:
        for unit in (args.unit or ()) if viewer.scope_unit_id else ():  # unknown units: "no access" too
            check_unit(con, viewer, unit)
        book = build_book(con, viewer, scheme, period, args.level, generated_by=who)
        if args.unit:
            book = book.for_units(args.unit)
    except AccessDenied as exc:
        return fail(str(exc), 3), [], 0
    except KeyError as exc:
        return fail(str(exc.args[0]), 2), [], 0
    except duckdb.Error as exc:
        return fail(f"scoring failed: {exc}"), [], 0
    finally:
        con.close()
    if args.format == "zip":
        path = args.out / f"{file_stem(book)}_all.zip"
        args.out.mkdir(parents=True, exist_ok=True)
        path.write_bytes(write_batch_zip(book, args.lang))
        paths = [path]
    else:
        paths = write_book(book, args.format, args.out, args.lang)
    log = args.log or log_path(db)
    entry = dict(who=who, via="cli", scheme=scheme.name, version=scheme.version, period=book.period_label,
                 level=book.level, fmt=args.format, units=list(args.unit) if args.unit else None,
                 files=[file_entry(p.name, path=p.resolve()) for p in paths])
    try:
        record(log, **entry)
    except OSError:
        record(args.out / "exports.jsonl", **entry)
    audit_cli(args, "export", scheme=scheme.name, version=scheme.version, period=book.period_label,
              level=book.level, format=args.format, units=entry["units"], files=[p.name for p in paths])
    for p in paths:
        print(p)
    sys.stdout.flush()
    return 0, paths, len(book.cards)
