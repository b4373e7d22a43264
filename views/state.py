"""Per-session state the pages share: language, viewer, the store connection and its cursor.

The store is opened read-only once per snapshot (``st.cache_resource`` keyed by the snapshot's
identity), and each session gets its own cursor, because a DuckDB connection is not thread-safe.
When an import publishes a new snapshot, the key changes and pages see the new data on their next run.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import streamlit as st

from metrics.core.access import DEMO_VIEWER, Viewer
from metrics.core.i18n import DEFAULT_LANG, LANGS, t
from metrics.store.snapshots import DataVersion, StoreError, data_version, default_path, open_read


def lang() -> str:
    """The session's language: ?lang= in the URL first, then the session, then Chinese."""
    from_url = st.query_params.get("lang")
    if from_url in LANGS:
        st.session_state["lang"] = from_url
    return st.session_state.get("lang", DEFAULT_LANG)


def tr(key: str, **fmt: object) -> str:
    return t(key, lang(), **fmt)


def translator():
    """``tr`` bound to the language of this run, for widget format functions (which may be called later)."""
    language = lang()
    return lambda key, **fmt: t(key, language, **fmt)


def viewer() -> Viewer:
    """Login is off: the demo viewer sees every unit, personal data masked (DESIGN §7)."""
    return DEMO_VIEWER


class _Moved(Exception):
    """A new snapshot was published while the one named by a version was being opened."""


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(path: str, version: DataVersion) -> duckdb.DuckDBPyConnection:
    """The snapshot ``version`` names, opened read-only; raises _Moved (nothing is cached) when the
    file opened is already a newer one, so a connection is never cached under another snapshot's key."""
    con = open_read(path)
    (opened,) = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if data_version(Path(opened)) != version:
        con.close()
        raise _Moved
    return con


def store_version() -> DataVersion:
    """The current snapshot's version, read now: for noticing a change (the wall's watch), not for
    keying a result: use :func:`snapshot` for that, which pairs the version with its cursor."""
    return data_version(default_path())


def _current() -> tuple[duckdb.DuckDBPyConnection, DataVersion]:
    """The shared read-only connection of the current snapshot, and that snapshot's version."""
    path = default_path()
    if not path.exists():
        raise StoreError(f"No GridScore store at {path}. Build one with: python -m metrics demo --db {path}")
    for _ in range(5):
        version = data_version(path)
        try:
            return _connection(str(path), version), version
        except _Moved:
            continue
    raise StoreError(f"{path} keeps changing while it is opened; try again in a moment.")


def connection() -> duckdb.DuckDBPyConnection:
    """The shared read-only connection of the current snapshot; take ``.cursor()`` in other threads."""
    return _current()[0]


def snapshot() -> tuple[duckdb.DuckDBPyConnection, DataVersion]:
    """This session's cursor on the current snapshot and that snapshot's version, from one read of
    the version: what is computed on the cursor may be cached under the version (views/cache.py).

    The connection for a version is opened after the version was read, so it never holds an older
    snapshot than its key. Stops the page with a clear error if the store is unusable.
    """
    try:
        con, version = _current()
    except StoreError as exc:
        st.error(f"{tr('store.error')}: {exc}")
        st.stop()
    if st.session_state.get("_cursor_version") != version:
        st.session_state["_cursor"] = con.cursor()
        st.session_state["_cursor_version"] = version
    return st.session_state["_cursor"], version


def cursor() -> duckdb.DuckDBPyConnection:
    """This session's cursor on the current snapshot (see :func:`snapshot`)."""
    return snapshot()[0]
