"""The store: schema version checks, atomic snapshot writes, history and rollback."""
from __future__ import annotations

import duckdb
import pytest

from metrics.store import history
from metrics.store import snapshots as store
from metrics.store.snapshots import StoreError


def _make_store(path, rows: int = 3) -> None:
    with store.write_snapshot(path, fresh=True, label="t") as con:
        con.execute("INSERT INTO units VALUES ('C', '市', 'City', 'city', NULL, 1000, 5, 10.0, NULL)")
        con.execute("INSERT INTO units VALUES ('D', '区', NULL, 'district', 'C', 1000, 5, 10.0, 'old_town')")
        con.execute("INSERT INTO units VALUES ('S', '街道', NULL, 'street', 'D', 1000, 5, 10.0, NULL)")
        for i in range(rows):
            con.execute(
                "INSERT INTO requests (request_id, received_at, unit_id) VALUES ($id, TIMESTAMP '2026-10-01 08:00:00', 'S')",
                {"id": f"R{i}"},
            )
        store.after_write(con)


def _count(path) -> int:
    con = store.open_read(path)
    try:
        return con.execute("SELECT count(*) FROM requests").fetchone()[0]
    finally:
        con.close()


def test_every_design_table_and_column_exists(tmp_path):
    path = tmp_path / "s.duckdb"
    _make_store(path)
    con = store.open_read(path)
    cols = {(t, c) for t, c in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns").fetchall()}
    expected = {
        "units": "unit_id name name_en level parent_id population staff area_km2",
        "unit_ancestors": "unit_id ancestor_id depth",
        "boundaries": "unit_id geometry centroid_lat centroid_lon",
        "requests": "request_id received_at channel category subcategory source unit_id dept_id lat lon "
                    "urgency respond_by resolve_by first_contact_at closed_at status status_detail "
                    "returned_count extended is_repeat assessable exclusion_reason visited contacted "
                    "resolved satisfaction description address citizen_name citizen_phone import_id",
        "imports": "import_id file sha256 started_at finished_at rows_read rows_inserted rows_updated rows_rejected",
        "rejects": "import_id row_number raw reasons",
    }
    missing = [(t, c) for t, names in expected.items() for c in names.split() if (t, c) not in cols]
    assert missing == []


def test_closure_holds_every_ancestor_with_depth(tmp_path):
    path = tmp_path / "s.duckdb"
    _make_store(path)
    con = store.open_read(path)
    rows = set(con.execute("SELECT unit_id, ancestor_id, depth FROM unit_ancestors").fetchall())
    assert rows == {
        ("C", "C", 0), ("D", "D", 0), ("S", "S", 0),
        ("D", "C", 1), ("S", "D", 1), ("S", "C", 2),
    }


def test_missing_store_names_the_path_and_the_fix(tmp_path):
    with pytest.raises(StoreError, match=r"No GridScore store at .*nothing\.duckdb.*metrics demo"):
        store.open_read(tmp_path / "nothing.duckdb")


def test_other_schema_version_is_a_clear_error(tmp_path):
    path = tmp_path / "s.duckdb"
    _make_store(path)
    con = duckdb.connect(str(path))
    con.execute("UPDATE gridscore_meta SET value = '999' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreError, match=f"schema version 999, this GridScore expects {store.SCHEMA_VERSION}"):
        store.open_read(path)


def test_a_foreign_duckdb_file_is_not_a_store(tmp_path):
    path = tmp_path / "other.duckdb"
    duckdb.connect(str(path)).execute("CREATE TABLE x (a INT)").close()
    with pytest.raises(StoreError, match="not a GridScore store"):
        store.open_read(path)


def test_failed_write_leaves_the_store_as_it_was(tmp_path):
    path = tmp_path / "s.duckdb"
    _make_store(path, rows=3)
    before = store.data_version(path)
    with pytest.raises(RuntimeError, match="boom"):
        with store.write_snapshot(path) as con:
            con.execute("DELETE FROM requests")
            raise RuntimeError("boom")
    assert _count(path) == 3
    assert store.data_version(path) == before
    assert not list(tmp_path.glob(".s.duckdb.tmp-*")), "the discarded snapshot must be removed"


def test_reader_keeps_its_snapshot_while_a_write_publishes(tmp_path):
    path = tmp_path / "s.duckdb"
    _make_store(path, rows=3)
    reader = store.open_read(path)
    with store.write_snapshot(path) as con:
        con.execute("INSERT INTO requests (request_id, received_at) VALUES ('NEW', TIMESTAMP '2026-10-02 09:00:00')")
    assert reader.execute("SELECT count(*) FROM requests").fetchone()[0] == 3
    assert _count(path) == 4


def test_rollback_restores_the_previous_snapshot(tmp_path):
    path = tmp_path / "s.duckdb"
    _make_store(path, rows=3)
    with store.write_snapshot(path, label="more") as con:
        con.execute("DELETE FROM requests WHERE request_id = 'R0'")
    assert _count(path) == 2
    history.rollback(path)
    assert _count(path) == 3


def test_rollback_without_history_is_a_clear_error(tmp_path):
    path = tmp_path / "s.duckdb"
    _make_store(path)
    with pytest.raises(StoreError, match="No earlier snapshot"):
        history.rollback(path)


def test_history_is_bounded(tmp_path):
    path = tmp_path / "s.duckdb"
    _make_store(path)
    for _ in range(store.HISTORY_KEEP + 3):
        with store.write_snapshot(path) as con:
            con.execute("UPDATE requests SET channel = 'hotline'")
    assert len(store.list_snapshots(path)) == store.HISTORY_KEEP


def test_leftovers_of_a_killed_writer_are_cleared_by_the_next_write(tmp_path):
    path = tmp_path / "s.duckdb"
    _make_store(path, rows=3)
    (tmp_path / ".s.duckdb.tmp-dead").write_bytes(b"half a snapshot")
    (tmp_path / ".s.duckdb.tmp-dead.tmp").mkdir()               # DuckDB's spill directory
    (tmp_path / ".s.duckdb.tmp-dead.tmp" / "spill.block").write_bytes(b"x")
    with store.write_snapshot(path) as con:
        con.execute("DELETE FROM requests WHERE request_id = 'R0'")
    assert _count(path) == 2
    assert not list(tmp_path.glob(".s.duckdb.tmp-*"))
