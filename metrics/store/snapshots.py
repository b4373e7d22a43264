"""The DuckDB store: schema, read-only opening, and atomic snapshot writes.

A store is one DuckDB file (``PATH``). Readers open it read-only. Writers never touch
``PATH`` in place: :func:`write_snapshot` copies it to a private temporary file, writes
there, then archives the old file under ``PATH.history/`` and atomically renames the new
one over ``PATH``. Readers that still hold the old file keep a consistent view until they
reopen (the app reopens when :func:`data_version` changes); a writer killed mid-way
leaves only a stray temporary file, never a half-written store; :func:`rollback` puts the
newest archived snapshot back.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from metrics.core.sqlfiles import read_sql
from metrics.store.rollup import refresh_rollups

SCHEMA_VERSION = 1
DEFAULT_DB = Path(__file__).resolve().parents[2] / "data" / "gridscore.duckdb"
HISTORY_KEEP = 5


class StoreError(RuntimeError):
    """A store that cannot be used: missing, not a GridScore store, or another schema version."""


def default_path() -> Path:
    """``$GRIDSCORE_DB`` if set, else data/gridscore.duckdb."""
    return Path(os.environ.get("GRIDSCORE_DB") or DEFAULT_DB)


def history_dir(path: Path) -> Path:
    return Path(f"{path}.history")


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
    try:
        con = duckdb.connect(str(_reader_link(path)), read_only=True)
    except duckdb.Error as exc:
        raise StoreError(f"{path} cannot be opened as a DuckDB database: {exc}") from exc
    try:
        check_schema(con, path)
    except BaseException:
        con.close()
        raise
    return con


def readers_dir(path: Path) -> Path:
    return Path(f"{path}.readers")


def _reader_link(path: Path) -> Path:
    """A name of its own for the snapshot ``path`` points at now (a hard link).

    DuckDB reuses an open database instance for a path it already has open in this process,
    so reopening ``path`` after a new snapshot was published would return the old one.
    Opening each snapshot under a name derived from its inode avoids that.
    """
    links = readers_dir(path)
    try:
        links.mkdir(exist_ok=True)
        tmp = links / f".link-{uuid.uuid4().hex[:12]}"
        os.link(path, tmp)
    except OSError:
        return path  # read-only directory: fall back to the path itself
    st = os.stat(tmp)
    link = links / f"{st.st_ino}-{st.st_mtime_ns}.duckdb"
    os.replace(tmp, link)
    return link


def _prune_reader_links(path: Path) -> None:
    """Drop links to snapshots that are no longer current (open readers keep their file)."""
    current = os.stat(path).st_ino
    for link in readers_dir(path).glob("*.duckdb"):
        if os.stat(link).st_ino != current:
            link.unlink(missing_ok=True)


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
def _writer_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _remove_stale_temps(path: Path) -> None:
    """Remove what a killed writer left: its snapshot, WAL and any spill directory."""
    for tmp in path.parent.glob(f".{path.name}.tmp-*"):
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def write_snapshot(
    path: Path | str | None = None, *, fresh: bool = False, label: str = "write"
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a read-write connection to a new snapshot; publish it atomically on success.

    ``fresh=True`` starts from an empty store instead of a copy of the current one.
    On any exception the new snapshot is discarded and ``path`` is untouched.
    """
    path = Path(path) if path else default_path()
    with _writer_lock(path):
        _remove_stale_temps(path)  # left by a writer that was killed; we hold the lock
        tmp = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex[:12]}"
        if path.exists() and not fresh:
            check_schema_file(path)
            shutil.copyfile(path, tmp)
        con = duckdb.connect(str(tmp))
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
        _fsync_dir(path.parent)
        _prune_reader_links(path)


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


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def list_snapshots(path: Path) -> list[Path]:
    """Archived snapshots, newest first."""
    hist = history_dir(path)
    return sorted(hist.glob("*.duckdb"), reverse=True) if hist.exists() else []


def rollback(path: Path | str | None = None) -> Path:
    """Make the newest archived snapshot current again; return the snapshot restored."""
    path = Path(path) if path else default_path()
    with _writer_lock(path):
        snaps = list_snapshots(path)
        if not snaps:
            raise StoreError(f"No earlier snapshot of {path} to roll back to ({history_dir(path)} is empty).")
        check_schema_file(snaps[0])
        os.replace(snaps[0], path)
        _fsync_dir(path.parent)
        _prune_reader_links(path)
        return snaps[0]


def after_write(con: duckdb.DuckDBPyConnection) -> None:
    """Derived tables every writer refreshes before its snapshot is published.

    Call it last inside :func:`write_snapshot` after changing units or requests.
    """

    rebuild_closure(con)
    refresh_rollups(con)
