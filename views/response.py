"""响应时效 Response (/response): response and close times (p50 / p90) by unit, on-time rates,
the duration distribution, hour × weekday, and by channel, category and urgency."""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from metrics.core.formats import fmt_hours
from metrics.present import detail as page_detail
from metrics.present.common import PAGE_CREDIT
from metrics.query import detail as queries_detail
from metrics.query import tables as queries
from metrics.query.coverage import metric_coverage
from views import filterbar, tiles, ui
from views.cache import cached
from views.state import lang, tr, translator, viewer

HOURS = ("response_hours_p50", "response_hours_p90", "close_hours_p50", "close_hours_p90")
ON_TIME = ("on_time_response_rate", "on_time_close_rate")
TICKS = (1 / 60, 0.25, 1, 4, 12, 24, 72, 168, 720)
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

st.title(tr("nav.response"))
con, view = filterbar.render()
me, language = viewer(), lang()
tiles.row(view, (*HOURS, *ON_TIME))

table = ui.held_only(cached(queries.unit_table)(me, view.level, view.period, view.filters, ("requests", *HOURS, *ON_TIME),
                                                basic_credit=PAGE_CREDIT), view)
name_col = ui.name_col()


@st.fragment
def by_kind(view, table, me, language: str, name_col: str) -> None:
    """Everything that follows the response / close switch: switching reruns only this part."""
    st.markdown(f"#### {tr('response.by_unit', level=tr('level.' + view.level))}")
    # the response times when the data has them, else the close times
    held = cached(metric_coverage)(me, view.period, view.filters, ("response_hours_p50",))["response_hours_p50"].held
    which = st.segmented_control(tr("response.which"), ("response", "close"), default="response" if held else "close",
                                 required=True,
                                 format_func=lambda k, t_=translator(): t_(f"response.{k}"), key=f"which_{language}") or "response"
    p50, p90 = f"{which}_hours_p50", f"{which}_hours_p90"
    if ui.is_empty(table, p50):
        ui.no_data(view=view, metric=p50)
    else:
        shown = table.dropna(subset=[p90]).sort_values(p90, ascending=False).head(30)
        fig = go.Figure()
        for metric_id, colour in ((p50, ui.PALETTE[0]), (p90, ui.PALETTE[1])):
            fig.add_bar(y=shown[name_col], x=shown[metric_id], name=ui.metric_label(metric_id), orientation="h",
                        marker_color=colour,
                        customdata=list(zip([fmt_hours(v, language) for v in shown[metric_id]], shown["unit_id"])),
                        hovertemplate="%{y}: %{customdata[0]}<extra>" + ui.metric_label(metric_id) + "</extra>")
        fig.update_layout(barmode="group", yaxis={"autorange": "reversed"}, xaxis={"title": tr("hours")})
        ui.plot(ui.style(fig, height=max(320, 26 * len(shown) + 80)), key="by_unit", query=view.query(metric=p90),
                rows=lambda p: {"unit": p["customdata"][1]})
        st.caption(tr("chart.click_rows"))
        if len(table.dropna(subset=[p90])) > len(shown):
            st.caption(tr("response.top30"))

    left, right = st.columns(2, gap="medium")
    with left:
        st.markdown(f"#### {tr('response.distribution')}")
        hist = cached(queries_detail.duration_histogram)(me, which, view.period, view.filters)
        if hist.empty:
            ui.no_data(view=view, metric=p50)
        else:
            fig = go.Figure(go.Scatter(
                x=hist["lower_hours"], y=hist["count"], line_shape="hv", fill="tozeroy", mode="lines",
                line_color=ui.PALETTE[0], name=tr(f"response.{which}"),
                customdata=[f"{fmt_hours(a, language)} – {fmt_hours(b, language)}" for a, b in
                            zip(hist["lower_hours"], hist["upper_hours"])],
                hovertemplate="%{customdata}: %{y:,}<extra></extra>",
            ))
            fig.update_layout(xaxis={"type": "log", "title": tr("hours_log"), "tickvals": TICKS,
                                     "ticktext": [fmt_hours(v, language) for v in TICKS]}, yaxis={"title": tr("count")})
            ui.plot(ui.style(fig, legend=False), key="hist")
    with right:
        st.markdown(f"#### {tr('response.heatmap')}")
        cells = cached(queries_detail.hour_weekday)(me, view.period, view.filters)
        if ui.is_empty(cells, "requests"):
            ui.no_data()
        else:
            grid = cells.pivot(index="weekday", columns="hour", values="requests").sort_index()
            days = WEEKDAYS_ZH if language == "zh" else WEEKDAYS_EN
            fig = go.Figure(go.Heatmap(
                z=grid.to_numpy(), x=list(grid.columns), y=[days[d - 1] for d in grid.index], colorscale="YlOrRd",
                colorbar={"title": tr("count")}, hovertemplate="%{y} %{x}:00 — %{z:,}<extra></extra>",
            ))
            fig.update_layout(xaxis={"title": tr("hour_of_day"), "dtick": 2}, yaxis={"autorange": "reversed"})
            ui.plot(ui.style(fig, legend=False), key="heat")

    st.markdown(f"#### {tr('response.by_group')}")
    on_time = f"on_time_{which}_rate"
    columns = st.columns(3, gap="medium")
    for column, group in zip(columns, ("channel", "category", "urgency")):
        frame = ui.held_only(cached(page_detail.group_table)(me, view.period, view.filters, group,
                                                             ("requests", p50, p90, on_time), basic_credit=PAGE_CREDIT),
                             view)
        with column:
            st.markdown(f"**{tr(group)}**")
            if ui.is_empty(frame, "requests"):
                ui.no_data(view=view, field=group)
                continue
            frame = ui.localize(frame.sort_values("requests", ascending=False))
            st.dataframe(
                ui.with_values(frame, [group, "requests", p50, p90, on_time]), hide_index=True,
                width="stretch", height=min(400, 35 * len(frame) + 40),
                column_config={
                    group: st.column_config.TextColumn(tr(group)),
                    "requests": st.column_config.NumberColumn(ui.metric_label("requests"), format="localized"),
                    p50: st.column_config.NumberColumn("P50", format="%.1f h", help=ui.metric_label(p50)),
                    p90: st.column_config.NumberColumn("P90", format="%.1f h", help=ui.metric_label(p90)),
                    on_time: st.column_config.NumberColumn(ui.metric_label(on_time), format="percent"),
                },
            )


by_kind(view, table, me, language, name_col)

st.markdown(f"#### {tr('response.on_time_by_unit', level=tr('level.' + view.level))}")
if ui.is_empty(table, "requests"):
    ui.no_data()
else:
    shown = table.assign(link=[ui.href("requests", view.query(unit=u, metric="on_time_close_rate"))
                               for u in table["unit_id"]]).sort_values("on_time_close_rate")
    st.dataframe(
        ui.with_values(shown, [name_col, "requests", *ON_TIME, *HOURS, "link"]), hide_index=True, width="stretch", height=360,
        column_config={
            name_col: st.column_config.TextColumn(tr("unit")),
            "requests": st.column_config.NumberColumn(ui.metric_label("requests"), format="localized"),
            **{m: st.column_config.ProgressColumn(ui.metric_label(m), min_value=0, max_value=1, format="percent")
               for m in ON_TIME},
            **{m: st.column_config.NumberColumn(ui.metric_label(m), format="%.1f h") for m in HOURS},
            "link": st.column_config.LinkColumn(tr("rows_link"), display_text=tr("rows_link.short")),
        },
    )
