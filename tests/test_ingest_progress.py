"""Import progress: every stage reports, always from the caller's thread (Streamlit needs that)."""
from __future__ import annotations

import json
import threading
from pathlib import Path

from metrics.ingest import ImportOptions, import_files
from tests.ingest_fixtures import build_tiny_store, write_hotline_csv


def test_progress_reaches_every_stage_from_the_calling_thread(tmp_path: Path) -> None:
    db = build_tiny_store(tmp_path / "store.duckdb")
    path = tmp_path / "h.csv"
    write_hotline_csv(path, 20_000, "gb18030")
    calls: list[tuple[str, int, int, int]] = []
    [r] = import_files(db, [path], progress=lambda p, stage, done, total: calls.append(
        (stage, done, total, threading.get_ident())))
    assert r.reconciles and r.inserted == 20_000
    assert {c[3] for c in calls} == {threading.get_ident()}
    assert [s for s in dict.fromkeys(c[0] for c in calls)] == ["read", "check", "place", "write"]
    assert all(0 <= done <= total for _, done, total, _ in calls if total)


def test_failure_in_the_worker_is_reported_as_before(tmp_path: Path) -> None:
    db = build_tiny_store(tmp_path / "store.duckdb")
    bad = tmp_path / "requests.json"
    bad.write_text(json.dumps([{"service_request_id": "1"}])[:-1], encoding="utf-8")
    [r] = import_files(db, [bad], ImportOptions(fmt="open311"), progress=lambda *a: None)
    assert r.error and "not a JSON document" in r.error
