"""GridScore's one-command benchmark (issue 14): build or reuse demo stores, measure everything in one run.

    python bench/run.py [--rows N ...] [--quick] [--work DIR] [--skip pages imports scorecards]

For each store size (default 1M and 10M requests; 50M if asked): the demo build (or the recorded
build of the reused store), one month's street scores by the engine (metrics.assess) and by
independent pandas and polars references on a Parquet export (checked equal: counts exactly, rates
and scores within 1e-9), batch scorecards (the scorecard command), every page's cold load and warm
filter change in headless Chromium, and CSV imports (first import of the store's requests into a
fresh store, the same file again, 1,000 new rows into the store). Peak RSS of the server and of
every command. Prints a table per size, writes bench/results/<time>-<rows>.json, and prints as its
LAST line one JSON object (the last size). Exit status 1 when a reference disagrees with the engine.

``--quick``: fewer repeats and picks (3 warm picks a page, one cold start, 3 score runs, 1 pandas run).
Stores live in ``--work`` (default bench/stores/, git-ignored) and are reused when a store of the same
rows and seed is there; the reused store's recorded build time is reported with ``reused``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import pages, scores, stores  # noqa: E402
from bench.report import headline, machine, table  # noqa: E402

RESULTS = ROOT / "bench" / "results"
MONTHS = ["2026-08", "2026-07", "2026-06", "2026-05", "2026-04", "2026-03", "2026-02", "2026-01"]
STEPS = ("pages", "imports", "scorecards")


def measure(rows: int, args: argparse.Namespace) -> dict:
    """Every figure for one store size."""
    quick = args.quick
    out: dict = {"rows": rows, "quick": quick, "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                 "load_avg_start": os.getloadavg()}
    steps = out["step_s"] = {}
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        steps[name] = round(time.perf_counter() - clock, 1)
        clock = time.perf_counter()

    db, out["demo"] = stores.demo_store(args.work, rows, args.seed)
    step("demo")
    print(f"store {db} ({'reused' if out['demo']['reused'] else 'built'}: {out['demo']['seconds']} s)", flush=True)
    out["scores"] = scores.compare_scores(db, args.work / f"{db.stem}-parquet", args.month, 3 if quick else 7,
                                          args.scheme, pandas_repeats=1 if quick else 3)
    step("scores")
    if "scorecards" not in args.skip:
        out["scorecards"] = stores.scorecards(db, args.month)
        print(f"scorecards: {out['scorecards']['wall_s']} s", flush=True)
        step("scorecards")
    if "pages" not in args.skip:
        wanted = args.pages or list(pages.PAGES)
        out["pages"] = pages.measure_pages(db, MONTHS[:3 if quick else 8], wanted, cold_runs=1 if quick else 3)
        print(f"pages: warm p50 {out['pages']['warm_p50_ms']} ms", flush=True)
        step("pages")
    if "imports" not in args.skip:
        out["imports"] = stores.csv_imports(db, args.work)
        print(f"imports: first {out['imports']['first'].get('wall_s', 'failed')} s", flush=True)
        step("imports")
    out["load_avg_end"] = os.getloadavg()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and picks")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "stores", help="where stores are kept")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--month", default="2026-09", help="the month scored (stores end in 2026-10)")
    parser.add_argument("--scheme", default=scores.DEFAULT_SCHEME)
    parser.add_argument("--skip", nargs="*", choices=STEPS, default=[])
    parser.add_argument("--pages", nargs="*", choices=list(pages.PAGES), help="only these pages")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON results go")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    host = machine()
    line: dict = {}
    ok = True
    for rows in args.rows:
        result = measure(rows, args)
        result["machine"] = host
        result["python"] = platform.python_version()
        line = headline(result)
        ok = ok and line["scores_equal"]
        print(table(result), flush=True)
        args.results.mkdir(parents=True, exist_ok=True)
        path = args.results / f"{dt.datetime.now():%Y%m%dT%H%M%S}-{rows}.json"
        result["headline"] = line
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        print(f"results: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}", flush=True)
    line["wall_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(line, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
