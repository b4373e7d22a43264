"""Page reruns in headless Chromium against a running server: how long a period pick takes, from
the click on the option until the script has finished and the page has stopped changing.

For each page: ``change`` = picks of months not seen before (new queries on a warm server),
``cached`` = picks alternating between two months already computed (every result from the cache).
Medians (and min–max) over ``--picks`` picks × ``--rounds``. Run against servers you started yourself
(two or more ``--url`` take turns page by page, so a before/after comparison sees the same machine load):

    GRIDSCORE_DB=/tmp/bench.duckdb .venv/bin/streamlit run app.py --server.headless true --server.port 8599 &
    .venv/bin/python bench/bench_rerun.py --url http://127.0.0.1:8599 [--pages overview map] [--picks 7]

``script`` is click → the app's script state back to "notRunning"; ``quiet`` is click → the last
change in the page's main area (charts drawn), looked for until 600 ms pass without a change.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ("overview", "map", "response", "resolution", "satisfaction", "requests")
QUIET_MS = 600
WATCH = """() => {
  window.__states = []; window.__mutated = 0;
  const hook = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) { setTimeout(hook, 50); return; }
    new MutationObserver(records => { for (const r of records) window.__states.push([performance.now(), r.oldValue]); })
      .observe(app, {attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state']});
    new MutationObserver(() => { window.__mutated = performance.now(); })
      .observe(app, {subtree: true, childList: true, attributes: true, characterData: true});
  };
  hook();
}"""
# Done: the caption names the picked period and the script is not running (a run fast enough to leave the
# attribute unchanged between two frames is caught too); the time is the first change away from "running"
# after the click when there was one, else the moment this was seen.
DONE = """([t0, want]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const caption = document.querySelector('[data-testid="stMain"] [data-testid="stCaptionContainer"]');
  if (!caption || !caption.innerText.includes(want) || app.getAttribute('data-test-script-state') !== 'notRunning')
    return null;
  const e = window.__states.find(e => e[0] > t0 && e[1] === 'running');
  return (e ? e[0] : performance.now()) - t0; }"""


def months(end: dt.date, n: int) -> list[str]:
    out, year, month = [], end.year, end.month
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def pick(page, label: str, text: str, shows: str) -> tuple[float, float] | None:
    """Pick ``text`` in the sidebar box ``label``; (script ms, quiet ms) from the click on the option until
    the page's caption ``shows`` it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.locator('[data-testid="stSidebar"]').get_by_label(label, exact=True).click()
    page.keyboard.type(text)
    option = page.get_by_role("option", name=text, exact=True)
    option.wait_for()
    t0 = page.evaluate("performance.now()")
    option.click()
    try:
        script = page.wait_for_function(DONE, arg=[t0, shows], timeout=60_000, polling=10).json_value()
    except PlaywrightTimeout:   # the page never showed the pick: the sample is left out, and said
        print(f"  the pick of {text} never showed on {page.url}", file=sys.stderr)
        return None
    while page.evaluate("performance.now() - window.__mutated") < QUIET_MS:
        time.sleep(0.05)
    quiet = page.evaluate("window.__mutated") - t0
    return script, max(script, quiet)


def wait_ready(page) -> None:
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=300_000)
    page.wait_for_selector('[data-testid="stSidebar"]', timeout=300_000)
    while page.evaluate("performance.now() - window.__mutated") < 1500:
        time.sleep(0.1)


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def bench_page(browser, url: str, name: str, picks: int, end: dt.date, turn: int = 0) -> dict[str, dict[str, list[float]]]:
    """One page on one server; ``turn`` n picks the n-th set of new months (so they are new on each round)."""
    from metrics.core.formats import fmt_period
    from metrics.core.i18n import t
    from metrics.core.periods import parse_period

    label, caption = t("period.month"), t("period")
    pool = months(end, 3 + picks * (turn + 1))
    start, a, b, fresh = pool[0], pool[1], pool[2], pool[3 + picks * turn:]
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    page.add_init_script(f"({WATCH})()")
    path = "" if name == "overview" else name
    page.goto(f"{url}/{path}?period={start}")
    wait_ready(page)
    text = {m: fmt_period(parse_period(m), "zh") for m in pool}
    def go(month: str) -> tuple[float, float] | None:
        return pick(page, label, text[month], f"{caption} {text[month]}")

    out = {"change": [go(month) for month in fresh]}
    go(a)                                           # a and b computed once, then only from the cache
    go(b)
    out["cached"] = [go(a if i % 2 == 0 else b) for i in range(picks)]
    out = {kind: [r for r in runs if r is not None] for kind, runs in out.items()}
    context.close()
    return {kind: {"script_ms": [s for s, _ in runs], "quiet_ms": [q for _, q in runs]} for kind, runs in out.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", action="append", required=True,
                        help="a server; given twice or more, the servers take turns page by page (A/B runs)")
    parser.add_argument("--pages", nargs="*", default=list(PAGES))
    parser.add_argument("--picks", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=1, help="times each page is measured on each server")
    parser.add_argument("--end", default="2026-11", help="the store's last month, YYYY-MM")
    parser.add_argument("--out", type=Path, default=None, help="also write the results as JSON here")
    args = parser.parse_args()
    end = dt.date.fromisoformat(args.end + "-01")
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    runs: dict[str, dict[str, dict[str, dict[str, list[float]]]]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for turn in range(args.rounds):
            for name in args.pages:
                for url in args.url:
                    got = bench_page(browser, url, name, args.picks, end, turn)
                    for kind, measures in got.items():
                        for measure, values in measures.items():
                            runs.setdefault(url, {}).setdefault(name, {}).setdefault(kind, {}).setdefault(
                                measure, []).extend(values)
        browser.close()
    results = {url: {name: {kind: {m: summary(v) for m, v in measures.items()} for kind, measures in kinds.items()}
                     for name, kinds in pages.items()} for url, pages in runs.items()}
    for url, pages in results.items():
        print(url)
        for name, r in pages.items():
            print(f"  {name:<14}" + "   ".join(
                f"{kind} script {r[kind]['script_ms']['median']:5.0f} ms ({r[kind]['script_ms']['min']:.0f}–"
                f"{r[kind]['script_ms']['max']:.0f}) quiet {r[kind]['quiet_ms']['median']:5.0f} ms"
                for kind in ("change", "cached")), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
