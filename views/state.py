"""Per-session state the pages share: language, viewer, the store connection and its cursor.

The store is opened read-only once per snapshot (``st.cache_resource`` keyed by the snapshot's
identity), and each session gets its own cursor, because a DuckDB connection is not thread-safe.
When an import publishes a new snapshot, the key changes and pages see the new data on their next run.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Collection
from pathlib import Path

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
    elif from_url and st.session_state.get("_lang_bad") != from_url:
        st.session_state["_lang_bad"] = from_url   # said once; the language switch then rewrites the URL
        language = st.session_state.get("lang", DEFAULT_LANG)
        text = t("url.bad", language, name="lang", value=str(from_url)[:60], shown=language)
        st.caption(":material/info: " + _MARKDOWN.sub(r"\\\1", text))
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


def session_snapshot() -> tuple[duckdb.DuckDBPyConnection, DataVersion]:
    """This session's cursor on the current snapshot and that snapshot's version, from one read of
    the version: what is computed on the cursor may be cached under the version (views/cache.py).

    The connection for a version is opened after the version was read, so it never holds an older
    snapshot than its key. Raises StoreError if the store is unusable (the wall keeps its last data).
    """
    try:
        con, version = _current()
    except OSError as exc:   # the file went away between the check and the open
        raise StoreError(f"{default_path()}: {exc}") from exc
    if st.session_state.get("_cursor_version") != version:
        st.session_state["_cursor"] = con.cursor()
        st.session_state["_cursor_version"] = version
    return st.session_state["_cursor"], version


def snapshot() -> tuple[duckdb.DuckDBPyConnection, DataVersion]:
    """:func:`session_snapshot`, stopping the page with a clear error if the store is unusable."""
    try:
        return session_snapshot()
    except StoreError as exc:
        st.error(f"{tr('store.error')}: {exc}")
        st.stop()


def cursor() -> duckdb.DuckDBPyConnection:
    """This session's cursor on the current snapshot (see :func:`snapshot`)."""
    return snapshot()[0]


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def url_notice(key: str, value: str, shown: str | None, label: str = "url.bad") -> None:
    """A small notice that the URL's value was not used, and what is shown instead (text, never Markdown)."""
    text = tr(label, name=key, value=str(value)[:60], shown=shown if shown not in (None, "") else tr("url.default"))
    st.caption(":material/info: " + _MARKDOWN.sub(r"\\\1", text))


def url_param(key: str, *, allowed: Collection[str] | None = None, check: Callable[[str], bool] | None = None,
              default: str | None = None, shown: str | None = None) -> str | None:
    """The URL's value of key if it is one of allowed and passes check; else default, with a notice.

    Every page reads its query parameters through this (or the filter bar), once per run, so a bad
    value never reaches the metrics layer and never changes the view silently.
    """
    raw = st.query_params.get(key)
    if raw is None or raw == "":
        return default
    try:
        ok = (allowed is None or raw in allowed) and (check is None or bool(check(raw)))
    except (ValueError, OverflowError):
        ok = False
    if ok:
        return raw
    url_notice(key, raw, shown if shown is not None else default)
    return default


def int_check(low: int, high: int) -> Callable[[str], bool]:
    """A check for url_param: a whole number within [low, high] (no sign, no huge numbers)."""
    return lambda text: text.isdigit() and len(text) <= len(str(high)) and low <= int(text) <= high
