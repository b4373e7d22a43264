"""The run log (<db>.runs.jsonl): appended by runs, newest first, shown on the Data page."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics.store.runlog import read_runs, record_run, run_log_path
from tests.ingest_fixtures import build_tiny_store

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "views" / "data.py")


def test_runs_are_appended_and_read_newest_first(tmp_path: Path) -> None:
    log = run_log_path(tmp_path / "store.duckdb")
    assert log.name == "store.duckdb.runs.jsonl" and read_runs(log) == []
    started = dt.datetime.now() - dt.timedelta(seconds=3)
    record_run(log, what="sync", rows=12, detail="a", started=started)
    record_run(log, what="bulletin", files=["/x/b.docx"], error="boom")
    with open(log, "a", encoding="utf-8") as f:
        f.write("not json\n")
    runs = read_runs(log)
    assert [r["what"] for r in runs] == ["bulletin", "sync"]
    assert runs[1]["rows"] == 12 and runs[1]["seconds"] >= 3 and runs[0]["error"] == "boom"
    assert len(read_runs(log, limit=1)) == 1


def test_failed_bulletin_run_is_logged(tmp_path: Path) -> None:
    db = build_tiny_store(tmp_path / "store.duckdb")
    done = subprocess.run([sys.executable, "-m", "metrics", "bulletin", "--db", str(db), "--period", "2026-13",
                           "--format", "docx", "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.startswith("error: ")
    [run] = read_runs(run_log_path(db))
    assert run["what"] == "bulletin" and "2026-13" in run["error"] and run["files"] == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_data_page_shows_the_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    db = build_tiny_store(tmp_path / "store.duckdb")
    record_run(run_log_path(db), what="sync", rows=7, detail="postgresql+psycopg://u:***@h/db|table=t")
    record_run(run_log_path(db), what="bulletin", files=[str(tmp_path / "b.docx"), str(tmp_path / "b.pdf")],
               error="<b>not markup</b>")
    monkeypatch.setenv("GRIDSCORE_DB", str(db))
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception
    runs = next(d.value for d in at.dataframe if "what" in d.value)
    assert runs["what"].tolist() == ["bulletin", "sync"]
    assert runs["files"].tolist() == ["b.docx, b.pdf", ""]
    assert runs["error"].tolist() == ["<b>not markup</b>", ""]
    assert runs["rows"].tolist()[1] == 7
