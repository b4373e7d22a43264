"""bench/run.py's output: the machine, the one-line JSON summary and the printed table."""
from __future__ import annotations

import os
from pathlib import Path


def machine() -> dict:
    """Cores, RAM and CPU model of this machine."""
    cpu = next((line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")),
               None)
    mem_kb = next((int(line.split()[1]) for line in _lines("/proc/meminfo") if line.startswith("MemTotal:")), 0)
    return {"cores": os.cpu_count(), "ram_gb": round(mem_kb / 2**20, 1), "cpu": cpu}


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def _get(d: dict | None, *keys: str):
    for key in keys:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def headline(r: dict) -> dict:
    """The figures of the last line (None where a step was skipped)."""
    s = r["scores"]
    imports, page_set = r.get("imports"), r.get("pages")
    per_page = (page_set or {}).get("pages", {})
    medians = [p["warm_p50_ms"] for p in per_page.values() if p.get("warm_p50_ms") is not None]
    refs = [s[k] for k in ("pandas", "polars") if "equal" in s.get(k, {})]
    return {
        "rows": r["rows"], "quick": r["quick"],
        "demo_build_s": r["demo"]["seconds"], "demo_reused": r["demo"]["reused"],
        "demo_peak_rss_mb": r["demo"].get("peak_rss_mb"),
        "scores_ms": s["engine"]["median_ms"], "pandas_scores_ms": _get(s, "pandas", "median_ms"),
        "polars_scores_ms": _get(s, "polars", "median_ms"),
        "pandas_ratio": _get(s, "pandas", "ratio_to_engine"), "polars_ratio": _get(s, "polars", "ratio_to_engine"),
        "scores_equal": all(x["equal"] for x in refs), "polars_skipped": "skipped" in s.get("polars", {}),
        "page_warm_p50_ms": _get(page_set, "warm_p50_ms"), "page_warm_p95_ms": _get(page_set, "warm_p95_ms"),
        "page_warm_worst_p50_ms": max(medians) if medians else None,
        "page_cold_ms": _get(page_set, "cold_ms"),
        "pages_dropped_picks": sum(p["lost"] for p in per_page.values()) if per_page else None,
        "import_rows_per_s": _get(imports, "first", "rows_per_s"), "import_s": _get(imports, "first", "wall_s"),
        "reimport_s": _get(imports, "again", "wall_s"), "small_import_s": _get(imports, "small", "wall_s"),
        "scorecards_s": _get(r, "scorecards", "wall_s"),
        "app_peak_rss_mb": _get(page_set, "app_peak_rss_mb"),
        "commands_peak_rss_mb": max((x for x in (r["demo"].get("peak_rss_mb"), _get(r, "scorecards", "peak_rss_mb"),
                                                 *(_get(imports, k, "peak_rss_mb") for k in ("first", "again", "small")))
                                     if x is not None), default=None),
        "load_avg": [round(x, 2) for x in r["load_avg_end"]], "load_avg_start": [round(x, 2) for x in r["load_avg_start"]],
        **r["machine"],
    }


def table(r: dict) -> str:
    """The human-readable table of one size's figures."""
    h = headline(r)
    s = r["scores"]
    rows = [f"== {r['rows']:,} requests{' (quick)' if r['quick'] else ''} · {h['cores']} cores, {h['ram_gb']} GB, "
            f"{h['cpu']} · load {h['load_avg_start'][0]} → {h['load_avg'][0]}",
            f"demo build            {h['demo_build_s']:>10} s   peak RSS {h['demo_peak_rss_mb']} MB"
            f"{'  (reused store: recorded build)' if h['demo_reused'] else ''}",
            f"scores, engine        {_ms(s['engine'])}   {s['streets']} streets, {s['ranked']} ranked, {s['month']}"]
    for ref in ("pandas", "polars"):
        x = s.get(ref, {})
        if "skipped" in x:
            rows.append(f"scores, {ref:<13} skipped: {x['skipped']}")
        else:
            verdict = "equal" if x["equal"] else f"{x['differences']} DIFFERENCES, e.g. {x['examples'][:2]}"
            rows.append(f"scores, {ref:<13} {_ms(x)}   ×{x['ratio_to_engine']} engine, {verdict}")
    if r.get("scorecards"):
        c = r["scorecards"]
        rows.append(f"scorecards ({c['format']})      {c['wall_s']:>10} s   peak RSS {c['peak_rss_mb']} MB, {c['mb']} MB")
    if r.get("pages"):
        p = r["pages"]
        rows.append(f"pages: cold '/' {p['cold_ms']} ms (runs {p['cold_runs_ms']}), server peak RSS "
                    f"{p['app_peak_rss_mb']} MB; warm over all picks p50 {p['warm_p50_ms']} ms, p95 {p['warm_p95_ms']} ms")
        rows.append(f"  {'page':<14}{'first ms':>10}{'warm p50':>10}{'warm p95':>10}{'picks':>7}{'dropped':>9}")
        for path, x in p["pages"].items():
            rows.append(f"  {path:<14}{x['first_ms']:>10}{_n(x['warm_p50_ms']):>10}{_n(x['warm_p95_ms']):>10}"
                        f"{len(x['warm_ms']):>7}{x['lost']:>9}")
    if r.get("imports"):
        i = r["imports"]
        for key, label in (("first", "import, first"), ("again", "import, same file"), ("small", "import, 1,000 new")):
            x = i[key]
            if "error" in x:
                rows.append(f"{label:<21}     FAILED   {x['error']}")
                continue
            rate = f"{x['rows_per_s']:,} rows/s" if "rows_per_s" in x else f"into {x['into_rows']:,}"
            rows.append(f"{label:<21} {x['wall_s']:>10} s   {rate}, CPU {x['cpu_s']} s, peak RSS {x['peak_rss_mb']} MB")
    rows.append("step seconds: " + ", ".join(f"{k} {v}" for k, v in r.get("step_s", {}).items()))
    return "\n".join(rows)


def _ms(x: dict) -> str:
    return f"{x['median_ms']:>10} ms (min {x['min_ms']}, max {x['max_ms']}, n={x['runs']})"


def _n(v) -> str:
    return "-" if v is None else str(v)
