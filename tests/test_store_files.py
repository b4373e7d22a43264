"""Files around a store: bounded disk under any sequence of opens, writes, kills and rollbacks;
nothing created beside a non-store path; rollback says what it restores and can be redone."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.store import files
from metrics.store import snapshots as store
from metrics.store.history import redo, rollback
from metrics.store.snapshots import StoreError

ROOT = Path(__file__).resolve().parent.parent

KILLED_WRITER = """
import os, sys
from metrics.store.snapshots import write_snapshot
with write_snapshot(sys.argv[1], label="import") as con:
    con.execute("INSERT INTO requests (request_id, received_at) VALUES ('KILLED', TIMESTAMP '2026-10-02 09:00:00')")
    con.execute("CHECKPOINT")
    os._exit(9)   # like kill -9: no clean-up runs
"""


def make_store(path: Path, rows: int = 3) -> Path:
    with store.write_snapshot(path, fresh=True, label="t") as con:
        for i in range(rows):
            con.execute("INSERT INTO requests (request_id, received_at) VALUES ($id, TIMESTAMP '2026-10-01 08:00:00')",
                        {"id": f"R{i}"})
    return path


def write(path: Path, request_id: str, rows: int = 1) -> None:
    """A write recorded in imports, like an import."""
    with store.write_snapshot(path, label="import") as con:
        for i in range(rows):
            con.execute("INSERT INTO requests (request_id, received_at) VALUES ($id, TIMESTAMP '2026-10-02 09:00:00')",
                        {"id": f"{request_id}-{i}"})
        con.execute("INSERT INTO imports (import_id, file, kind, finished_at, rows_read, rows_inserted, rows_updated) "
                    "VALUES ($id, $f, 'import', now(), $n, $n, 0)", {"id": request_id, "f": f"{request_id}.csv", "n": rows})


def kill_a_writer(path: Path) -> None:
    out = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path)], cwd=ROOT, capture_output=True, timeout=120)
    assert out.returncode == 9, out.stderr


def count(path: Path) -> int:
    con = store.open_read(path)
    try:
        return con.execute("SELECT count(*) FROM requests").fetchone()[0]
    finally:
        con.close()


def leave_what_a_kill_leaves(path: Path) -> None:
    """The files a writer killed mid-way leaves: its copy of the store and a WAL (as kill_a_writer does)."""
    tmp = path.parent / f".{path.name}.tmp-import-dead{len(files.stale_temps(path))}"
    tmp.write_bytes(path.read_bytes())
    Path(f"{tmp}.wal").write_bytes(b"w" * 4096)
    spill = path.parent / f".{path.name}.spill-dead{len(files.stale_temps(path))}"
    spill.mkdir()
    (spill / "duckdb_temp_block-1.block").write_bytes(b"s" * 8192)


def disk_inodes(folder: Path) -> dict[int, int]:
    """inode -> bytes of every non-empty file under folder (hard links counted once; the marker of
    an interrupted write, a file name long, aside)."""
    seen = {}
    for p in folder.rglob("*"):
        if p.is_file() and not p.name.endswith(".interrupted"):
            st_ = os.stat(p)
            if st_.st_size:
                seen[st_.st_ino] = st_.st_size
    return seen


def kept_inodes(path: Path) -> set[int]:
    """The snapshots that may take disk: the current one, the archived ones and the redoable ones."""
    kept = files.list_snapshots(path) + files.snapshots_in(files.redo_dir(path))
    return {os.stat(p).st_ino for p in [path, *kept]}


def test_opens_leave_one_link_per_current_snapshot(tmp_path: Path) -> None:
    path = make_store(tmp_path / "s.duckdb")
    for _ in range(8):
        store.open_read(path).close()
    assert [p.name for p in files.readers_dir(path).iterdir()] == [f"{os.stat(path).st_ino}-{os.stat(path).st_mtime_ns}.duckdb"]
    write(path, "A")
    store.open_read(path).close()
    assert len(list(files.readers_dir(path).iterdir())) == 1


@pytest.mark.parametrize("kind", ["device", "foreign file", "folder"])
def test_nothing_is_created_beside_a_path_that_is_not_a_store(tmp_path: Path, kind: str) -> None:
    if kind == "device":
        path = Path("/dev/null")
    elif kind == "foreign file":
        path = tmp_path / "notes.txt"
        path.write_text("not a database\n")
    else:
        path = tmp_path / "folder"
        path.mkdir()
    before = set(path.parent.iterdir())
    with pytest.raises(StoreError):
        store.open_read(path)
    with pytest.raises(StoreError):
        with store.write_snapshot(path):
            pass
    assert set(path.parent.iterdir()) == before


def test_a_read_only_store_is_refused_before_any_work(tmp_path: Path) -> None:
    path = make_store(tmp_path / "s.duckdb")
    path.chmod(0o444)
    ran = []
    with pytest.raises(StoreError, match="read-only"):
        with store.write_snapshot(path) as con:
            ran.append(con)
    assert not ran and not files.stale_temps(path)
    path.chmod(0o644)
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(StoreError, match="read-only"):
            with store.write_snapshot(path) as con:
                ran.append(con)
        assert not ran
    finally:
        tmp_path.chmod(0o755)


def test_rollback_says_what_it_undoes_and_redo_brings_it_back(tmp_path: Path) -> None:
    path = make_store(tmp_path / "s.duckdb", rows=3)
    write(path, "first", rows=2)
    write(path, "second", rows=4)
    change = rollback(path)
    assert [w.import_id for w in change.writes] == ["second"]
    assert (change.requests_before, change.requests_after) == (9, 5) and count(path) == 5
    text = change.describe()
    assert "second.csv" in text and "read 4" in text and "9 -> 5" in text
    back = redo(path)
    assert count(path) == 9 and [w.import_id for w in back.writes] == ["second"]
    assert "brings back" in back.describe()
    with pytest.raises(StoreError, match="Nothing to redo"):
        redo(path)
    rollback(path)
    write(path, "third")                       # a new write ends what could be redone
    with pytest.raises(StoreError, match="Nothing to redo"):
        redo(path)


def test_rollback_after_a_killed_write_keeps_the_last_successful_one(tmp_path: Path) -> None:
    path = make_store(tmp_path / "s.duckdb", rows=3)
    write(path, "good", rows=2)
    kill_a_writer(path)
    assert count(path) == 5                    # the open also cleared the leftovers
    assert not files.stale_temps(path)
    change = rollback(path)
    assert change.interrupted and "interrupted" in change.describe()
    assert count(path) == 5, "the successful import is still there"
    assert [w.import_id for w in rollback(path).writes] == ["good"] and count(path) == 3


OPS = st.lists(st.sampled_from(["open", "open-keep", "write", "kill", "rollback", "redo", "close-all"]),
               min_size=4, max_size=14)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_disk_stays_at_history_plus_current_under_any_sequence(tmp_path_factory, ops: list[str]) -> None:
    folder = tmp_path_factory.mktemp("seq")
    path = make_store(folder / "s.duckdb")
    held = []
    killed = False   # a kill's temp file stays until the next open, write, rollback or redo
    for n, op in enumerate(ops):
        killed = op == "kill" or (killed and op == "close-all")
        if op in ("open", "open-keep"):
            con = store.open_read(path)
            (held.append(con) if op == "open-keep" else con.close())
        elif op == "write":
            write(path, f"w{n}", rows=50)
        elif op == "kill":
            leave_what_a_kill_leaves(path)
        elif op in ("rollback", "redo"):
            try:
                (rollback if op == "rollback" else redo)(path)
            except StoreError:
                pass
        else:
            for con in held:
                con.close()
            held.clear()
        if not killed:
            assert set(disk_inodes(folder)) <= kept_inodes(path), (ops[:n + 1], sorted(p.name for p in folder.rglob("*")))
        assert len(files.list_snapshots(path)) <= files.HISTORY_KEEP
    for con in held:
        con.close()
