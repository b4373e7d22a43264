"""Do two stores show the same pages? Serves both with the real app and reads them in headless Chromium.

    python bench/lake_overview.py STORE_A STORE_B [--path "/?period=2026-11"] ...

Used for issue 16: a province's roll-ups built by Spark and by DuckDB from the same lake, each attached
to a copy of the demo store, show the same overview. Prints, per page, the seconds each took to settle
and whether the main area's text (tiles, trend, rankings, alerts) is identical; screenshots go to
test-artifacts/. Exit 1 on any difference.
"""
from __future__ import annotations

import argparse
import difflib
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, running_server, screenshot  # noqa: E402
from tests.test_browser_lake import main_text  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stores", nargs=2, type=Path)
    parser.add_argument("--path", action="append", default=None, help="page path with query (repeatable)")
    args = parser.parse_args()
    paths = args.path or ["/"]
    from playwright.sync_api import sync_playwright

    failed = False
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        with running_server(args.stores[0], timeout=180) as url_a, running_server(args.stores[1], timeout=180) as url_b:
            for path in paths:
                texts = []
                for label, url, store in (("a", url_a, args.stores[0]), ("b", url_b, args.stores[1])):
                    started = time.perf_counter()
                    text, page = main_text(browser, url + path)
                    seconds = time.perf_counter() - started
                    name = f"{store.stem}-{re.sub(r'[^A-Za-z0-9]+', '-', path).strip('-') or 'overview'}"
                    print(f"{label} {store}: {path} settled in {seconds:.1f} s -> {screenshot(page, name)}")
                    page.context.close()
                    texts.append(text)
                same = texts[0] == texts[1]
                failed |= not same
                print(f"{path}: {'same text' if same else 'DIFFERENT'} ({len(texts[0])} characters)")
                if not same:
                    print("\n".join(difflib.unified_diff(texts[0].splitlines(), texts[1].splitlines(), lineterm="")))
        browser.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
