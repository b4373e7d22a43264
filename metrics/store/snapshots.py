"""The DuckDB store: schema, read-only opening, and atomic snapshot writes.

A store is one DuckDB file (``PATH``). Readers open it read-only. Writers never touch
``PATH`` in place: :func:`write_snapshot` copies it to a private temporary file, writes
there, then archives the old file under ``PATH.history/`` and atomically renames the new
one over ``PATH``. Readers that still hold the old file keep a consistent view until they
reopen (the app reopens when :func:`data_version` changes); a writer killed mid-way
leaves only a stray temporary file, never a half-written store (the files around ``PATH``
and their clean-up: :mod:`metrics.store.files`); :mod:`metrics.store.history` rolls back and redoes.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import stat
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from metrics.core.sqlfiles import read_sql
from metrics.store import files
from metrics.store.files import HISTORY_KEEP, history_dir, list_snapshots, readers_dir
from metrics.store.rollup import refresh_rollups, refresh_touched

__all__ = ["HISTORY_KEEP", "DataVersion", "StoreError", "after_write", "check_schema", "create_schema", "data_version",
           "default_path", "history_dir", "list_snapshots", "open_read", "readers_dir", "rebuild_closure",
           "write_snapshot"]

SCHEMA_VERSION = 2   # 2: requests.location_status, import_fields
DEFAULT_DB = Path(__file__).resolve().parents[2] / "data" / "gridscore.duckdb"


def _writer_memory_mb() -> int:
    """A writer's DuckDB memory limit: 40% of RAM, so the caller's own data (the demo generator's
    frames) and the readers still fit; DuckDB's default (80%) let a 10M-row roll-up build be killed."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * 0.4 / 2**20)
    except (ValueError, OSError):
        return 4096


WRITER_MEMORY_MB = _writer_memory_mb()


class StoreError(RuntimeError):
    """A store that cannot be used: missing, not a GridScore store, or another schema version."""


def default_path() -> Path:
    """``$GRIDSCORE_DB`` if set, else data/gridscore.duckdb."""
    return Path(os.environ.get("GRIDSCORE_DB") or DEFAULT_DB)


@dataclass(frozen=True)
class DataVersion:
    """Identity of the current snapshot; changes whenever a write commits."""

    inode: int
    mtime_ns: int
    size: int


def data_version(path: Path) -> DataVersion:
    st = os.stat(path)
    return DataVersion(st.st_ino, st.st_mtime_ns, st.st_size)


def check_schema(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Raise StoreError unless the store has this code's schema version."""
    has_meta = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'gridscore_meta'"
    ).fetchone()[0]
    if not has_meta:
        raise StoreError(f"{path} is not a GridScore store (no gridscore_meta table).")
    row = con.execute("SELECT value FROM gridscore_meta WHERE key = 'schema_version'").fetchone()
    found = int(row[0]) if row else None
    if found != SCHEMA_VERSION:
        raise StoreError(
            f"{path} has schema version {found}, this GridScore expects {SCHEMA_VERSION}. "
            f"Rebuild it (python -m metrics demo --db {path}) or re-import your data."
        )


def open_read(path: Path | str | None = None) -> duckdb.DuckDBPyConnection:
    """Open the current snapshot read-only, after checking its schema version."""
    path = Path(path) if path else default_path()
    if not path.exists():
        raise StoreError(f"No GridScore store at {path}. Build one with: python -m metrics demo --db {path}")
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise StoreError(f"{path} is not a regular file, so it cannot be a GridScore store")
    files.tidy_if_idle(path)
    try:
        con = duckdb.connect(str(files.reader_link(path)), read_only=True)
    except duckdb.Error as exc:
        files.drop_reader_links(path)
        raise StoreError(f"{path} cannot be opened as a DuckDB database: {exc}") from exc
    try:
        check_schema(con, path)
    except BaseException:
        con.close()
        files.drop_reader_links(path)
        raise
    files.prune_reader_links(path)
    con.execute("SET parquet_metadata_cache = true")   # a store reading a lake counts its files on every query
    return con


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(read_sql("schema"))
    con.execute(read_sql("sync_state"))
    con.execute(
        "INSERT OR REPLACE INTO gridscore_meta VALUES ('schema_version', $v)", {"v": str(SCHEMA_VERSION)}
    )


def rebuild_closure(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute unit_ancestors from units.parent_id (depth 0 = the unit itself)."""
    con.execute("DELETE FROM unit_ancestors")
    con.execute(read_sql("closure"))


@contextlib.contextmanager
def write_snapshot(
    path: Path | str | None = None, *, fresh: bool = False, label: str = "write"
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a read-write connection to a new snapshot; publish it atomically on success.

    ``fresh=True`` starts from an empty store instead of a copy of the current one.
    On any exception the new snapshot is discarded and ``path`` is untouched. A store that
    cannot be written (read-only file or folder, not a regular file) is refused before any work.
    """
    path = Path(path) if path else default_path()
    check_writable(path)
    if path.exists() and not fresh:
        check_schema_file(path)   # before the lock file is made beside something that is not a store
    with files.writer_lock(path):
        files.remove_stale_temps(path)  # left by a writer that was killed; we hold the lock
        tmp = path.parent / f".{path.name}.tmp-{label}-{uuid.uuid4().hex[:12]}"
        if path.exists() and not fresh:
            check_schema_file(path)
            shutil.copyfile(path, tmp)
        con = duckdb.connect(str(tmp))
        con.execute(f"SET memory_limit = '{WRITER_MEMORY_MB}MB'")   # spills beyond it (to {tmp}.tmp/)
        try:
            if fresh or not path.exists():
                create_schema(con)
            yield con
            con.execute("CHECKPOINT")
            con.close()
        except BaseException:
            con.close()
            tmp.unlink(missing_ok=True)
            Path(f"{tmp}.wal").unlink(missing_ok=True)
            raise
        if path.exists():
            _archive(path, label)
        os.replace(tmp, path)
        files.fsync_dir(path.parent)
        files.interrupted_marker(path).unlink(missing_ok=True)
        shutil.rmtree(files.redo_dir(path), ignore_errors=True)   # a new write ends what could be redone
        files.prune_reader_links(path)


def check_writable(path: Path) -> None:
    """Raise StoreError now if a snapshot of path could not be published later."""
    problem = files.writable_problem(path)
    if problem:
        raise StoreError(problem)


def check_schema_file(path: Path) -> None:
    con = open_read(path)
    con.close()


def _archive(path: Path, label: str) -> None:
    hist = history_dir(path)
    hist.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    os.link(path, hist / f"{stamp}-{label}.duckdb")  # a hard link: no copy, old inode kept alive
    for old in list_snapshots(path)[HISTORY_KEEP:]:
        old.unlink()


def after_write(con: duckdb.DuckDBPyConnection, *, incremental: bool = False) -> None:
    """Derived tables every writer refreshes before its snapshot is published.

    Call it last inside :func:`write_snapshot` after changing units or requests. ``incremental``:
    the writer changed only requests (not the unit tree) and recorded every day it touched with
    :func:`metrics.store.rollup.mark_touched`; only those days' roll-up rows are rebuilt.
    """
    rebuild_closure(con)
    if incremental:
        refresh_touched(con)
    else:
        refresh_rollups(con)
