"""The run log: every scheduled or command-line run (sync, bulletin, scorecard), one JSON line each.

Kept beside the store at ``<db>.runs.jsonl`` (override with ``$GRIDSCORE_RUN_LOG``) like the export
log, because a snapshot write replaces the store file. Appended under an exclusive lock with a single
write, so runs started by cron at the same moment never interleave; the Data page shows the newest.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from metrics.core.audit import append_json_line, read_json_lines

ENV = "GRIDSCORE_RUN_LOG"


def run_log_path(db: Path | str) -> Path:
    return Path(os.environ.get(ENV) or f"{db}.runs.jsonl")


def record_run(log: Path, *, what: str, rows: int | None = None, files: list[str] | None = None,
               error: str | None = None, detail: str = "", started: dt.datetime | None = None) -> dict[str, object]:
    """Append one run: what ran, rows read or written, files produced, the error if it failed."""
    now = dt.datetime.now().astimezone()
    entry = {"at": now.isoformat(timespec="seconds"), "what": what, "rows": rows, "files": files or [],
             "error": error, "detail": detail,
             "seconds": round((now - started.astimezone()).total_seconds(), 2) if started else None}
    append_json_line(log, lambda _fd: entry, 0o644)
    return entry


def read_runs(log: Path, limit: int = 50) -> list[dict[str, object]]:
    """The newest ``limit`` runs, newest first."""
    return read_json_lines(log, limit, keep_unreadable=False)
