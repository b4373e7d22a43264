"""Rollback and redo: which snapshot becomes current, and what that undoes, said before doing it.

``rollback`` makes the newest archived snapshot current and keeps the one it replaces in
``PATH.history/redo/``; ``redo`` puts that back (archiving the current one again), so a
rollback can itself be undone. Any new write empties ``redo/``. If the last write was killed
(its temporary file, or the marker left after that file was removed, is there), that write
changed nothing: ``rollback`` then only clears its leftovers and says so, instead of undoing
the previous, successful import.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from metrics.store import files
from metrics.store.snapshots import StoreError, check_schema, check_writable


@dataclass(frozen=True)
class Write:
    """One row of ``imports``: a write that the change undoes or brings back."""

    import_id: str
    kind: str
    file: str | None
    finished_at: dt.datetime | None
    read: int
    inserted: int
    updated: int

    def describe(self) -> str:
        when = f"{self.finished_at:%Y-%m-%d %H:%M:%S}" if self.finished_at else "?"
        what = f"{self.kind} {self.import_id}" + (f" of {self.file}" if self.file else "")
        return f"{what} at {when}: read {self.read:,}, inserted {self.inserted:,}, updated {self.updated:,}"


@dataclass(frozen=True)
class Change:
    """What a rollback or redo did (or, with ``interrupted``, why it changed nothing)."""

    action: str                       # "rollback" / "redo"
    restored: Path                    # the snapshot file made current (before the move)
    archived_at: dt.datetime | None   # when the restored snapshot stopped being current
    requests_before: int
    requests_after: int
    writes: list[Write] = field(default_factory=list)   # undone (rollback) or brought back (redo)
    interrupted: str | None = None    # the leftover of a killed write that was cleared instead

    def describe(self) -> str:
        if self.interrupted:
            return (f"the last write ({self.interrupted}) was interrupted and changed nothing; its leftovers were "
                    "removed and the store is unchanged. Run rollback again to undo the last completed write.")
        verb = "undoes" if self.action == "rollback" else "brings back"
        when = f" (current until {self.archived_at:%Y-%m-%d %H:%M:%S})" if self.archived_at else ""
        lines = [f"{self.action}: restored the snapshot {self.restored.name}{when}; "
                 f"requests {self.requests_before:,} -> {self.requests_after:,}"]
        lines += [f"  {verb} {w.describe()}" for w in self.writes] or [f"  {verb} a write not recorded in imports"]
        return "\n".join(lines)


def _archive_time(snapshot: Path) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(snapshot.name.split("-", 1)[0], "%Y%m%dT%H%M%S%f")
    except ValueError:
        return None


def _contents(path: Path) -> tuple[int, dict[str, Write]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        check_schema(con, path)
        requests = con.execute("SELECT count(*) FROM requests").fetchone()[0]
        rows = con.execute("SELECT import_id, kind, file, finished_at, rows_read, rows_inserted, rows_updated "
                           "FROM imports ORDER BY finished_at").fetchall()
    except duckdb.Error as exc:
        raise StoreError(f"{path} cannot be read as a GridScore snapshot: {exc}") from exc
    finally:
        con.close()
    return requests, {r[0]: Write(*r) for r in rows}


def _swap(path: Path, snapshot: Path, keep_in: Path, action: str) -> Change:
    """Make snapshot current; the current file goes into keep_in (a hard link, no copy)."""
    link = files.reader_link(path)   # the current file under its own name, for reading beside the move
    try:
        now_requests, now_writes = _contents(link if link != path else path)
        then_requests, then_writes = _contents(snapshot)
    finally:
        files.prune_reader_links(path)
    keep_in.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    os.link(path, keep_in / f"{stamp}-{action}.duckdb")
    os.replace(snapshot, path)
    files.fsync_dir(path.parent)
    files.prune_reader_links(path)
    if action == "rollback":
        changed = [w for k, w in now_writes.items() if k not in then_writes]
    else:
        changed = [w for k, w in then_writes.items() if k not in now_writes]
    return Change(action, snapshot, _archive_time(snapshot), now_requests, then_requests, changed)


def _require_store(path: Path) -> None:
    if not path.is_file():
        raise StoreError(f"No GridScore store at {path}.")
    check_writable(path)


def rollback(path: Path) -> Change:
    """Make the newest archived snapshot current; keep the replaced one for :func:`redo`.

    After a killed write, only clear its leftovers (that write changed nothing).
    """
    _require_store(path)
    with files.writer_lock(path):
        marker = files.interrupted_marker(path)
        leftovers = files.stale_temps(path)
        if leftovers or marker.exists():
            name = leftovers[0].name if leftovers else marker.read_text().strip()
            files.remove_stale_temps(path)
            marker.unlink(missing_ok=True)
            requests, _ = _contents(path)
            return Change("rollback", path, None, requests, requests, interrupted=name)
        snaps = files.list_snapshots(path)
        if not snaps:
            raise StoreError(f"No earlier snapshot of {path} to roll back to ({files.history_dir(path)} is empty).")
        return _swap(path, snaps[0], files.redo_dir(path), "rollback")


def redo(path: Path) -> Change:
    """Undo the last rollback: make the snapshot it replaced current again."""
    _require_store(path)
    with files.writer_lock(path):
        files.remove_stale_temps(path)
        kept = files.snapshots_in(files.redo_dir(path))
        if not kept:
            raise StoreError(f"Nothing to redo for {path}: no rollback since the last write.")
        change = _swap(path, kept[0], files.history_dir(path), "redo")
        files.interrupted_marker(path).unlink(missing_ok=True)
        for old in files.list_snapshots(path)[files.HISTORY_KEEP:]:
            old.unlink()
        return change
