"""Shared fixtures: a small demo store, the real Streamlit server, and headless Chromium.

Fixtures here are used across test files; anything used by one file stays in that file.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DEMO_END = dt.date(2026, 10, 1)     # fixed, so tests don't move with the calendar
DEMO_REQUESTS = 40_000
DEMO_SEED = 11
# Tests see auth as configured by their own fixtures (tests/auth_fixtures.py), never a gridscore.toml
# lying in the working copy: without one of those fixtures auth is off.
os.environ["GRIDSCORE_CONFIG"] = str(ROOT / "tests" / "no-such-config.toml")
for _key in ("GRIDSCORE_AUTH", "GRIDSCORE_COOKIE_SECRET", "GRIDSCORE_USERS", "GRIDSCORE_AUDIT_LOG"):
    os.environ.pop(_key, None)


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo city with 40k requests over 24 months ending 2026-10 (built once per session).

    Read-only by convention: tests that write copy it first (see ``demo_store_copy``).
    """
    from metrics.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo(path, requests=DEMO_REQUESTS, seed=DEMO_SEED, months=24, end=DEMO_END)
    return path


@pytest.fixture
def demo_store_copy(demo_store: Path, tmp_path: Path) -> Path:
    """A private copy of the demo store that a test may change."""
    import shutil

    dest = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_store, dest)
    return dest


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(db: Path, timeout: float = 60.0, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start `streamlit run app.py` cold against db (with extra ``env``); yield its base URL; stop it after."""
    port = free_port()
    env = {**os.environ, "GRIDSCORE_DB": str(db), **(env or {})}
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / f"server-{port}.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start; see {log.name}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def live_server(demo_store: Path) -> Iterator[str]:
    """The real app served over the demo store, started cold once per session."""
    with running_server(demo_store) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (installs chromium) or apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


def open_page(browser, url: str, *, width: int = 1920, height: int = 1080, timeout_ms: int = 60_000):
    """A new page at url, waited until Streamlit has finished running the script."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    page.goto(url)
    wait_idle(page, timeout_ms)
    return page


def wait_idle(page, timeout_ms: int = 60_000) -> None:
    """Wait for the app to render and for the running indicator to go away."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stMain"]', timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    quiet_since = None
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count() > 0
        if running:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 1.0:
            return
        time.sleep(0.2)
    raise TimeoutError(f"page {page.url} still running after {timeout_ms} ms")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_no_error(page) -> None:
    """No Streamlit exception or error box, and no traceback text."""
    assert page.locator('[data-testid="stException"]').count() == 0, f"exception on {page.url}"
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0, f"error box on {page.url}"
    assert "Traceback" not in page.inner_text("body"), f"traceback on {page.url}"
