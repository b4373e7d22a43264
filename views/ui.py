"""Shared drawing helpers: plotly styling (CJK font, palette), empty states, metric labels, deep links."""
from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from metrics.core.formats import fmt_count, fmt_value
from metrics.core.i18n import code_label
from metrics.core.registry import BY_ID
from metrics.present.headline import empty_message
from metrics.query.coverage import metric_coverage
from views.cache import cached
from views.state import lang, tr, viewer

FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
PALETTE = ("#1f6fb2", "#e4572e", "#2a9d8f", "#f2a541", "#7b5ea7", "#8c8c8c", "#c44e8a", "#4f9d3a")
GOOD, BAD, NEUTRAL = "#1a9850", "#d73027", "#1f6fb2"
# A rate axis: percent ticks; bound_rates() pins it to 0–100 % when sparse data would stretch it.
RATE_AXIS = {"tickformat": ".0%"}


def bound_rates(fig: go.Figure) -> go.Figure:
    """Rate axes (percent ticks) run 0–100 % when their values cannot set a sensible range: fewer than
    two distinct values (one month, or none: plotly's default would run −100 % to 400 %) or any outside
    0..1. Otherwise they zoom to the data as before."""
    drawn = fig.layout.to_plotly_json()   # once: each call copies the whole layout
    for name in ("xaxis", "yaxis", "yaxis2"):
        axis = fig.layout[name] if name in drawn or name != "yaxis2" else None
        if axis is None or axis.tickformat != ".0%":
            continue
        ref = name.replace("axis", "")
        values = []
        for trace in fig.data:
            on = (getattr(trace, "yaxis", None) or "y") if ref.startswith("y") else (getattr(trace, "xaxis", None) or "x")
            data = trace.y if ref.startswith("y") else trace.x
            if on == ref and data is not None:
                values += [float(v) for v in pd.to_numeric(pd.Series(list(data)), errors="coerce").dropna()]
        if len(set(values)) < 2 or min(values) < 0 or max(values) > 1:
            axis.range = [0, 1]
    return fig
CHART_HEIGHT = 340


def metric_label(metric_id: str) -> str:
    if metric_id == "score":
        return tr("score")
    metric = BY_ID[metric_id]
    return metric.zh if lang() == "zh" else metric.en


def name_col() -> str:
    """The unit-name column of a unit table in the session's language."""
    return "unit_name" if lang() == "zh" else "name_en"


def metric_labeler():
    """``metric_label`` bound to the language of this run (for widget format functions)."""
    language = lang()
    return lambda metric_id: (BY_ID[metric_id].zh if language == "zh" else BY_ID[metric_id].en)


def metric_formula(metric_id: str) -> str:
    metric = BY_ID[metric_id]
    return metric.formula_zh if lang() == "zh" else metric.formula_en


def value_text(metric_id: str, value) -> str:
    unit = "score" if metric_id == "score" else BY_ID[metric_id].unit
    return fmt_value(value, unit, lang())


def is_empty(frame: pd.DataFrame | None, column: str | None = None) -> bool:
    """No rows, or (given a column) no non-null, non-zero value in it."""
    if frame is None or frame.empty:
        return True
    if column is None:
        return False
    values = pd.to_numeric(frame[column], errors="coerce")
    return bool(values.isna().all() or (values.fillna(0) == 0).all())


def no_data(where=st, view=None, metric: str | None = None, field: str | None = None) -> None:
    """The empty state: what is missing when requests exist but lack ``metric``'s fields (or a grouping
    ``field``, e.g. urgency), else "no requests match"."""
    text = None
    if view is not None and (metric or field):
        coverage = cached(metric_coverage)(viewer(), view.period, view.filters, (metric or "requests",))
        found = coverage[metric or "requests"]
        text = empty_message(found, lang()) if metric else (
            tr("no_data.missing", n=fmt_count(found.requests, lang()), fields=tr(field)) if found.requests else None)
    where.info(text or tr("no_data.detail"), icon=":material/info:")


def style(fig: go.Figure, *, height: int = CHART_HEIGHT, title: str | None = None, legend: bool = True) -> go.Figure:
    # one update_layout call: plotly validates per call and per key path, the costly part of a rerun's chart
    axes = {}
    if lang() == "zh":  # "10k" is not Chinese usage: full numbers with separators on every axis
        axes = {f"{name}_exponentformat": "none" for name in ("xaxis", "yaxis", *fig.layout)
                if name.startswith(("xaxis", "yaxis"))}
    fig.update_layout(
        font={"family": FONT, "size": 13},
        height=height,
        margin={"l": 10, "r": 10, "t": 40 if title else 16, "b": 10},
        colorway=list(PALETTE),
        title={"text": title, "x": 0, "font": {"size": 15}} if title else None,
        showlegend=legend,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "title": None},
        hoverlabel={"font": {"family": FONT}},
        separators=".,",
        **axes,
    )
    bound_rates(fig)
    return fig


