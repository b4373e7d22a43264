"""Cached calls into metrics/, keyed by the function itself, its arguments and the snapshot.

``cached(queries.unit_table)(viewer, level, period, filters, ids, basic_credit=PAGE_CREDIT)`` runs
``queries.unit_table(cursor, viewer, level, ...)`` once per distinct arguments and snapshot. The
function is named in code, not in a string, so an editor follows the call and a typo fails at
import; its module and qualified name key the cache. The cursor the function runs on and the
version in the key come from one read of the snapshot (:func:`views.state.snapshot`), so a result
computed on an old snapshot is never stored under a new one's key; when an import publishes a new
snapshot, every page recomputes. The connection is passed as ``_con`` so it is not hashed.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

import duckdb
import streamlit as st

from metrics.store.snapshots import DataVersion
from views.state import snapshot

P = ParamSpec("P")
R = TypeVar("R")


@st.cache_data(show_spinner=False, max_entries=512, ttl=3600)
def _run(key: str, version: DataVersion, _fn: Callable, _con: duckdb.DuckDBPyConnection, *args, **kwargs):
    return _fn(_con, *args, **kwargs)


def cache_key(fn: Callable) -> str:
    """What identifies ``fn`` in the cache: its module and qualified name."""
    return f"{fn.__module__}.{fn.__qualname__}"


def cached(fn: Callable[Concatenate[duckdb.DuckDBPyConnection, P], R]) -> Callable[P, R]:
    """``fn`` without its connection argument, run on this session's cursor and cached per snapshot."""
    key = cache_key(fn)

    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        con, version = snapshot()
        return _run(key, version, fn, con, *args, **kwargs)

    call.__doc__ = fn.__doc__
    return call
