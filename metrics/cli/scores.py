"""``python -m metrics scores``: assessment scores for one period and scheme, one row per unit.

Rows come in rank order, insufficient-sample units last with an empty rank and grade. Rates are
fractions 0-1, scores 0-100. ``--period`` names the month; for a window scheme (19th-18th) it names
the month the window ends in.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import duckdb
import pandas as pd

from metrics.assess.engine import NotInData, assess, left_out_note
from metrics.assess.lists import ranking
from metrics.cli.common import add_as_option, add_assessment_options, add_db_option, fail, open_for_scheme, viewer_of
from metrics.core.periods import Period
from metrics.assess.schemes import Scheme

RATES = ("response_rate", "resolution_rate", "satisfaction_rate")
COLUMNS = ("unit_id", "unit_name", "requests", *RATES, "score", "rank", "grade", "grade_en",
           "insufficient", "volume", "bonus", "deduction")
RATE_DECIMALS, SCORE_DECIMALS = 6, 4


def configure(parser: argparse.ArgumentParser) -> None:
    add_db_option(parser)
    add_as_option(parser)
    add_assessment_options(parser)
    parser.add_argument("--format", choices=("csv", "table", "json"), default="table")


def scores_frame(scored: pd.DataFrame, scheme_columns: tuple[str, ...]) -> pd.DataFrame:
    """The printed columns in rank order, rates and scores rounded for output."""
    cols = [c for c in (*COLUMNS, *scheme_columns) if c in scored]
    out = ranking(scored)[list(dict.fromkeys(cols))].copy()
    for c in out.columns:
        if c in RATES or c in scheme_columns and not c.endswith("_score"):
            out[c] = out[c].astype(float).round(RATE_DECIMALS)
        elif c == "volume":
            out[c] = out[c].astype("int64")
        elif c in ("score", "bonus", "deduction") or c.endswith("_score"):
            out[c] = out[c].astype(float).round(SCORE_DECIMALS)
    return out


def _print_table(out: pd.DataFrame, title: str) -> None:
    shown = out.drop(columns=[c for c in RATES if c in out and out[c].isna().all()])   # no survey: no columns
    for c in RATES:
        if c in shown:
            shown[c] = shown[c].map(lambda v: "" if pd.isna(v) else f"{v * 100:.1f}%")
    shown["score"] = shown["score"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
    shown = shown.astype(object).where(shown.notna(), "")
    print(title)
    print(shown.to_string(index=False))


def run(args: argparse.Namespace) -> int:
    viewer = viewer_of(args)
    if isinstance(viewer, int):
        return viewer
    opened = open_for_scheme(args)
    if isinstance(opened, int):
        return opened
    scheme, period, con = opened
    try:
        scored = assess(con, viewer, scheme, period, level=args.level, extra_metrics=RATES)
    except NotInData as exc:
        return fail(str(exc))
    except (duckdb.Error, KeyError) as exc:
        return fail(f"scoring failed: {exc}")
    finally:
        con.close()
    extra = tuple(c for i in scheme.indicators for c in (i.metric, f"{i.metric}_score"))
    out = scores_frame(scored, extra)
    note = left_out_note(scored, "en")
    try:
        _write(out, args, scheme, period)
        if note:
            print(f"note: {note}", file=sys.stdout if args.format == "table" else sys.stderr)
    except BrokenPipeError:            # piped into head: stop quietly (Python's documented recipe)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _write(out: pd.DataFrame, args: argparse.Namespace, scheme: Scheme, period: Period) -> None:
    if args.format == "csv":
        out.to_csv(sys.stdout, index=False, lineterminator="\n")
    elif args.format == "json":
        records = json.loads(out.to_json(orient="records", force_ascii=False))
        json.dump(records, sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        level = args.level or scheme.level
        _print_table(out, f"{scheme.title_zh} / {scheme.title_en} (v{scheme.version}) — {level}, "
                          f"{period.start:%Y-%m-%d} .. {period.end:%Y-%m-%d} (exclusive)")
