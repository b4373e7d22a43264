"""满意度 Satisfaction (/satisfaction): the trend, units with Wilson 95 % intervals, satisfaction
against response time, return-visit coverage, and the categories with the lowest satisfaction."""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from metrics.present import detail as page_detail
from metrics.present import pages as page_data
from metrics.present.common import PAGE_CREDIT
from views import filterbar, tiles, ui
from views.cache import cached
from views.state import lang, tr, viewer

MIN_VISITS = 30   # categories with fewer valid return visits are not listed among the lowest

st.title(tr("nav.satisfaction"))
con, view = filterbar.render()
me, language = viewer(), lang()
tiles.row(view, ("satisfaction_rate", "resolution_rate", "response_rate", "visit_coverage"))
name_col = ui.name_col()

left, right = st.columns(2, gap="medium")
with left:
    st.markdown(f"#### {tr('satisfaction.trend')}")
    series = cached(page_data.trend)(me, view.period, view.filters, ("satisfaction_rate", "visit_coverage", "requests"),
                                     basic_credit=PAGE_CREDIT)
    if ui.is_empty(series, "requests"):
        ui.no_data()
    else:
        fig = go.Figure()
        for metric_id in ("satisfaction_rate", "visit_coverage"):
            fig.add_scatter(x=series["bucket"], y=series[metric_id], name=ui.metric_label(metric_id),
                            mode="lines+markers", hovertemplate="%{x|%Y-%m}: %{y:.1%}<extra></extra>")
        fig.update_layout(yaxis={"tickformat": ".0%", "title": tr("rate")},
                          xaxis={"tickformat": "%Y-%m" if language == "zh" else "%b %Y"})
        ui.plot(ui.style(fig), key="trend")
with right:
    st.markdown(f"#### {tr('satisfaction.vs_response')}")
    bands = cached(page_detail.satisfaction_by_response)(me, view.period, view.filters, basic_credit=PAGE_CREDIT)
    if ui.is_empty(bands, "satisfaction_rate_den"):
        ui.no_data()
    else:
        h = "小时" if language == "zh" else "h"
        labels = [f"{lo:g}–{hi:g}{h}" if hi != float("inf") else f"≥{lo:g}{h}"
                  for lo, hi in zip(bands["lower"], bands["upper"])]
        fig = go.Figure()
        fig.add_bar(x=labels, y=bands["satisfaction_rate_den"], name=tr("satisfaction.visited"),
                    marker_color="#c6dbef", hovertemplate="%{x}: %{y:,}<extra></extra>")
        fig.add_scatter(x=labels, y=bands["satisfaction_rate"], name=ui.metric_label("satisfaction_rate"),
                        yaxis="y2", mode="lines+markers", line_color=ui.PALETTE[1],
                        hovertemplate="%{x}: %{y:.1%}<extra></extra>")
        fig.update_layout(xaxis={"title": tr("satisfaction.response_band")},
                          yaxis={"title": tr("satisfaction.visited"), "showgrid": False},
                          yaxis2={"overlaying": "y", "side": "right", "tickformat": ".0%"})
        ui.plot(ui.style(fig), key="vs_response")

st.markdown(f"#### {tr('satisfaction.by_unit', level=tr('level.' + view.level))}")
table, overall = cached(page_detail.wilson_table)(me, view.level, view.period, view.filters, basic_credit=PAGE_CREDIT)
ranked = table.dropna(subset=["satisfaction_rate"]).sort_values("satisfaction_rate")
if ranked.empty:
    ui.no_data()
else:
    shown = ranked.head(40)
    fig = go.Figure(go.Scatter(
        x=shown["satisfaction_rate"], y=shown[name_col], mode="markers", marker={"color": ui.PALETTE[0], "size": 8},
        error_x={"type": "data", "symmetric": False, "array": shown["err_hi"], "arrayminus": shown["err_lo"],
                 "color": "#888"},
        customdata=shown[["satisfaction_rate_lo", "satisfaction_rate_hi", "satisfaction_rate_den", "unit_id"]]
        .to_numpy(dtype=object),
        hovertemplate="%{y}: %{x:.1%} (95% CI %{customdata[0]:.1%}–%{customdata[1]:.1%}, n=%{customdata[2]:,})"
                      "<extra></extra>",
    ))
    if overall is not None:
        fig.add_vline(x=overall, line_dash="dot", line_color=ui.BAD,
                      annotation_text=tr("satisfaction.overall"), annotation_position="top")
    fig.update_layout(xaxis={"tickformat": ".0%", "title": ui.metric_label("satisfaction_rate")},
                      yaxis={"autorange": "reversed"})
    ui.plot(ui.style(fig, height=max(320, 22 * len(shown) + 90), legend=False), key="wilson",
            query=view.query(metric="satisfaction_rate"), rows=lambda p: {"unit": p["customdata"][3]})
    st.caption(tr("satisfaction.wilson_note", n=len(shown), total=len(ranked)) + " " + tr("chart.click_rows"))

left, right = st.columns(2, gap="medium")
with left:
    st.markdown(f"#### {tr('satisfaction.coverage', level=tr('level.' + view.level))}")
    if ui.is_empty(table, "visit_coverage"):
        ui.no_data()
    else:
        shown = table.dropna(subset=["visit_coverage"]).sort_values("visit_coverage").head(20)
        fig = go.Figure(go.Bar(x=shown["visit_coverage"], y=shown[name_col], orientation="h",
                               marker_color=ui.PALETTE[2], hovertemplate="%{y}: %{x:.1%}<extra></extra>"))
        fig.update_layout(xaxis={"tickformat": ".0%", "title": ui.metric_label("visit_coverage")},
                          yaxis={"autorange": "reversed"})
        ui.plot(ui.style(fig, height=max(300, 22 * len(shown) + 80), legend=False), key="coverage")
with right:
    st.markdown(f"#### {tr('satisfaction.lowest_categories')}")
    cats = cached(page_detail.lowest_categories)(me, view.period, view.filters, MIN_VISITS, 10,
                                                 basic_credit=PAGE_CREDIT)
    if cats.empty:
        ui.no_data()
    else:
        cats = cats.assign(link=[ui.href("requests", view.query(cat=c, metric="satisfaction_rate"))
                                 for c in cats["category"]])
        st.dataframe(
            cats[["category", "satisfaction_rate", "satisfaction_rate_den", "requests", "link"]], hide_index=True,
            width="stretch",
            column_config={
                "category": st.column_config.TextColumn(tr("category")),
                "satisfaction_rate": st.column_config.ProgressColumn(ui.metric_label("satisfaction_rate"),
                                                                     min_value=0, max_value=1, format="percent"),
                "satisfaction_rate_den": st.column_config.NumberColumn(tr("satisfaction.visited"),
                                                                       format="localized"),
                "requests": st.column_config.NumberColumn(ui.metric_label("requests"), format="localized"),
                "link": st.column_config.LinkColumn(tr("rows_link"), display_text=tr("rows_link.short")),
            },
        )
        st.caption(tr("satisfaction.min_visits", n=MIN_VISITS))
