"""The files around a store ``PATH`` and their housekeeping.

Beside ``PATH`` live only: ``PATH.lock`` (the writers' lock, empty), ``PATH.history/`` (archived
snapshots, hard links, at most ``HISTORY_KEEP``; ``redo/`` inside holds snapshots a rollback
took back), ``PATH.readers/`` (one hard link per snapshot opened, named by its inode, so
DuckDB's per-path instance cache never serves an old snapshot), a writer's ``.PATH.tmp-*``
and an import's ``.PATH.spill-*`` folder while it runs, and ``.PATH.interrupted`` (a few bytes)
after a writer was killed.

Disk use therefore stays at the current snapshot plus the archived ones: reader links are
hard links (no copy) and links to snapshots that are no longer current are dropped on every
open and publish; what a killed writer left is removed by the next open, write or rollback.
Nothing is created beside a path that is not a regular file (``--db /dev/null``).
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

HISTORY_KEEP = 5


def history_dir(path: Path) -> Path:
    return Path(f"{path}.history")


def redo_dir(path: Path) -> Path:
    return history_dir(path) / "redo"


def readers_dir(path: Path) -> Path:
    return Path(f"{path}.readers")


def interrupted_marker(path: Path) -> Path:
    return path.parent / f".{path.name}.interrupted"


def stale_temps(path: Path) -> list[Path]:
    """A writer's files: its snapshot copy and WAL (.tmp-*), an import's spill folder (.spill-*)."""
    return sorted([*path.parent.glob(f".{path.name}.tmp-*"), *path.parent.glob(f".{path.name}.spill-*")])


def snapshots_in(directory: Path) -> list[Path]:
    """The snapshots archived in directory, newest first."""
    return sorted(directory.glob("*.duckdb"), reverse=True) if directory.is_dir() else []


def writable_problem(path: Path) -> str | None:
    """Why a writer could not publish a new snapshot of path, or None (checked before any work)."""
    folder = path.parent if path.parent.exists() else None
    if folder is not None and (not os.access(folder, os.W_OK) or not os.stat(folder).st_mode & 0o222):
        return f"{path}: the folder {folder} is read-only; nothing was changed"
    if path.exists():
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return f"{path} is not a regular file, so it cannot be a GridScore store"
        if not os.access(path, os.W_OK) or not st.st_mode & 0o222:
            return f"{path} is read-only (its file mode has no write permission); nothing was changed"
    return None


@contextlib.contextmanager
def writer_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def remove_stale_temps(path: Path) -> bool:
    """Remove what a killed writer left (snapshot, WAL, spill folder); call with the lock held.

    Leaves :func:`interrupted_marker` behind so a later rollback knows the last write did not
    finish (and changed nothing). True if anything was removed.
    """
    found = stale_temps(path)
    for tmp in found:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
    if found:
        interrupted_marker(path).write_text(found[0].name)
    return bool(found)


def tidy_if_idle(path: Path) -> None:
    """Remove a killed writer's leftovers if no writer holds the lock now (never waits)."""
    lock_file = Path(f"{path}.lock")
    if not lock_file.exists() or not stale_temps(path):
        return
    try:
        with open(lock_file, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            try:
                remove_stale_temps(path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    except OSError:
        return   # a writer is running (its temp file is not stale) or the folder is read-only


def reader_link(path: Path) -> Path:
    """A name of its own for the snapshot ``path`` points at now (a hard link, no copy).

    DuckDB reuses an open database instance for a path it already has open in this process,
    so reopening ``path`` after a new snapshot was published would return the old one.
    Opening each snapshot under a name derived from its inode avoids that. Falls back to
    ``path`` itself where no link can be made (read-only folder, not a regular file).
    """
    links = readers_dir(path)
    for _ in range(3):
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return path
        link = links / f"{st.st_ino}-{st.st_mtime_ns}.duckdb"
        try:
            links.mkdir(exist_ok=True)
            try:
                os.link(path, link)
            except FileExistsError:
                pass
            if os.stat(link).st_ino == st.st_ino:
                return link
            link.unlink(missing_ok=True)   # path was replaced between stat and link: try again
        except OSError:
            return path
    return path


def prune_reader_links(path: Path) -> None:
    """Drop links to snapshots that are no longer current (open readers keep their file open)."""
    links = readers_dir(path)
    if not links.is_dir():
        return
    try:
        current = os.stat(path).st_ino
    except OSError:
        current = None
    for link in links.iterdir():
        try:
            if link.name.startswith(".") or os.stat(link).st_ino != current:
                link.unlink(missing_ok=True)
        except OSError:
            continue


def drop_reader_links(path: Path) -> None:
    """Remove the readers folder of a path that turned out not to be a store."""
    links = readers_dir(path)
    if links.is_dir():
        shutil.rmtree(links, ignore_errors=True)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def list_snapshots(path: Path) -> list[Path]:
    """Archived snapshots of path, newest first."""
    return snapshots_in(history_dir(path))
