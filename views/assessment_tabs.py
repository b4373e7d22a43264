"""The assessment page's tabs: ranking, red / black lists, one unit's scorecard, scheme
comparison and fairness. Drawing only: the frames come from metrics.present.scorecard_frames."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from metrics.core import registry
from metrics.export.text import metric_label, tx
from metrics.core.periods import Period
from metrics.assess.schemes import Scheme
from metrics.assess.scorecard import ScorecardBook
from metrics.present.scorecard_frames import (card_bars, card_frame, card_trend, compare_frame, drag_frame,
                                      funnel_frames, insufficient_frame, is_rate, list_frame,
                                      ranking_frame, stability_frame)
from views import assessment_data as data
from views.state import url_param
from views.ui import FONT, plain_figure



def _style(fig: go.Figure, height: int = 360) -> go.Figure:
    fig.update_layout(font={"family": FONT, "size": 13}, height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      legend={"orientation": "h", "y": 1.08, "x": 0, "title": None})
    return plain_figure(fig)


def _plot(fig: go.Figure, key: str) -> None:
    st.plotly_chart(_style(fig), width="stretch", key=key, config={"displaylogo": False})


def _config(frame: pd.DataFrame, language: str) -> dict[str, object]:
    """Number formats by column label: scores 0.00, rates %, changes signed."""
    cfg: dict[str, object] = {}
    score, change = tx("score", language), tx("change", language)
    not_rates = {metric_label(m.id, language): m.unit for m in registry.METRICS if m.unit != "rate"}
    for col in frame.columns:
        if col in not_rates:     # hours, counts: plain numbers, never a percentage
            cfg[col] = st.column_config.NumberColumn(col, format="%.1f" if not_rates[col] == "hours" else "%d")
        elif col == score:
            cfg[col] = st.column_config.ProgressColumn(col, min_value=0, max_value=100, format="%.2f")
        elif col in (change, tx("rank_change", language)):
            cfg[col] = st.column_config.NumberColumn(col, format="%+.2f" if col == change else "%+d")
        elif col.endswith(tx("ind_score", language)) or col in (tx("bonus", language), tx("deduction", language),
                                                               tx("points_lost", language), tx("contribution", language)):
            cfg[col] = st.column_config.NumberColumn(col, format="%.2f")
        elif frame[col].dtype.kind == "f":
            cfg[col] = st.column_config.NumberColumn(col, format="%.1f%%" if col != tx("volume", language) else "%d")
    return cfg


def _table(frame: pd.DataFrame, language: str, key: str, height: int | None = None) -> None:
    if frame.empty:
        st.info(tx("none", language))
        return
    st.dataframe(frame, hide_index=True, width="stretch", column_config=_config(frame, language), key=key,
                 height=height or "auto")


def ranking(book: ScorecardBook, language: str) -> None:
    if book.left_out:
        st.warning(book.left_out_note(language))
    st.caption(tx("ranked_units", language, n=len(book.ranked), m=len(book.insufficient)) + " · "
               + tx("score_formula", language))
    _table(ranking_frame(book, language), language, "as_ranking", height=min(36 * (len(book.ranked) + 1) + 3, 620))
    st.subheader(tx("insufficient", language))
    st.caption(tx("insufficient_note", language, n=book.scheme.min_volume.n))
    _table(insufficient_frame(book, language), language, "as_insufficient", height=260)


def lists(book: ScorecardBook, language: str) -> None:
    left, right = st.columns(2)
    with left:
        st.subheader("▲ " + tx("red", language))
        _table(list_frame(book, "red", language), language, "as_red")
    with right:
        st.subheader("▼ " + tx("black", language))
        _table(list_frame(book, "black", language), language, "as_black")


def scorecard(book: ScorecardBook, scheme: Scheme, period: Period, level: str, language: str) -> None:
    cards = {c.unit_id: c for c in book.ranking}
    wanted = url_param("unit", allowed=list(cards), default=next(iter(cards), None))
    unit_id = st.selectbox(tx("unit", language), list(cards), key=f"as_card_unit_{level}",
                           index=list(cards).index(wanted) if wanted in cards else 0,
                           format_func=lambda u: f"{cards[u].rank or '—'}. {cards[u].display_name(language)}")
    st.query_params["unit"] = unit_id
    card = cards[unit_id]
    cols = st.columns(4)
    cols[0].metric(tx("score", language), "—" if card.score is None else f"{card.score:.2f}",
                   delta=None if card.change is None else f"{card.change:+.2f}", border=True)
    cols[1].metric(tx("grade", language), card.grade(language) or tx("insufficient", language), border=True)
    cols[2].metric(tx("rank", language), f"{card.rank} / {len(book.ranked)}" if card.rank else "—",
                   delta=None if card.rank_change is None else f"{card.rank_change:+d}", border=True)
    cols[3].metric(tx("volume", language), f"{card.volume:,}", border=True)
    if book.left_out:
        st.caption(book.left_out_note(language))
    _table(card_frame(book, card, language), language, "as_card_table")
    left, right = st.columns(2)
    with left:
        bars = card_bars(book, card, language)
        fig = px.bar(bars, x="value", y="indicator", color="series", barmode="group", orientation="h",
                     pattern_shape="series", text_auto=".1f", title=tx("vs_city", language),
                     labels={"value": "", "indicator": ""})
        _plot(fig, "as_card_bars")
    with right:
        trend = card_trend(card, language)
        fig = px.line(trend, x="period", y="score", color="series", line_dash="series", markers=True,
                      title=tx("trend", language), labels={"period": "", "score": ""})
        _plot(fig, "as_card_trend")
    for key, line in (("strongest", card.strongest), ("weakest", card.weakest)):
        if line is not None and len(card.indicators) > 1:
            st.markdown(f"**{tx(key, language)}**: {metric_label(line.metric, language)}")
    st.subheader(tx("drags", language))
    st.caption(tx("drags_note", language))
    _table(drag_frame(book, card, language), language, "as_card_drags")
    with st.expander(tx("definitions", language)):
        for d in book.definitions:
            st.markdown(f"**{d.label(language)}** — {d.formula(language)}")
    from views.assessment_export import unit_downloads
    unit_downloads(book, scheme, period, level, card, language)


def compare(scheme: Scheme, schemes: dict[str, str], month: str, level: str, language: str) -> None:
    others = [k for k in schemes if k != scheme.name] or list(schemes)
    other_key = st.selectbox(tx("compare_with", language), others, format_func=schemes.get, key="as_compare")
    other = data.scheme(other_key)
    a = data.scored(scheme, data.period_of(scheme, month), level)
    b = data.scored(other, data.period_of(other, month), level)
    frame = compare_frame(a, b, language)
    st.caption(f"A = {scheme.name} v{scheme.version} · B = {other.name} v{other.version} · "
               + tx("compare_note", language))
    moved = frame.dropna(subset=[tx("rank_change", language)])
    if not moved.empty:
        top = moved.iloc[0]
        st.metric(tx("moves_most", language), str(top[tx("unit", language)]),
                  delta=f"{int(top[tx('rank_change', language)]):+d}", border=True)
        head = moved.head(15)
        fig = px.bar(head, x=tx("rank_change", language), y=tx("unit", language), orientation="h",
                     text=tx("rank_change", language))
        fig.update_yaxes(autorange="reversed")
        _plot(fig, "as_compare_bars")
    _table(frame, language, "as_compare_table", height=420)


def fairness(scheme: Scheme, period: Period, level: str, language: str) -> None:
    rates = [i.metric for i in scheme.indicators if is_rate(i.metric)]
    if not rates:
        st.info(tx("none", language))
        return
    scored = data.scored(scheme, period, level)
    metric = st.selectbox(tx("indicator", language), rates, key="as_fair_metric",
                          format_func=lambda m: metric_label(m, language))
    st.subheader(tx("funnel", language))
    st.caption(tx("funnel_note", language))
    units, curve = funnel_frames(scored, metric)
    fig = go.Figure()
    for col, dash, name in (("lo_95", "dash", "95%"), ("hi_95", "dash", None), ("lo_99_8", "dot", "99.8%"),
                            ("hi_99_8", "dot", None)):
        fig.add_scatter(x=curve["volume"], y=curve[col], mode="lines", line={"dash": dash, "color": "#555"},
                        name=name, showlegend=name is not None, legendgroup=col[-4:])
    fig.add_scatter(x=curve["volume"], y=curve["overall"], mode="lines", line={"color": "#999"},
                    name=tx("city_value", language))
    fig.add_scatter(x=units["volume"], y=units["rate"], mode="markers", text=units["unit_name"],
                    marker={"symbol": units["outside_95"].map({-1: "triangle-down", 0: "circle", 1: "triangle-up"}),
                            "size": 9, "color": units["outside_95"].map({-1: "#d73027", 0: "#1f6fb2", 1: "#1a9850"})},
                    name=tx("unit", language), hovertemplate="%{text}<br>n=%{x}<br>%{y:.1f}%<extra></extra>")
    fig.update_xaxes(type="log", title=tx("volume", language))
    fig.update_yaxes(title=f"{metric_label(metric, language)} (%)")
    _plot(fig, "as_funnel")
    st.subheader(tx("casemix", language))
    st.caption(tx("casemix_note", language))
    mix = data.casemix(scheme, period, level, metric)
    if not mix.empty:
        fig = px.scatter(mix, x="raw", y="adjusted", hover_name="unit_name", size="den",
                         labels={"raw": tx("raw", language), "adjusted": tx("adjusted", language)})
        diagonal = mix.sort_values("raw")
        fig.add_scatter(x=diagonal["raw"], y=diagonal["raw"], mode="lines", line={"dash": "dash", "color": "#888"},
                        showlegend=False, hoverinfo="skip")
        _plot(fig, "as_casemix")
        shown = mix.rename(columns={"unit_name": tx("unit", language), "raw": tx("raw", language),
                                    "adjusted": tx("adjusted", language), "difference": tx("difference", language),
                                    "den": tx("volume", language)}).drop(columns=["unit_id"])
        _table(shown, language, "as_casemix_table", height=300)
    st.subheader(tx("stability", language))
    st.caption(tx("stability_note", language))
    stab = stability_frame(scored, scheme)
    if stab.empty:
        st.info(tx("none", language))
        return
    fig = go.Figure(go.Scatter(
        x=stab["rank_median"], y=stab["unit_name"], mode="markers", marker={"size": 8, "color": "#1f6fb2"},
        error_x={"type": "data", "symmetric": False, "array": stab["plus"], "arrayminus": stab["minus"]},
        hovertemplate="%{y}: %{x}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=tx("rank", language))
    st.plotly_chart(_style(fig, height=max(300, 18 * len(stab) + 80)), width="stretch", key="as_stability")
