"""办结与解决 Resolution (/resolution): the funnel received → contacted → closed → visited →
resolved → satisfied, backlog ageing, the overdue list, repeat and return rates by unit and category."""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from metrics.core.formats import fmt_count
from metrics.present import detail as page_detail
from metrics.present.common import PAGE_CREDIT
from metrics.query import detail as queries_detail
from metrics.query import tables as queries
from views import filterbar, tiles, ui
from views.cache import cached
from views.state import lang, tr, viewer

RATES = ("resolution_rate", "on_time_close_rate", "repeat_rate", "return_rate")
STOCKS = ("backlog", "overdue")

st.title(tr("nav.resolution"))
con, view = filterbar.render()
me, language = viewer(), lang()
tiles.row(view, ("resolution_rate", "on_time_close_rate", "backlog", "overdue", "repeat_rate", "return_rate"))

left, right = st.columns(2, gap="medium")
with left:
    st.markdown(f"#### {tr('resolution.funnel')}")
    steps = cached(page_detail.funnel)(me, view.period, view.filters)
    if steps["n"].iloc[0] == 0:
        ui.no_data()
    else:
        fig = go.Figure(go.Funnel(
            y=[tr(f"funnel.{s}") for s in steps["step"]], x=steps["n"], textinfo="value+percent initial",
            marker={"color": list(ui.PALETTE[:len(steps)])},
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        ))
        ui.plot(ui.style(fig, legend=False), key="funnel")
        st.caption(tr("resolution.funnel_note"))
with right:
    st.markdown(f"#### {tr('resolution.ageing', end=view.period.last_day.isoformat())}")
    ages = cached(page_detail.backlog_ageing)(me, view.period, view.filters)
    if ui.is_empty(ages.assign(total=ages["overdue"] + ages["within"]), "total"):
        ui.no_data()
    else:
        labels = [tr("age.band", lo=f"{lo:g}", hi=f"{hi:g}") if hi != float("inf") else tr("age.over", lo=f"{lo:g}")
                  for lo, hi in zip(ages["lower"], ages["upper"])]
        fig = go.Figure()
        fig.add_bar(x=labels, y=ages["within"], name=tr("resolution.within"), marker_color=ui.PALETTE[0])
        fig.add_bar(x=labels, y=ages["overdue"], name=ui.metric_label("overdue"), marker_color=ui.BAD)
        fig.update_layout(barmode="stack", xaxis={"title": tr("resolution.days_open")}, yaxis={"title": tr("count")})
        ui.plot(ui.style(fig), key="ageing")

st.markdown(f"#### {tr('resolution.overdue_list')}")
rows, total = cached(queries_detail.drill_rows)(me, view.period, view.filters, None, "overdue", "received_at", False,
                                                 1, 15, basic_credit=PAGE_CREDIT)
if total == 0:
    st.success(tr("resolution.no_overdue"), icon=":material/check_circle:")
else:
    st.dataframe(
        ui.localize(rows[["request_id", "received_at", "resolve_by", "category", "unit_name", "dept_name", "urgency",
                          "status"]]),
        hide_index=True, width="stretch", height=300,
        column_config={
            "request_id": st.column_config.TextColumn(tr("col.request_id")),
            "received_at": st.column_config.DatetimeColumn(tr("col.received_at"), format="YYYY-MM-DD HH:mm"),
            "resolve_by": st.column_config.DatetimeColumn(tr("col.resolve_by"), format="YYYY-MM-DD HH:mm"),
            "category": st.column_config.TextColumn(tr("category")),
            "unit_name": st.column_config.TextColumn(tr("unit")),
            "dept_name": st.column_config.TextColumn(tr("level.department")),
            "urgency": st.column_config.TextColumn(tr("urgency")),
            "status": st.column_config.TextColumn(tr("col.status")),
        },
    )
    ui.page_link("requests", tr("resolution.all_overdue", n=fmt_count(total, language)),
                 view.query(metric="overdue"), icon=":material/table_rows:")

st.markdown(f"#### {tr('resolution.by_unit', level=tr('level.' + view.level))}")
table = cached(queries.unit_table)(me, view.level, view.period, view.filters, ("requests", *RATES, *STOCKS),
                                   basic_credit=PAGE_CREDIT)
name_col = ui.name_col()
rate_config = {m: st.column_config.ProgressColumn(ui.metric_label(m), min_value=0, max_value=1, format="percent")
               for m in RATES}
if ui.is_empty(table, "requests"):
    ui.no_data()
else:
    shown = table.assign(link=[ui.href("requests", view.query(unit=u, metric="repeat_rate"))
                               for u in table["unit_id"]]).sort_values("repeat_rate", ascending=False)
    st.dataframe(
        shown[[name_col, "requests", *RATES, *STOCKS, "link"]], hide_index=True, width="stretch", height=360,
        column_config={
            name_col: st.column_config.TextColumn(tr("unit")),
            "requests": st.column_config.NumberColumn(ui.metric_label("requests"), format="localized"),
            **rate_config,
            **{m: st.column_config.NumberColumn(ui.metric_label(m), format="localized") for m in STOCKS},
            "link": st.column_config.LinkColumn(tr("rows_link"), display_text=tr("rows_link.short")),
        },
    )

st.markdown(f"#### {tr('resolution.by_category')}")
cats = cached(page_detail.group_table)(me, view.period, view.filters, "category",
                                      ("requests", "repeat_rate", "return_rate", "resolution_rate"),
                                      basic_credit=PAGE_CREDIT)
if ui.is_empty(cats, "requests"):
    ui.no_data()
else:
    cats = cats.sort_values("requests", ascending=False)
    fig = go.Figure()
    for metric_id, colour in (("repeat_rate", ui.PALETTE[3]), ("return_rate", ui.PALETTE[4])):
        fig.add_bar(x=cats["category"], y=cats[metric_id], name=ui.metric_label(metric_id), marker_color=colour,
                    customdata=[metric_id] * len(cats),
                    hovertemplate="%{x}: %{y:.1%}<extra>" + ui.metric_label(metric_id) + "</extra>")
    fig.update_layout(barmode="group", yaxis={"tickformat": ".0%", "title": tr("rate")})
    ui.plot(ui.style(fig), key="by_category", query=view.query(),
            rows=lambda p: {"cat": p["x"], "metric": p.get("customdata") or "repeat_rate"})
    st.caption(tr("chart.click_rows"))
