"""Imports are safe while the app serves: readers see the before or the after, never a part;
a killed import changes nothing; rollback restores the state before the last import."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from tests.ingest_fixtures import build_tiny_store, write_hotline_csv

ROOT = Path(__file__).resolve().parent.parent

# The app's read path: open_read, reopened whenever data_version changes; totals appended to OUT.
READER = """
import sys, time
from pathlib import Path
from metrics.store.snapshots import data_version, open_read
db, out, stop = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
con, version = None, None
with open(out, "w") as f:
    while not stop.exists():
        try:
            v = data_version(db)
            if v != version:
                old, con, version = con, open_read(db), v
                if old is not None:
                    old.close()
            f.write(f"{con.execute('SELECT count(*) FROM requests').fetchone()[0]}\\n")
        except Exception as exc:
            f.write(f"ERROR {type(exc).__name__}: {exc}\\n")
        f.flush()
        time.sleep(0.005)
"""


def count(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM requests").fetchone()[0]
    finally:
        con.close()


def fingerprint(db: Path) -> tuple:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*), coalesce(sum(hash(request_id, status, closed_at, unit_id)), 0), "
                           "(SELECT count(*) FROM imports) FROM requests").fetchone()
    finally:
        con.close()


def import_cmd(path: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "metrics", "import", str(path), "--db", str(db)]


def test_readers_see_before_or_after_never_a_part(tmp_path: Path) -> None:
    db = build_tiny_store(tmp_path / "store.duckdb")
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    write_hotline_csv(first, 20_000, "utf-8", seed=1)
    write_hotline_csv(second, 60_000, "gb18030", seed=2)   # ids overlap the first: updates + inserts
    assert subprocess.run(import_cmd(first, db), cwd=ROOT, capture_output=True).returncode == 0
    before = count(db)
    out, stop = tmp_path / "totals.txt", tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db), str(out), str(stop)], cwd=ROOT)
    try:
        time.sleep(1.0)
        done = subprocess.run(import_cmd(second, db), cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        time.sleep(1.0)
    finally:
        stop.touch()
        reader.wait(timeout=30)
    after = count(db)
    totals = out.read_text().split()
    assert after > before and len(totals) > 20
    assert not [t for t in totals if t.startswith("ERROR")]
    seen = {int(t) for t in totals}
    assert seen <= {before, after}, seen
    assert seen == {before, after}, "the reader saw the switch"


def test_killed_import_changes_nothing_and_rollback_restores(tmp_path: Path) -> None:
    db = build_tiny_store(tmp_path / "store.duckdb")
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    write_hotline_csv(small, 2_000, "utf-8", seed=3)
    write_hotline_csv(big, 300_000, "utf-8", seed=4)
    assert subprocess.run(import_cmd(small, db), cwd=ROOT, capture_output=True).returncode == 0
    state = fingerprint(db)

    proc = subprocess.Popen(import_cmd(big, db), cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    line = proc.stderr.readline()          # the first progress report: the import is under way
    assert line.startswith("progress"), line
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert fingerprint(db) == state, "a killed import left the data unchanged"

    assert subprocess.run(import_cmd(small.with_name("small.csv"), db), cwd=ROOT, capture_output=True).returncode == 0
    again = tmp_path / "more.csv"
    write_hotline_csv(again, 3_000, "utf-8", seed=5)
    assert subprocess.run(import_cmd(again, db), cwd=ROOT, capture_output=True).returncode == 0
    assert fingerprint(db) != state
    before_last = subprocess.run([sys.executable, "-m", "metrics", "rollback", "--db", str(db)],
                                 cwd=ROOT, capture_output=True, text=True)
    assert before_last.returncode == 0, before_last.stderr
    restored = fingerprint(db)
    # small again was recognised as imported (no snapshot, no imports row): back to just after the first small
    assert restored == state
