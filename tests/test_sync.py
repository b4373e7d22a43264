"""``python -m metrics sync`` against a real PostgreSQL server started for the tests (tests/pg_cluster.py).

One source table goes through the life the issue lists: the first sync, a run that finds nothing,
updates + new rows + a row that turns invalid, a sync killed while it holds its snapshot, the run
after it, and a last run that changes nothing. The accounting must hold on every run.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from metrics.ingest.sync import make_source, read_watermark
from metrics.store.runlog import read_runs, run_log_path
from metrics.store.snapshots import data_version, list_snapshots, open_read
from tests.ingest_fixtures import build_tiny_store
from tests.pg_cluster import PASSWORD, running_cluster, server_bin

pytestmark = pytest.mark.skipif(server_bin() is None,
                                reason="PostgreSQL server binaries (initdb, pg_ctl) not installed: "
                                       "apt-get install postgresql (scripts/sysdeps.sh does)")

ROOT = Path(__file__).resolve().parents[1]
BASE = dt.datetime(2026, 9, 1, 8, 0)
GRIDS = ("D0S0C0G0", "D0S0C1G1", "D1S1C0G0", "D1S0C1G0")
GATE_ID = "R-GATE"
LOCK_KEY = 42
# The gate makes the server wait for the test's advisory lock when it reaches the gate row,
# so a sync can be stopped at a known point: inside its snapshot, with rows half pulled.
QUERY = f"""SELECT r.*, CASE WHEN r.request_id = '{GATE_ID}'
                THEN length(pg_advisory_xact_lock_shared({LOCK_KEY})::text) END AS gate
            FROM requests_src r;"""
TABLE = """CREATE TABLE requests_src (
    request_id TEXT PRIMARY KEY, received_at TIMESTAMP, category TEXT, channel TEXT, unit_id TEXT,
    status TEXT, closed_at TIMESTAMP, visited BOOLEAN, contacted BOOLEAN, resolved BOOLEAN,
    satisfaction TEXT, updated_at TIMESTAMP NOT NULL)"""


@pytest.fixture(scope="module")
def cluster():
    with running_cluster() as c:
        yield c


@pytest.fixture
def source(cluster):
    con = cluster.connect()
    con.execute("DROP TABLE IF EXISTS requests_src")
    con.execute(TABLE)
    yield con
    con.close()


def add_rows(con, ids: range, stamp: dt.datetime) -> None:
    for i in ids:
        con.execute("INSERT INTO requests_src VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", (
            f"R{i:04d}", BASE + dt.timedelta(hours=i), "噪音扰民" if i % 2 else "物业管理", "12345",
            GRIDS[i % len(GRIDS)], "closed" if i % 3 else "open", BASE + dt.timedelta(hours=i + 30) if i % 3 else None,
            True, True, i % 4 != 0, "satisfied" if i % 5 else "basic", stamp))


def sync_cmd(db: Path, url: str, query: Path | None = None, *extra: str) -> list[str]:
    what = ["--query-file", str(query)] if query else ["--table", "requests_src"]
    return [sys.executable, "-m", "metrics", "sync", "--db", str(db), "--source", url, *what,
            "--mapping", "gridscore", "--since-column", "updated_at", *extra]


def run_sync(db: Path, url: str, query: Path | None = None, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GRIDSCORE_SYNC_PASSWORD": PASSWORD}
    done = subprocess.run(sync_cmd(db, url, query, *extra), cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    return done


def counts(out: str) -> dict[str, int]:
    """read / inserted / updated / unchanged / rejected from the printed summary."""
    line = next(x for x in out.splitlines() if x.strip().startswith("read "))
    words = line.split()
    got = {words[k]: int(words[k + 1].replace(",", "")) for k in range(0, 10, 2)}
    assert got["read"] == got["inserted"] + got["updated"] + got["unchanged"] + got["rejected"], line
    return got


def stored(db: Path) -> dict[str, tuple]:
    con = open_read(db)
    try:
        rows = con.execute("SELECT request_id, status, closed_at, received_at FROM requests").fetchall()
    finally:
        con.close()
    return {r[0]: r[1:] for r in rows}


def test_sync_lifecycle(tmp_path: Path, cluster, source) -> None:
    db = build_tiny_store(tmp_path / "store.duckdb")
    query = tmp_path / "hotline.sql"
    query.write_text(QUERY, encoding="utf-8")
    src = make_source(cluster.url, query_file=query, since_column="updated_at")
    t0 = BASE + dt.timedelta(days=40)
    add_rows(source, range(50), t0)
    add_rows(source, range(50, 51), t0 + dt.timedelta(seconds=1))

    first = counts(run_sync(db, cluster.url, query).stdout)
    assert first == {"read": 51, "inserted": 51, "updated": 0, "unchanged": 0, "rejected": 0}
    rows = stored(db)
    assert len(rows) == 51 and rows["R0003"] == ("open", None, BASE + dt.timedelta(hours=3))
    assert rows["R0004"][1] == BASE + dt.timedelta(hours=34)
    assert read_watermark(db, src) == t0 + dt.timedelta(seconds=1)

    version, snapshots = data_version(db), list_snapshots(db)
    again = run_sync(db, cluster.url, query)
    assert "no new rows" in again.stdout
    assert data_version(db) == version and list_snapshots(db) == snapshots, "an empty run wrote"

    t1 = t0 + dt.timedelta(minutes=5)
    source.execute("UPDATE requests_src SET status = 'closed', closed_at = %s, updated_at = %s "
                   "WHERE request_id IN ('R0000', 'R0003', 'R0006', 'R0009', 'R0012')", (BASE + dt.timedelta(days=3), t1))
    add_rows(source, range(100, 107), t1)
    source.execute("UPDATE requests_src SET received_at = NULL, updated_at = %s WHERE request_id = 'R0020'", (t1,))
    second = counts(run_sync(db, cluster.url, query).stdout)
    assert second == {"read": 13, "inserted": 7, "updated": 5, "unchanged": 0, "rejected": 1}
    rows = stored(db)
    assert len(rows) == 58
    assert rows["R0003"][:2] == ("closed", BASE + dt.timedelta(days=3))
    assert rows["R0020"][2] == BASE + dt.timedelta(hours=20), "the invalid row kept its stored values"
    con = open_read(db)
    try:
        rejects = con.execute("SELECT raw, reasons FROM rejects").fetchall()
        kinds = con.execute("SELECT kind, file FROM imports ORDER BY started_at").fetchall()
    finally:
        con.close()
    assert len(rejects) == 1 and json.loads(rejects[0][0])["request_id"] == "R0020"
    assert "received_at" in rejects[0][1]
    assert [k for k, _ in kinds] == ["sync", "sync"]
    assert all(PASSWORD not in f and f.startswith("postgresql+psycopg://gridscore@") for _, f in kinds)
    assert read_watermark(db, src) == t1

    # killed while it holds its snapshot: the gate row is the last one the server reaches
    t2 = t1 + dt.timedelta(minutes=5)
    source.execute("UPDATE requests_src SET status = 'closed', updated_at = %s "
                   "WHERE request_id IN ('R0015', 'R0018', 'R0021')", (t2,))
    add_rows(source, range(200, 202), t2)
    source.execute("INSERT INTO requests_src (request_id, received_at, unit_id, updated_at) VALUES (%s, %s, %s, %s)",
                   (GATE_ID, BASE, GRIDS[0], t2 + dt.timedelta(seconds=1)))
    version, before = data_version(db), stored(db)
    source.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
    env = {**os.environ, "GRIDSCORE_SYNC_PASSWORD": PASSWORD}
    proc = subprocess.Popen(sync_cmd(db, cluster.url, query, "--batch-rows", "1"), cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not source.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'advisory'").fetchone()[0]:
            assert proc.poll() is None and time.monotonic() < deadline, "the sync never reached the gate row"
            time.sleep(0.1)
        assert list(tmp_path.glob(".store.duckdb.tmp-*")), "the sync is inside its snapshot"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        source.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    assert proc.returncode == -signal.SIGKILL
    assert data_version(db) == version and stored(db) == before
    assert read_watermark(db, src) == t1, "a killed sync kept the old watermark"

    third = counts(run_sync(db, cluster.url, query).stdout)
    assert third == {"read": 6, "inserted": 3, "updated": 3, "unchanged": 0, "rejected": 0}
    assert not list(tmp_path.glob(".store.duckdb.tmp-*")) and not list(tmp_path.glob(".store.duckdb.sync-*"))
    assert read_watermark(db, src) == t2 + dt.timedelta(seconds=1)
    assert stored(db)["R0018"][0] == "closed"

    version = data_version(db)
    assert "no new rows" in run_sync(db, cluster.url, query).stdout
    assert data_version(db) == version
    runs = read_runs(run_log_path(db))
    assert [r["what"] for r in runs] == ["sync"] * 5 and [r["rows"] for r in runs] == [0, 6, 13, 0, 51]
    assert all(r["error"] is None and PASSWORD not in json.dumps(r) for r in runs)


def test_table_sync_full_pull_and_password_file(tmp_path: Path, cluster, source) -> None:
    """--table without a since column pulls every row; a rerun with nothing changed writes nothing."""
    db = build_tiny_store(tmp_path / "store.duckdb")
    add_rows(source, range(12), BASE)
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n")
    cmd = [sys.executable, "-m", "metrics", "sync", "--db", str(db), "--source", cluster.url, "--table",
           "public.requests_src", "--mapping", "gridscore", "--password-file", str(pw)]
    env = {k: v for k, v in os.environ.items() if k != "GRIDSCORE_SYNC_PASSWORD"}
    first = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=180)
    assert first.returncode == 0, first.stderr
    assert counts(first.stdout)["inserted"] == 12
    version = data_version(db)
    second = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=180)
    assert counts(second.stdout) == {"read": 12, "inserted": 0, "updated": 0, "unchanged": 12, "rejected": 0}
    assert "nothing written" in second.stdout and data_version(db) == version


def test_wrong_password_is_one_redacted_line(tmp_path: Path, cluster, source) -> None:
    db = build_tiny_store(tmp_path / "store.duckdb")
    wrong = "not-the-Pw-77"
    url = cluster.url.replace("gridscore@", f"gridscore:{wrong}@")
    done = subprocess.run([sys.executable, "-m", "metrics", "sync", "--db", str(db), "--source", url, "--table",
                           "requests_src", "--mapping", "gridscore"], cwd=ROOT, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: {cluster.url}: cannot connect") and "password authentication failed" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    logged = run_log_path(db).read_text()
    assert wrong not in done.stdout + done.stderr + logged
    assert read_runs(run_log_path(db))[0]["error"].startswith(cluster.url)
