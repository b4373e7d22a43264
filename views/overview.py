"""总览 Overview (/): headline KPIs and the composite score with MoM / YoY, the 12-month trend,
best and worst units, the category hot list and the alerts, each linking to the page that explains it."""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from metrics.core.formats import fmt_count, fmt_period, fmt_relative
from metrics.present import headline
from metrics.present import pages as page_data
from metrics.present.common import PAGE_CREDIT
from metrics.present.pages import best_and_worst
from metrics.query import detail as queries_detail
from metrics.assess.schemes import DEFAULT_SCHEME, load_scheme
from views import filterbar, tiles, ui
from views.cache import cached
from views.state import lang, tr, viewer

SURVEY_RATES = ("response_rate", "resolution_rate", "satisfaction_rate")   # the ranking tables' columns

st.title(tr("overview.heading"))
con, view = filterbar.render()
me, language = viewer(), lang()
scheme = load_scheme(DEFAULT_SCHEME)

score = cached(page_data.scope_scored)(me, view.period, view.filters, DEFAULT_SCHEME)
st.subheader(tr("overview.kpis", period=fmt_period(view.period, language)))
# tiles and trend lines from the metrics the data holds, in the stated order of preference
[score_column] = tiles.row(view, cached(headline.headline_ids)(me, view.period, view.filters), extra=1)
trend_rates = cached(headline.trend_rates)(me, view.period, view.filters)
scheme_title = scheme.title_zh if language == "zh" else scheme.title_en
score_column.metric(
    tr("score"), "—" if score["value"] is None else f"{score['value']:.1f}",
    delta=None if score["mom"] is None else f"{score['mom']:+.1f}", border=True,
    help=tr("overview.score_help", scheme=scheme_title),
)
yoy_score = "—" if score["yoy"] is None else f"{score['yoy']:+.1f}"
score_column.caption(f"{tr('yoy')} {yoy_score} · {scheme_title}")

left, right = st.columns([3, 2], gap="medium")
with left:
    st.markdown(f"#### {tr('overview.trend')}")
    series = cached(page_data.trend)(me, view.period, view.filters, ("requests", *trend_rates),
                                     basic_credit=PAGE_CREDIT)
    if ui.is_empty(series, "requests"):
        ui.no_data()
    else:
        fig = go.Figure()
        fig.add_bar(x=series["bucket"], y=series["requests"], name=ui.metric_label("requests"),
                    customdata=[b.strftime("%Y-%m") for b in series["bucket"]],
                    marker_color="#c6dbef", hovertemplate="%{x|%Y-%m}: %{y:,}<extra></extra>")
        for metric_id in trend_rates:
            fig.add_scatter(x=series["bucket"], y=series[metric_id], name=ui.metric_label(metric_id), yaxis="y2",
                            mode="lines+markers", hovertemplate="%{x|%Y-%m}: %{y:.1%}<extra></extra>")
        fig.update_layout(
            yaxis={"title": ui.metric_label("requests"), "showgrid": False},
            yaxis2={"overlaying": "y", "side": "right", **ui.RATE_AXIS, "title": tr("rate")},
            xaxis={"tickformat": "%Y-%m" if language == "zh" else "%b %Y"},
        )
        ui.plot(ui.style(fig), key="trend", query=view.query(),
                rows=lambda p: {"period": str(p.get("customdata") or p["x"])[:7]})
        st.caption(tr("chart.click_rows"))
with right:
    st.markdown(f"#### {tr('alerts.heading')}")
    found = cached(page_data.alert_list)(me, view.level, view.period, view.filters, view.as_of, DEFAULT_SCHEME)
    box = st.container(height=380, border=True)
    if not found:
        box.success(tr("alerts.none"), icon=":material/check_circle:")
    for kind in ("spike", "floor", "overdue"):
        items = sorted((a for a in found if a.kind == kind), key=lambda a: -a.severity)
        if not items:
            continue
        box.markdown(f"**{tr('alerts.' + kind)}** ({len(items)})")
        for alert in items[:8]:
            name = alert.name_zh if language == "zh" else alert.name_en
            if kind == "spike":
                text = tr("alerts.spike_text", name=name, n=f"{alert.value:.0f}", threshold=f"{alert.threshold:.1f}")
            elif kind == "overdue":
                text = tr("alerts.overdue_text", name=name, n=fmt_count(alert.value, language))
            else:
                value, floor = ui.value_text(alert.metric, alert.value), ui.value_text(alert.metric, alert.threshold)
                text = tr("alerts.floor_text", name=name, metric=ui.metric_label(alert.metric), value=value,
                          floor=floor)
            query = {**view.query(), **alert.query}
            box.markdown(f"- [{ui.md_text(text)}]({ui.href(alert.page, query)})")

scored = cached(page_data.scored_units)(me, view.level, view.period, view.filters, DEFAULT_SCHEME)
best, worst = best_and_worst(scored, 10)
st.markdown(f"#### {tr('overview.ranking', level=tr('level.' + view.level), scheme=scheme_title)}")
name_col = ui.name_col()
config = {
    name_col: st.column_config.TextColumn(tr("unit")),
    "rank": st.column_config.NumberColumn(tr("rank"), format="%d"),
    "score": st.column_config.ProgressColumn(tr("score"), min_value=0, max_value=100, format="%.1f"),
    "grade": st.column_config.TextColumn(tr("grade")),
    "link": st.column_config.LinkColumn(tr("rows_link"), display_text=tr("rows_link.short")),
    **{m: st.column_config.NumberColumn(ui.metric_label(m), format="percent") for m in SURVEY_RATES},
}
for column, title, frame in zip(st.columns(2, gap="medium"), (tr("overview.best"), tr("overview.worst")), (best, worst)):
    column.markdown(f"**{title}**")
    if frame.empty:
        column.info(tr("overview.no_ranked"), icon=":material/info:")
        continue
    shown = frame.assign(
        grade=frame["grade_zh" if language == "zh" else "grade_en"],
        link=[ui.href("requests", {**view.query(), "unit": u}) for u in frame["unit_id"]],
    )
    column.dataframe(ui.with_values(shown, ["rank", name_col, "score", "grade", *SURVEY_RATES, "link"]), hide_index=True,
                     column_config=config, width="stretch")

st.markdown(f"#### {tr('overview.categories')}")
hot = cached(queries_detail.category_top)(me, view.period, 10, view.filters)
if hot.empty:
    ui.no_data()
else:
    labels = [f"{c} ({fmt_relative(ch, language) or tr('no_data')})" for c, ch in zip(hot["category"], hot["change"])]
    colours = [ui.BAD if (c or 0) > 0.1 else ui.NEUTRAL for c in hot["change"].fillna(0)]
    fig = go.Figure(go.Bar(
        x=hot["requests"], y=labels, orientation="h", marker_color=colours,
        customdata=list(zip(hot["previous"], hot["category"])),
        hovertemplate="%{y}: %{x:,} (" + tr("previous") + " %{customdata[0]:,})<extra></extra>",
    ))
    fig.update_layout(yaxis={"autorange": "reversed"}, xaxis={"title": ui.metric_label("requests")})
    ui.plot(ui.style(fig, height=360, legend=False), key="hot", query=view.query(),
            rows=lambda p: {"cat": p["customdata"][1]})
    st.caption(tr("overview.categories_note") + " " + tr("chart.click_rows"))
