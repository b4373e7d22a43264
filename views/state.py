"""Per-session state the pages share: language, viewer, the store connection and its cursor.

The store is opened read-only once per snapshot (``st.cache_resource`` keyed by the snapshot's
identity), and each session gets its own cursor, because a DuckDB connection is not thread-safe.
When an import publishes a new snapshot, the key changes and pages see the new data on their next run.
"""
from __future__ import annotations

import duckdb
import streamlit as st

from metrics.core.access import Viewer
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
    """The signed-in user's scope (views.auth); with auth off the demo viewer: every unit, masked (DESIGN §7)."""
    from views.auth import current_user  # views.auth imports this module

    return current_user().viewer()


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(path: str, version: DataVersion) -> duckdb.DuckDBPyConnection:
    return open_read(path)


def store_version() -> DataVersion:
    return data_version(default_path())


def _current() -> tuple[duckdb.DuckDBPyConnection, DataVersion]:
    """The shared read-only connection of the current snapshot, and that snapshot's version."""
    path = default_path()
    if not path.exists():
        raise StoreError(f"No GridScore store at {path}. Build one with: python -m metrics demo --db {path}")
    version = data_version(path)
    return _connection(str(path), version), version


def connection() -> duckdb.DuckDBPyConnection:
    """The shared read-only connection of the current snapshot; take ``.cursor()`` in other threads."""
    return _current()[0]


def cursor() -> duckdb.DuckDBPyConnection:
    """This session's cursor on the current snapshot; stops the page with a clear error if unusable."""
    try:
        con, version = _current()
    except StoreError as exc:
        st.error(f"{tr('store.error')}: {exc}")
        st.stop()
    if st.session_state.get("_cursor_version") != version:
        st.session_state["_cursor"] = con.cursor()
        st.session_state["_cursor_version"] = version
    return st.session_state["_cursor"]
