"""考核评价 Assessment (/assessment): scheme, period and level; ranking, lists, scorecards,
weights editing, scheme comparison, fairness views and exports. Logic lives in metrics/."""
from __future__ import annotations

import streamlit as st

from metrics.export.text import level_label, period_kind_label, tx
from metrics.core.levels import RANKED_LEVELS
from metrics.present import assess_defaults as defaults
from views import assessment_data as data
from views import assessment_export as export
from views import assessment_tabs as tabs
from views.state import lang, url_param

language = lang()
st.title(tx("page.title", language))

month_options, default = data.months()
if not month_options:
    st.info(tx("store.empty", language))
    st.stop()

schemes = data.scheme_options(language)
c1, c2, c3 = st.columns([2, 1, 1])
wanted_scheme = url_param("scheme", allowed=list(schemes), default=list(schemes)[0])
scheme_key = c1.selectbox(
    tx("scheme", language), list(schemes), format_func=schemes.get,
    index=list(schemes).index(wanted_scheme), key="as_scheme",
)
base = data.scheme(scheme_key)
wanted = url_param("period", check=data.is_month, default=default)
if wanted and wanted not in month_options and data.is_month(wanted):
    month_options = [wanted, *month_options]      # a linked month outside the data: shown as empty
month = c2.selectbox(
    tx("period_month", language), month_options,
    index=month_options.index(wanted) if wanted in month_options else month_options.index(default),
    key="as_period",
)
with_data, in_scope = data.levels_with_data(base, data.period_of(base, month))
wanted_level = url_param("level", allowed=RANKED_LEVELS, default=defaults.default_level(base, with_data))
level = c3.selectbox(
    tx("level", language), RANKED_LEVELS, format_func=lambda v: level_label(v, language),
    index=RANKED_LEVELS.index(wanted_level),
    key=f"as_level_{base.name}",
)
st.query_params.update({"scheme": scheme_key, "period": month, "level": level})

scheme = export.weights_editor(base, language)
period = data.period_of(scheme, month)
st.caption(f"{tx('period', language)}: {period.label} · {period.start:%Y-%m-%d} – {period.last_day:%Y-%m-%d} "
           f"({period_kind_label(scheme.period.kind, scheme.period.start_day, language)}) · "
           f"{scheme.title_zh if language == 'zh' else scheme.title_en} v{scheme.version}")

book = data.book(scheme, period, level)
if not book.ranking or all(c.requests == 0 for c in book.ranking):
    st.info(defaults.empty_level_message(in_scope, period, level, with_data, language) if in_scope
            else tx("no_requests", language, period=period.label))
    st.stop()
if (cannot := data.cannot_score(scheme, period, level, language)) is not None:
    st.info(cannot)
    st.stop()

names = ("tab.ranking", "tab.lists", "tab.card", "tab.compare", "tab.fairness", "tab.export")
t_rank, t_lists, t_card, t_compare, t_fair, t_export = st.tabs([tx(n, language) for n in names])
with t_rank:
    tabs.ranking(book, language)
with t_lists:
    tabs.lists(book, language)
with t_card:
    tabs.scorecard(book, scheme, period, level, language)
with t_compare:
    tabs.compare(scheme, schemes, month, level, language)
with t_fair:
    tabs.fairness(scheme, period, level, language)
with t_export:
    export.exports(book, scheme, period, level, language)
