"""The export log: who exported what, when — an append-only JSON-lines file beside the store.

The store is published as read-only snapshots (metrics/store.py), and a new snapshot replaces
the file, so the log is not kept inside DuckDB: it lives at ``<db>.exports.jsonl`` (override
with ``$GRIDSCORE_EXPORT_LOG``), survives imports and rollbacks, and is read by the page.
One JSON object a line, appended under an exclusive lock with a single write.
"""
from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import os
from pathlib import Path

from metrics.core.audit import append_json_line, read_json_lines

ENV = "GRIDSCORE_EXPORT_LOG"


def log_path(db: Path | str) -> Path:
    return Path(os.environ.get(ENV) or f"{db}.exports.jsonl")


def current_user() -> str:
    """Who runs a command-line export: $GRIDSCORE_USER, else the login name."""
    try:
        return os.environ.get("GRIDSCORE_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def file_entry(name: str, data: bytes | None = None, path: Path | None = None) -> dict[str, object]:
    """A file as logged: name, path (if written to disk), size and sha256."""
    if data is None and path is not None:
        data = path.read_bytes()
    data = data or b""
    return {"name": name, "path": str(path) if path else None, "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}


def record(log: Path, *, who: str, via: str, scheme: str, version: str, period: str, level: str,
           fmt: str, units: list[str] | None, files: list[dict[str, object]]) -> dict[str, object]:
    """Append one export to the log and return the entry."""
    entry = {
        "at": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "who": who, "via": via,
        "scheme": scheme, "version": version, "period": period, "level": level, "format": fmt,
        "units": units, "files": files,
    }
    append_json_line(log, lambda _fd: entry, 0o644)
    return entry


def read_log(log: Path, limit: int = 200) -> list[dict[str, object]]:
    """The newest ``limit`` entries, newest first; unreadable lines are skipped."""
    return read_json_lines(log, limit, keep_unreadable=False)
