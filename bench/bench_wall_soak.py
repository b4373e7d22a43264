"""The wall left running: refresh cycles of /wall in headless Chromium against a live server while
new snapshots are published, with a store outage in the middle. Run:

    .venv/bin/python bench/bench_wall_soak.py [--cycles 32] [--watch 2] [--requests 20000]

The rotating panel is pinned (?panel=1) so that the DOM node count compares like with like.
Each cycle publishes a snapshot with one more request (a later "data as of" time, as an import
does) and waits until the wall shows it by itself (its watch fragment, ?watch=SECONDS, no reload).
Per cycle it records the server's RSS (/proc), the page's DOM node count and whether any error
box is on screen. At cycle ``--outage`` the store file is moved away for a while: the wall must keep
the last data with a small "stale" marker, then recover when the file is back. Passes when the
RSS of the last cycle is within 10 % of its level after the first five, the DOM node count stays
within 5 %, no error box ever showed, and every new snapshot appeared. Results: printed, and
bench/results/wall-soak.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (from /proc)."""
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _children(pid: int) -> list[int]:
    try:
        kids = [int(k) for k in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return kids + [g for k in kids for g in _children(k)]


def publish(db: Path, at: dt.datetime, n: int) -> None:
    """A new snapshot with one more request received at ``at`` (what the wall's "as of" line shows)."""
    from metrics.store.snapshots import after_write, write_snapshot

    with write_snapshot(db, label="import") as con:
        unit = con.execute("SELECT unit_id FROM units WHERE level = 'grid' ORDER BY unit_id LIMIT 1").fetchone()[0]
        con.execute("INSERT INTO requests (request_id, received_at, unit_id, channel, category) "
                    "VALUES ($id, $at, $unit, 'hotline', '其他')", {"id": f"SOAK{n:06d}", "at": at, "unit": unit})
        after_write(con)


def as_of(db: Path) -> dt.datetime:
    from metrics.store.snapshots import open_read

    con = open_read(db)
    try:
        return con.execute("SELECT max(received_at) FROM requests").fetchone()[0]
    finally:
        con.close()


def wait_for(page, predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def soak(db: Path, cycles: int, watch: int, outage: int) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.conftest import running_server, wait_idle

    samples: list[dict] = []
    errors = 0
    missed: list[int] = []
    outage_ok = None
    last = as_of(db)
    with running_server(db) as url, sync_playwright() as pw:
        server_pid = _server_pid(url)
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(f"{url}/wall?watch={watch}&panel=1", timeout=120_000)   # pinned: the DOM is comparable
        page.wait_for_selector(".wall-head .meta", timeout=120_000)
        started = time.monotonic()
        for n in range(1, cycles + 1):
            last = last + dt.timedelta(minutes=1)
            publish(db, last, n)
            shown = f"{last:%Y-%m-%d %H:%M}"
            if not wait_for(page, lambda: shown in page.inner_text(".wall-head .meta"), 20 + 3 * watch):
                missed.append(n)
            wait_idle(page, 30_000)   # the rerun has finished drawing (no old and new elements side by side)
            errors += page.locator(ERRORS).count()
            samples.append({"cycle": n, "seconds": round(time.monotonic() - started, 1), "rss_mb": round(rss_mb(server_pid), 1),
                            "dom_nodes": page.evaluate("document.getElementsByTagName('*').length")})
            if n == outage:
                outage_ok = _outage(page, db, watch, shown)
                errors += page.locator(ERRORS).count()
        browser.close()
    base = samples[min(4, len(samples) - 1)]["rss_mb"]
    nodes = [s["dom_nodes"] for s in samples]
    result = {
        "cycles": cycles, "watch_s": watch, "rss_after_5_mb": base, "rss_last_mb": samples[-1]["rss_mb"],
        "rss_change": round(samples[-1]["rss_mb"] / base - 1, 4), "dom_first": nodes[0], "dom_last": nodes[-1],
        "dom_min": min(nodes), "dom_max": max(nodes), "error_boxes": errors, "missed_updates": missed,
        "outage_stale_marker_and_recovery": outage_ok, "samples": samples,
    }
    result["passed"] = (abs(result["rss_change"]) <= 0.10 and (max(nodes) - min(nodes)) <= 0.05 * nodes[0]
                        and errors == 0 and not missed and outage_ok is not False)
    return result


def _outage(page, db: Path, watch: int, shown: str) -> bool:
    """Move the store away: the wall keeps its data and says it is stale; move it back: it recovers."""
    away = db.with_name(db.name + ".away")
    os.replace(db, away)
    try:
        stale = wait_for(page, lambda: page.locator(".wall-stale").count() > 0, 20 + 3 * watch)
        kept = shown in page.inner_text(".wall-head .meta") and page.locator(".st-key-wall_kpis").count() > 0
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "test-artifacts" / "wall-stale.png"))
    finally:
        os.replace(away, db)
    recovered = wait_for(page, lambda: page.locator(".wall-stale").count() == 0, 20 + 3 * watch)
    return stale and kept and recovered


def _server_pid(url: str) -> int:
    port = url.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"streamlit" in b" ".join(cmd) and port.encode() in cmd:
                return int(proc.name)
    raise RuntimeError("server process not found")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=32)
    parser.add_argument("--watch", type=int, default=2)
    parser.add_argument("--outage", type=int, default=20)
    parser.add_argument("--requests", type=int, default=20_000)
    args = parser.parse_args()
    from metrics.demo import build_demo

    work = Path(tempfile.mkdtemp(prefix="wall-soak-"))
    try:
        db = work / "wall.duckdb"
        build_demo(db, requests=args.requests, seed=7, months=12, end=dt.date(2026, 10, 1))
        result = soak(db, args.cycles, args.watch, args.outage)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "wall-soak.json").write_text(json.dumps(result, indent=1, default=str))
    print(json.dumps({k: v for k, v in result.items() if k != "samples"}, indent=1, default=str))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
