"""Every dashboard page in headless Chromium against the real server: cold load and warm filter changes.

The server is started cold (tests.conftest.running_server). ``cold`` = the first page ("/") on a
server just started; ``first`` = each page opened in a new browser session on the running server;
``warm`` = a filter change on an open page: a different month picked in the page's month box (the
sidebar's, or the assessment page's own), timed from the pick until the URL shows the new month and
the app has stopped running. /wall has no filter: its warm figure is a reload. A pick the page
drops (the URL never shows it) is counted in ``lost`` and not timed.

"Stopped running" = the main area is drawn, no running indicator and no skeleton, and it stays so
for ``QUIET_S``; the time is taken when that state began, so the quiet wait is not counted.
"""
from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from metrics.core.formats import fmt_period
from metrics.core.i18n import t
from metrics.core.periods import parse_month
from metrics.export.text import tx

QUIET_S = 0.6
POLL_S = 0.05
TIMEOUT_S = 120.0
DROPPED_S = 3.0   # a pick whose month is not in the URL after this long, with the app idle, was dropped
# path -> how a filter change is made: "sidebar" month box, "assessment" month box, "reload"
PAGES = {"/": "sidebar", "/response": "sidebar", "/resolution": "sidebar", "/satisfaction": "sidebar",
         "/assessment": "assessment", "/map": "sidebar", "/requests": "sidebar", "/wall": "reload"}
BUSY = '[data-testid="stStatusWidget"], [data-testid="stSkeleton"]'


def settle(page, since: float, timeout_s: float = TIMEOUT_S) -> float:
    """Seconds from ``since`` until the page stopped running (for good: quiet for QUIET_S after)."""
    deadline = time.perf_counter() + timeout_s
    done_at = None
    while time.perf_counter() < deadline:
        drawn = page.locator('[data-testid="stMain"]').count() > 0
        busy = page.locator(BUSY).count() > 0
        now = time.perf_counter()
        if drawn and not busy:
            done_at = done_at or now
            if now - done_at >= QUIET_S:
                return done_at - since
        else:
            done_at = None
        page.wait_for_timeout(1000 * POLL_S)   # (time.sleep would starve Playwright's events)
    raise TimeoutError(f"{page.url} still running after {timeout_s:.0f} s")


def load(context, url: str) -> tuple[object, float]:
    """A new page at url: (page, seconds until it stopped running)."""
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_S * 1000)
    t0 = time.perf_counter()
    page.goto(url)
    return page, settle(page, t0)


def _month_box(page, how: str):
    label = t("period.month", "zh") if how == "sidebar" else tx("period_month", "zh")
    scope = page.locator('[data-testid="stSidebar"]') if how == "sidebar" else page.locator('[data-testid="stMain"]')
    return scope.get_by_label(label, exact=True)


def pick_month(page, how: str, month: str) -> float | None:
    """Pick ``month`` (YYYY-MM) in the page's month box; seconds until done, None if the page dropped it."""
    option = fmt_period(parse_month(month), "zh") if how == "sidebar" else month
    _month_box(page, how).click()
    choice = page.get_by_role("option", name=option, exact=True)
    t0 = time.perf_counter()
    choice.click()
    deadline = t0 + TIMEOUT_S
    while f"period={month}" not in page.evaluate("location.search"):
        if time.perf_counter() > deadline:
            return None
        if time.perf_counter() - t0 > DROPPED_S and page.locator(BUSY).count() == 0:
            return None   # idle and the URL never showed the pick: dropped
        page.wait_for_timeout(1000 * POLL_S)
    return settle(page, t0)


def measure_page(browser, base: str, path: str, months: list[str]) -> dict:
    """First load in a new session, then one warm change per month in ``months``."""
    how = PAGES[path]
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    try:
        page, first = load(context, f"{base}{path}")
        warm, lost = [], 0
        for month in months:
            if how == "reload":
                t0 = time.perf_counter()
                page.reload()
                took = settle(page, t0)
            else:
                took = pick_month(page, how, month)
            if took is None:
                lost += 1      # the page kept its previous month: the next pick is still a change
            else:
                warm.append(took)
        errors = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').count()
    finally:
        context.close()
    return {"first_ms": ms(first), "warm_ms": [ms(w) for w in warm], "lost": lost, "errors": errors,
            **summary(warm)}


def ms(seconds: float) -> float:
    return round(1000 * seconds, 1)


def summary(seconds: list[float]) -> dict:
    if not seconds:
        return {"warm_p50_ms": None, "warm_p95_ms": None}
    return {"warm_p50_ms": ms(statistics.median(seconds)), "warm_p95_ms": ms(percentile(seconds, 0.95))}


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated quantile (numpy's default), without numpy."""
    s = sorted(values)
    pos = q * (len(s) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def server_pid(port: int) -> int | None:
    """The streamlit child serving ``port`` (a child of this process)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and b"streamlit" in b" ".join(cmd) and str(port).encode() in cmd:
            return int(proc.name)
    return None


def peak_rss_mb(pid: int) -> float | None:
    """A process's peak resident set so far (VmHWM)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    except OSError:
        return None
    return None


def measure_pages(db: Path, months: list[str], paths: list[str], cold_runs: int = 1) -> dict:
    """Cold loads of "/" on fresh servers, then every page's first load and warm changes on one server."""
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS, running_server

    out: dict = {"months": months, "pages": {}}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            cold, peaks = [], []
            for run in range(cold_runs):
                with running_server(db, timeout=120) as base:
                    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
                    _, took = load(context, f"{base}/")
                    context.close()
                    cold.append(took)
                    if run < cold_runs - 1:
                        peaks.append(peak_rss_mb(server_pid(int(base.rsplit(":", 1)[1])) or 0))
                        continue
                    pid = server_pid(int(base.rsplit(":", 1)[1]))
                    for path in paths:
                        out["pages"][path] = measure_page(browser, base, path, months)
                    peaks.append(peak_rss_mb(pid) if pid else None)
        finally:
            browser.close()
    warm = [w / 1000 for p in out["pages"].values() for w in p["warm_ms"]]
    out.update(cold_ms=ms(statistics.median(cold)), cold_runs_ms=[ms(c) for c in cold],
               app_peak_rss_mb=max((p for p in peaks if p), default=None), **summary(warm))
    return out