_PUNCT = re.compile(r"[!-/:-@\[-`{-~]")  # every ASCII punctuation character: all are escapable in Markdown
_TRACE_TEXT = ("x", "y", "text", "hovertext", "customdata", "labels", "name")


def md_text(value: object) -> str:
    """A value from data as literal text inside a Markdown element (st.markdown, st.caption, alerts):
    no link, emphasis, HTML, directive or formula can come out of it."""
    return _PUNCT.sub(lambda m: "\\" + m.group(0), str(value)).replace("\n", " ").replace("\r", " ")


def _plain(value: object) -> object:
    """Plotly reads tags such as <a href> and <b> in any string it draws; entities keep them text."""
    if isinstance(value, str):
        return html.escape(value, quote=False)
    if isinstance(value, list | tuple | np.ndarray | pd.Series | pd.Index):
        items = [_plain(v) for v in value]
        return items if not isinstance(value, tuple) else tuple(items)
    return value


def plain_figure(fig: go.Figure) -> go.Figure:
    """Every string a figure takes from data (axis categories, text, hover text, custom data, names)
    shown as text; :func:`plot` undoes the escaping on clicked points."""
    for trace in fig.data:
        for attr in _TRACE_TEXT:
            value = getattr(trace, attr, None)
            if value is not None and attr in trace:
                trace[attr] = _plain(value)
    return fig


def _unescaped(value: object) -> object:
    if isinstance(value, str):
        return html.unescape(value)
    if isinstance(value, list | tuple):
        return [_unescaped(v) for v in value]
    return value


def plot(fig: go.Figure, key: str | None = None, *, rows: Callable[[dict], dict[str, str]] | None = None,
         query: dict[str, str] | None = None):
    """Draw a chart; with ``rows``, clicking a point opens the Requests page behind it.

    ``rows(point)`` maps the clicked point (plotly's selection: x, y, customdata …) to the query
    parameters that select its rows; they are added to ``query`` (the page's filters).
    """
    fig = plain_figure(fig)
    if rows is None:
        return st.plotly_chart(fig, width="stretch", key=key, config={"displaylogo": False})
    event = st.plotly_chart(fig, width="stretch", key=key, config={"displaylogo": False},
                            on_select="rerun", selection_mode="points")
    points = (event.selection.get("points") if event is not None else None) or []
    if points:
        point = {k: _unescaped(v) for k, v in points[0].items()}
        st.switch_page("views/requests.py", query_params={**(query or {}), **rows(point)})
    return event


def href(page: str, query: dict[str, str]) -> str:
    """A relative deep link to a page with its query string (the Overview is "/")."""
    path = "" if page == "overview" else page
    return f"./{path}?{urlencode(query)}" if query else f"./{path}"


def page_link(page: str, label: str, query: dict[str, str], icon: str | None = None, where=st) -> None:
    """A link to another page carrying the filters."""
    where.page_link(f"views/{page}.py", label=label, query_params=query, icon=icon)


CODED = ("channel", "source", "urgency", "status", "satisfaction")


def held_only(frame: pd.DataFrame, view) -> pd.DataFrame:
    """The table with the columns of metrics the data does not hold blanked (never a 0 % of a missing field)."""
    ids = tuple(c for c in frame.columns if c in BY_ID)
    coverage = cached(metric_coverage)(viewer(), view.period, view.filters, ids)
    lacking = [m for m in ids if not coverage[m].held]
    return frame.assign(**{m: float("nan") for m in lacking}) if lacking else frame


def with_values(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``frame[columns]`` without the metric columns that hold no value at all (a table shows "None" for
    a missing number: a metric the data lacks is left out rather than shown as a column of them), and
    without the rows of units or groups with no requests in the period (a row of None)."""
    if "requests" in frame:
        frame = frame[pd.to_numeric(frame["requests"], errors="coerce").fillna(0) > 0]
    return frame[[c for c in columns if c not in BY_ID or c == "requests" or frame[c].notna().any()]]


def localize(frame: pd.DataFrame) -> pd.DataFrame:
    """Coded columns (channel, source, urgency, status, satisfaction) in words of the session's language;
    times as text (YYYY-MM-DD HH:MM); a missing text or time (no department, no urgency, no deadline)
    as a dash rather than "None"."""
    out = frame.copy()
    for column in CODED:
        if column in out:
            out[column] = out[column].map(lambda v, c=column: code_label(c, v, lang()))
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M")
        values = out[column].dropna()
        if (pd.api.types.is_string_dtype(out[column]) or out[column].dtype == object) and all(
                isinstance(v, str) for v in values):   # text, not the yes/no columns
            out[column] = out[column].where(out[column].notna(), "—")
    return out


def code(kind: str):
    """A format_func for widgets listing coded values."""
    language = lang()
    return lambda value: code_label(kind, value, language)
