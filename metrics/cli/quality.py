"""``python -m metrics quality``: data quality per import and overall.

Field coverage, rows by location_status, placeholder clusters, timing anomalies (closed or first
contact before received, times in the future, closed more than a year after received), repeated
ids and probable duplicates, and reject reasons. ``--format json`` prints one object whose keys
are the sections, each a list of rows; ``import_id = "all"`` rows are the whole store.
"""
from __future__ import annotations

import argparse
import json

import pandas as pd

from metrics.cli.common import add_db_option, db_path, fail
from metrics.query.quality import ALL, Quality, quality
from metrics.store.snapshots import StoreError, open_read

SECTIONS = {
    "imports": "imports of requests",
    "coverage": "field coverage (rows with a value / rows read)",
    "status": "rows by location_status",
    "placeholders": "placeholder points (not used to place rows)",
    "timing": "timing anomalies",
    "duplicates": "duplicates (repeated ids: rows already in the store; probable: same time, category and place)",
    "rejects": "reject reasons",
}


def configure(parser: argparse.ArgumentParser) -> None:
    add_db_option(parser)
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--import", dest="import_id", help=f"one import's figures (default: every import and {ALL!r})")


def _table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "  (none)"
    shown = frame.copy()
    if "share" in shown:
        shown["share"] = shown["share"].map(lambda v: "—" if pd.isna(v) else f"{100 * v:.1f} %")
    shown = shown.astype(object).where(shown.notna(), "—")
    return "\n".join("  " + line for line in shown.to_string(index=False).splitlines())


def render(q: Quality) -> str:
    return "\n\n".join(f"{title}:\n{_table(getattr(q, key))}" for key, title in SECTIONS.items())


def run(args: argparse.Namespace) -> int:
    try:
        con = open_read(db_path(args))
    except StoreError as exc:
        return fail(str(exc))
    try:
        q = quality(con)
    finally:
        con.close()
    if args.import_id:
        if args.import_id != ALL and args.import_id not in set(q.imports["import_id"]):
            return fail(f"no import {args.import_id!r} in {db_path(args)}", 2)
        q = q.for_import(args.import_id)
    if args.format == "json":
        print(json.dumps(q.as_dict(), ensure_ascii=False, default=str, indent=1))
    else:
        print(render(q))
    return 0
