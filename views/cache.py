"""Cached calls into metrics/: results keyed by the function, its arguments and the store version.

``fetch("unit_table", viewer, level, period, filters, ids)`` runs ``metrics`` code once per distinct
arguments and snapshot; when an import publishes a new snapshot, ``store_version()`` changes and
every page recomputes. The connection is passed as ``_con`` so it is not hashed.
"""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from metrics.assess import alerts
from metrics.present import pages as pages_data
from metrics.present import detail as pages_detail
from metrics.present import headline
from metrics.present import map_data as pages_map
from metrics.query import tables as queries
from metrics.query import detail as queries_detail
from views.state import cursor, store_version

FUNCTIONS: dict[str, Callable] = {
    "unit_table": queries.unit_table,
    "scope_totals": queries.scope_totals,
    "time_series": queries.time_series,
    "compare_periods": queries.compare_periods,
    "weekly_counts": alerts.weekly_counts,
    "duration_histogram": queries_detail.duration_histogram,
    "category_top": queries_detail.category_top,
    "hour_weekday": queries_detail.hour_weekday,
    "drill_rows": queries_detail.drill_rows,
    **pages_detail.FUNCTIONS,
    **pages_data.FUNCTIONS,
    **pages_map.FUNCTIONS,
    **headline.FUNCTIONS,
}


@st.cache_data(show_spinner=False, max_entries=512, ttl=3600)
def _call(name: str, _con, version: object, *args, **kwargs):
    return FUNCTIONS[name](_con, *args, **kwargs)


def fetch(name: str, *args, **kwargs):
    """``FUNCTIONS[name](con, *args, **kwargs)``, cached per snapshot."""
    return _call(name, cursor(), store_version(), *args, **kwargs)
