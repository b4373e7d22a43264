"""The audit log: who did what, when — logins (ok and failed), logouts, imports, rollbacks, exports,
scheme changes and account changes. Append-only JSON lines beside the store (``<db>.audit.jsonl``,
or ``audit_log`` in the config / ``$GRIDSCORE_AUDIT_LOG``), written under an exclusive lock.

Each entry carries ``prev``: an HMAC (keyed by the cookie secret, plain SHA-256 without one) of the
line before it, so an edited or deleted line breaks the chain and :func:`verify` names where.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
from collections.abc import Callable
from pathlib import Path

ACTIONS = ("login", "login_failed", "login_locked", "logout", "import", "rollback", "redo", "export",
           "scheme_save", "mapping_save", "user_add", "user_passwd", "user_remove")
_TAIL = 65536


def audit_path(db: Path | str, configured: Path | None = None) -> Path:
    return configured or Path(os.environ.get("GRIDSCORE_AUDIT_LOG") or f"{db}.audit.jsonl")


def _digest(line: bytes, secret: str) -> str:
    if secret:
        return hmac.new(secret.encode("utf-8"), line, hashlib.sha256).hexdigest()
    return hashlib.sha256(line).hexdigest()


def _last_line(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    if not size:
        return b""
    start = max(0, size - _TAIL)
    tail = os.pread(fd, size - start, start).rstrip(b"\n")
    return tail.rsplit(b"\n", 1)[-1]


def append_json_line(log: Path, entry: Callable[[int], dict[str, object]], mode: int = 0o600) -> dict[str, object]:
    """Append ``entry(fd)`` (built while holding an exclusive lock on the open file) as one JSON line."""
    log.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log, os.O_RDWR | os.O_APPEND | os.O_CREAT, mode)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        built = entry(fd)
        os.write(fd, (json.dumps(built, ensure_ascii=False, default=str) + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    return built


def append(log: Path, *, who: str, action: str, secret: str = "", address: str | None = None,
           **what: object) -> dict[str, object]:
    """Append one entry and return it."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    return append_json_line(log, lambda fd: {
        "at": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "who": who, "action": action,
        "address": address, **what, "prev": _digest(_last_line(fd), secret)})


def read_json_lines(log: Path, limit: int, keep_unreadable: bool = True) -> list[dict[str, object]]:
    """The newest ``limit`` entries of a JSON-lines log, newest first; an unreadable line is kept as
    ``{"action": "unreadable", "line": ...}`` (so a damaged log shows) or skipped."""
    if not log.exists():
        return []
    entries = []
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            if keep_unreadable:
                entries.append({"action": "unreadable", "line": line[:200]})
    return entries[::-1][:limit]


def read(log: Path, limit: int = 500) -> list[dict[str, object]]:
    """The newest ``limit`` audit entries, newest first."""
    return read_json_lines(log, limit)


def verify(log: Path, secret: str = "") -> list[int]:
    """Line numbers (1-based) whose ``prev`` does not match the line before: empty when intact."""
    if not log.exists():
        return []
    broken, previous = [], b""
    for number, line in enumerate(log.read_bytes().split(b"\n")[:-1], start=1):
        try:
            prev = json.loads(line).get("prev")
        except (json.JSONDecodeError, AttributeError):
            prev = None
        if prev != _digest(previous, secret):
            broken.append(number)
        previous = line
    return broken
