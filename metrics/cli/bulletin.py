"""``python -m metrics bulletin``: the monthly bulletin (月度通报) as Word and / or PDF.

    python -m metrics bulletin --db PATH --period YYYY-MM --scheme NAME_OR_PATH
        --format docx|pdf [--format ...] --out DIR [--lang zh|en] [--level street]

Every figure comes from the same calls as the pages and ``python -m metrics scores``
(metrics/assess/bulletin.py). Prints the paths written; each run is appended to the export log
(``<db>.exports.jsonl``) and to the run log (``<db>.runs.jsonl``) shown on the Data page.
"""
from __future__ import annotations

import argparse
import datetime as dt

import duckdb

from metrics.assess.bulletin import build_bulletin
from metrics.cli.common import (
    add_as_option, add_assessment_options, add_db_option, add_output_options, audit_cli, db_path, fail, open_for_scheme,
    viewer_of,
)
from metrics.export.bulletin_files import FORMATS, write_bulletin
from metrics.export.log import current_user, file_entry, log_path, record
from metrics.export.pdf.doc import FontMissing
from metrics.store.runlog import record_run, run_log_path


def configure(parser: argparse.ArgumentParser) -> None:
    add_db_option(parser)
    add_as_option(parser)
    add_assessment_options(parser)
    parser.add_argument("--format", choices=FORMATS, action="append", required=True,
                        help="docx or pdf (repeat for both)")
    add_output_options(parser)


def run(args: argparse.Namespace) -> int:
    started, db = dt.datetime.now(), db_path(args)
    runs = run_log_path(db)
    viewer = viewer_of(args)   # --as USER: the account's scope, as on the page
    if isinstance(viewer, int):
        return viewer
    opened = open_for_scheme(args)
    if isinstance(opened, int):
        record_run(runs, what="bulletin", error=f"cannot open the store or scheme ({args.scheme}, {args.period})",
                   started=started)
        return opened
    scheme, period, con = opened
    try:
        bulletin = build_bulletin(con, viewer, scheme, period, args.level)
    except (duckdb.Error, KeyError) as exc:
        record_run(runs, what="bulletin", error=str(exc), started=started)
        return fail(f"building the bulletin failed: {exc}")
    finally:
        con.close()
    paths = []
    try:
        for fmt in dict.fromkeys(args.format):
            paths.append(write_bulletin(bulletin, fmt, args.out, args.lang))
    except (OSError, FontMissing) as exc:
        record_run(runs, what="bulletin", files=[p.name for p in paths], error=str(exc), started=started)
        return fail(str(exc))
    entry = dict(who=args.as_user or current_user(), via="cli", scheme=scheme.name, version=scheme.version, period=period.label,
                 level=bulletin.level, fmt="bulletin-" + "+".join(dict.fromkeys(args.format)), units=None,
                 files=[file_entry(p.name, path=p.resolve()) for p in paths])
    try:
        record(log_path(db), **entry)
    except OSError:
        record(args.out / "exports.jsonl", **entry)
    audit_cli(args, "export", scheme=scheme.name, version=scheme.version, period=period.label,
              level=bulletin.level, format=entry["fmt"], files=[p.name for p in paths])
    record_run(runs, what="bulletin", rows=int(bulletin.now["requests"] or 0), files=[str(p) for p in paths],
               detail=f"{scheme.name} v{scheme.version} {period.label} {bulletin.level} {args.lang}", started=started)
    for p in paths:
        print(p)
    return 0
