"""Dashboard pages on a large store: how long each page takes to run, through the real app (AppTest).

For each page: ``first`` = the first run (cold result cache, the store already open), ``change`` =
a rerun after a filter change (the previous month: new queries, warm connection), ``cached`` = the
same view again (results from st.cache_data). Run:

    .venv/bin/python bench/bench_pages.py --requests 1000000 [--db /tmp/bench-1m.duckdb]

The store is built with the demo generator if the file does not exist. Results go to
bench/results/pages-<requests>.json and are printed as a table.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ("overview", "map", "response", "resolution", "satisfaction", "requests", "glossary",
         "overview?level=grid", "map?layer=hex&res=8", "map?level=grid", "requests?metric=satisfaction_rate&sort=category")
END = dt.date(2026, 10, 1)


def build(path: Path, requests: int) -> float:
    from metrics.demo import build_demo

    t0 = time.perf_counter()
    build_demo(path, requests=requests, seed=7, months=24, end=END)
    return time.perf_counter() - t0


def timed_run(at) -> float:
    t0 = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"page failed: {at.exception[0].message}")
    return elapsed


def bench_page(spec: str, repeats: int) -> dict[str, float]:
    """``spec`` = a page name with optional query parameters, e.g. ``map?layer=hex&res=8``."""
    from urllib.parse import parse_qsl

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    page, _, query = spec.partition("?")

    out: dict[str, list[float]] = {"first": [], "change": [], "cached": []}
    for _ in range(repeats):
        st.cache_data.clear()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at.run()                                   # opens the store (cache_resource) on the Overview
        if page != "overview":
            at.switch_page(f"views/{page}.py")
        for key, value in parse_qsl(query):
            at.query_params[key] = value
        at.query_params["period"] = "2026-09"
        out["first"].append(timed_run(at))
        at.query_params["period"] = "2026-08"      # a filter change: new queries
        out["change"].append(timed_run(at))
        out["cached"].append(timed_run(at))        # the same view again
    return {k: statistics.median(v) for k, v in out.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--pages", nargs="*", default=list(PAGES))
    args = parser.parse_args()
    db = args.db or Path(f"/tmp/gridscore-bench-{args.requests}.duckdb")
    built = None
    if not db.exists():
        print(f"building {args.requests:,} requests into {db} ...", flush=True)
        built = build(db, args.requests)
        print(f"  built in {built:.1f} s", flush=True)
    os.environ["GRIDSCORE_DB"] = str(db)
    results = {}
    for page in args.pages:
        results[page] = bench_page(page, args.repeats)
        r = results[page]
        print(f"{page:<48} first {r['first']:6.2f} s   change {r['change']:6.2f} s   cached {r['cached']:6.2f} s",
              flush=True)
    out = ROOT / "bench" / "results" / f"pages-{args.requests}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"requests": args.requests, "db": str(db), "build_seconds": built,
                               "seconds": results}, indent=2))
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
