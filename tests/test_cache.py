"""views/cache.py: results keyed by the function and by the snapshot the cursor reads.

Real store files, real snapshot publishing and rollback, and the cache under Streamlit's AppTest.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics.store.history import rollback
from metrics.store.snapshots import after_write, data_version, write_snapshot
from tests.fixtures_requests import build_store


def _script() -> None:
    """Runs as the app script: one cached call, and what snapshot() pairs, into the session state."""
    import streamlit as st

    from metrics.core.access import DEMO_VIEWER
    from metrics.core.periods import parse_period
    from metrics.present import pages as page_data
    from metrics.query import tables as queries
    from views.cache import cached
    from views.state import snapshot

    totals = cached(queries.scope_totals)(DEMO_VIEWER, parse_period("2026-10"), None, ("requests",),
                                          basic_credit=0.9)
    st.session_state["requests"] = totals["requests"]
    st.session_state["level"] = cached(page_data.unit_level)("S1")
    st.session_state["parent"] = cached(page_data.parent_of)("S1")
    con, version = snapshot()
    st.session_state["cursor_rows"] = con.execute("SELECT count(*) FROM requests").fetchone()[0]
    st.session_state["version"] = version


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "store.duckdb"
    build_store(path=str(path)).close()
    monkeypatch.setenv("GRIDSCORE_DB", str(path))
    return path


def _publish_one_more_request(path: Path) -> None:
    with write_snapshot(path, label="test") as con:
        con.execute("INSERT INTO requests (request_id, received_at, unit_id) VALUES ('NEW', $t, 'G1')",
                    {"t": dt.datetime(2026, 10, 20, 9, 0)})
        after_write(con)


def test_a_new_snapshot_gives_fresh_results_and_a_rollback_the_old_ones(store):
    """The version snapshot() gives is the store's current one and its cursor reads that snapshot's
    rows; a cached result follows a publish and a rollback (the old snapshot's entry is right again)."""
    at = AppTest.from_function(_script, default_timeout=60).run()
    assert not at.exception
    before, rows = at.session_state["requests"], at.session_state["cursor_rows"]
    assert before > 0
    assert at.session_state["version"] == data_version(store)

    _publish_one_more_request(store)
    at.run()
    assert not at.exception
    assert at.session_state["version"] == data_version(store)
    assert at.session_state["cursor_rows"] == rows + 1
    assert at.session_state["requests"] == before + 1

    rollback(store)
    at.run()
    assert at.session_state["version"] == data_version(store)
    assert at.session_state["cursor_rows"] == rows
    assert at.session_state["requests"] == before


def test_the_function_is_the_key(store):
    """Two functions called with the same argument each get their own result, not the other's."""
    at = AppTest.from_function(_script, default_timeout=60).run()
    assert (at.session_state["level"], at.session_state["parent"]) == ("street", "D1")


def test_cached_takes_the_function_and_keeps_its_arguments():
    from views.cache import cache_key, cached
    from metrics.query import tables as queries

    assert cache_key(queries.unit_table) == "metrics.query.tables.unit_table"
    assert cached(queries.unit_table).__doc__ == queries.unit_table.__doc__


def test_a_connection_is_never_cached_under_an_older_snapshot_s_version(store):
    """Opening for a version that is no longer current (an import published in between) refuses,
    and the next read of the version opens the current snapshot under its own key."""
    from views import state

    old = data_version(store)
    _publish_one_more_request(store)
    with pytest.raises(state._Moved):
        state._connection(str(store), old)
    con, version = state._current()
    assert version == data_version(store) != old
    assert con.execute("SELECT count(*) FROM requests WHERE request_id = 'NEW'").fetchone()[0] == 1
