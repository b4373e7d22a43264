"""What the assessment page opens on, and what it says when a scheme cannot score the data.

The page opens on the scheme's level when that level has units with requests in the period, else
on the first level (in :data:`LEVELS` order) that does; a city without streets opens on its
districts or departments. When every indicator of the scheme is missing from the data (a city
without return visits under a three-rate scheme) the page says so and names the shipped schemes
that do score something here.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from metrics.assess.engine import assess
from metrics.assess.schemes import Scheme, list_schemes, load_scheme
from metrics.core.levels import RANKED_LEVELS
from metrics.core import registry
from metrics.core.access import Viewer
from metrics.core.periods import Period
from metrics.export.text import level_label, metric_label, tx
from metrics.query.tables import scope_totals, unit_table


def levels_with_data(con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period,
                     basic_credit: float) -> list[str]:
    """The assessable levels, in RANKED_LEVELS order, where at least one unit has requests in the period."""
    out = []
    for level in RANKED_LEVELS:
        table = unit_table(con, viewer, level, period, metric_ids=["requests"], basic_credit=basic_credit)
        if len(table) and (pd.to_numeric(table["requests"], errors="coerce").fillna(0) > 0).any():
            out.append(level)
    return out


def default_level(scheme: Scheme, with_data: list[str]) -> str:
    """The scheme's level if it has units with data, else the first level that does."""
    return scheme.level if scheme.level in with_data or not with_data else with_data[0]


def scope_requests(con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, basic_credit: float) -> int:
    return int(scope_totals(con, viewer, period, metric_ids=["requests"], basic_credit=basic_credit)["requests"] or 0)


def empty_level_message(n: int, period: Period, level: str, with_data: list[str], lang: str) -> str:
    """Requests exist in the period but none in a unit of this level."""
    levels = "、".join(level_label(v, lang) for v in with_data) if lang == "zh" else \
        ", ".join(level_label(v, lang) for v in with_data)
    return tx("no_units_at_level", lang, n=n, period=period.label, level=level_label(level, lang),
              levels=levels or "—")


def _missing_what(left_out: tuple[str, ...], lang: str) -> str:
    """'return visits' when every left-out indicator is a survey rate, else their names."""
    if all(registry.BY_ID[m].denominator == registry.VISITED for m in left_out):
        return tx("what.visits", lang)
    return ", ".join(metric_label(m, lang) for m in left_out)


def cannot_score_message(con: duckdb.DuckDBPyConnection, viewer: Viewer, scheme: Scheme, period: Period,
                         level: str, scored: pd.DataFrame, lang: str) -> str | None:
    """None when the scheme scores at least one indicator here; else what is missing and which schemes to try."""
    left_out = tuple(scored.attrs.get("left_out", ()))
    if not len(scored) or len(left_out) < len(scheme.indicators):
        return None
    n = scope_requests(con, viewer, period, scheme.basic_credit)
    others = []
    for name in list_schemes():
        other = load_scheme(name)
        if name == scheme.name:
            continue
        result = assess(con, viewer, other, period, level)
        if len(result.attrs.get("left_out", ())) < len(other.indicators) and result["score"].notna().any():
            others.append(name)
    what = _missing_what(left_out, lang)
    if not others:
        return tx("cannot_score_none", lang, n=n, what=what)
    return tx("cannot_score", lang, n=n, what=what, schemes=" / ".join(others))
