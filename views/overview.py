"""总览 Overview (/): headline KPIs of the latest full month with month-on-month change."""
from __future__ import annotations

import streamlit as st

from metrics.i18n import fmt_count, fmt_pp, fmt_rate, fmt_relative
from metrics.kpi import overview_kpis
from metrics.periods import latest_full_month
from metrics.registry import BY_ID
from metrics.store import DataVersion
from views.state import cursor, lang, store_version, tr, viewer


@st.cache_data(show_spinner=False, max_entries=64)
def cached_kpis(_con, version: DataVersion, viewer_key: object):
    period = latest_full_month(_con)
    as_of = _con.execute("SELECT max(received_at) FROM requests").fetchone()[0]
    return period, as_of, (overview_kpis(_con, viewer(), period) if period else [])


con = cursor()
period, as_of, kpis = cached_kpis(con, store_version(), viewer())
language = lang()

st.title(tr("overview.heading"))
if period is None:
    st.info(tr("store.empty"))
    st.stop()
st.caption(f"{tr('data_as_of')} {as_of:%Y-%m-%d %H:%M}")
st.subheader(tr("overview.kpis", period=period.label))

columns = st.columns(len(kpis))
for column, kpi in zip(columns, kpis):
    metric = BY_ID[kpi.metric_id]
    label = metric.zh if language == "zh" else metric.en
    if metric.unit == "rate":
        value, delta = fmt_rate(kpi.value, language), fmt_pp(kpi.change, language)
        color = "normal" if metric.higher_is_better else "inverse"
    else:
        value, delta, color = fmt_count(kpi.value, language), fmt_relative(kpi.change, language), "off"
    column.metric(
        label, value, delta=delta, delta_color=color, border=True,
        help=(metric.formula_zh if language == "zh" else metric.formula_en) + f" · {tr('overview.vs_prev')}",
    )
