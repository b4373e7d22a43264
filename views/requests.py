"""工单明细 Requests (/requests): the rows behind any number. ?metric= picks the rows a metric is
made of (a rate's denominator with each row's credit, a percentile's rows with their hours, the
backlog open at the period end); paged and sortable; personal fields masked by the query layer;
CSV download (UTF-8 with BOM) of the masked selection."""
from __future__ import annotations

import math

import streamlit as st

from metrics.core.formats import fmt_count
from metrics.present.rows import CSV_LIMIT, rows_csv
from metrics.present.common import PAGE_CREDIT
from metrics.query.detail import DRILL_ORDER, drill_rows
from metrics.core.registry import BY_ID, METRICS
from views import filterbar, ui
from views.auth import current_user, record
from views.cache import cached
from views.state import connection, int_check, lang, tr, translator, url_param, viewer

PAGE_SIZE = 50
MAX_PAGE = 1_000_000
COLUMNS = ("request_id", "received_at", "category", "channel", "source", "unit_name", "dept_name", "urgency",
           "status", "first_contact_at", "closed_at", "resolve_by", "visited", "contacted", "resolved",
           "satisfaction", "is_repeat", "returned_count", "credit", "hours", "citizen_name", "citizen_phone",
           "address", "description")

st.title(tr("nav.requests"))
con, view = filterbar.render()
me, language = viewer(), lang()


@st.fragment
def rows_view(view, me, language: str) -> None:
    """The row picker, the table and the download: changing a picker reruns only this part."""
    metric_ids = [m.id for m in METRICS if m.id != "staff_per_10k"]
    metric = url_param("metric", allowed=metric_ids)
    order = url_param("sort", allowed=DRILL_ORDER, default="received_at")
    descending = url_param("desc", allowed=("0", "1"), default="1") != "0"

    controls = st.columns([3, 2, 1, 1])
    options = [None, *metric_ids]
    picked = controls[0].selectbox(tr("requests.metric"), options, index=options.index(metric),
                                   format_func=lambda m, all_=tr("requests.all_rows"), label=ui.metric_labeler(): all_ if m is None else label(m))
    order = controls[1].selectbox(tr("requests.sort"), DRILL_ORDER, index=DRILL_ORDER.index(order),
                                  format_func=lambda c, t_=translator(): t_(f"col.{c}"))
    descending = controls[2].toggle(tr("requests.desc"), value=descending)
    for key, value, default in (("metric", picked, None), ("sort", order, "received_at"),
                                ("desc", "1" if descending else "0", "1")):
        if value != default:
            st.query_params[key] = value
        elif key in st.query_params:
            del st.query_params[key]

    wanted = int(url_param("page", check=int_check(1, MAX_PAGE), default="1"))
    rows, total = cached(drill_rows)(me, view.period, view.filters, None, picked, order, descending, wanted, PAGE_SIZE,
                                     basic_credit=PAGE_CREDIT)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page_no = controls[3].number_input(tr("requests.page", pages=pages), min_value=1, max_value=pages,
                                       value=min(pages, wanted))
    if page_no != 1:
        st.query_params["page"] = str(page_no)
    elif "page" in st.query_params:
        del st.query_params["page"]

    if picked is not None:
        st.caption(f"**{ui.metric_label(picked)}** — {ui.metric_formula(picked)}. {tr('requests.rows_' + BY_ID[picked].kind)}")
    st.markdown(tr("requests.total", n=fmt_count(total, language)))
    if total == 0:
        ui.no_data()
        return

    if page_no != wanted:  # the number box moved, or the linked page was past the end
        rows, _ = cached(drill_rows)(me, view.period, view.filters, None, picked, order, descending, page_no, PAGE_SIZE,
                                     basic_credit=PAGE_CREDIT)
    shown = [c for c in COLUMNS if c in rows and (c not in ("credit", "hours") or rows[c].notna().any())]
    time_cols = ("received_at", "first_contact_at", "closed_at", "resolve_by")
    st.dataframe(
        ui.localize(rows[shown]), hide_index=True, width="stretch", height=min(38 * len(rows) + 40, 620),
        column_config={
            **{c: st.column_config.TextColumn(tr(f"col.{c}")) for c in shown if c not in time_cols},
            **{c: st.column_config.TextColumn(tr(f"col.{c}")) for c in time_cols},   # text from ui.localize
            "credit": st.column_config.NumberColumn(tr("col.credit"), format="%.1f"),
            "hours": st.column_config.NumberColumn(tr("col.hours"), format="%.1f"),
            "returned_count": st.column_config.NumberColumn(tr("col.returned_count")),
            **{c: st.column_config.CheckboxColumn(tr(f"col.{c}")) for c in ("visited", "contacted", "resolved",
                                                                              "is_repeat")},
        },
    )
    st.caption(tr("requests.page_of", page=page_no, pages=pages) + " · " + tr("requests.masked"))

    if not current_user().can("export"):
        return
    shared = connection()
    headers = {c: tr(f"col.{c}") for c in rows.columns}
    args = (me, view.period, view.filters, picked, order, descending, headers)
    name = f"gridscore-requests-{view.period.label}.csv"
    st.download_button(
        tr("requests.csv", n=fmt_count(min(total, CSV_LIMIT), language)),
        data=lambda: rows_csv(shared.cursor(), *args, basic_credit=PAGE_CREDIT),
        file_name=name, mime="text/csv", icon=":material/download:",
        on_click=record, args=("export",), kwargs={"via": "requests", "files": [name], "rows": min(total, CSV_LIMIT),
                                                   "filters": view.query(metric=picked)},
    )
    if total > CSV_LIMIT:
        st.caption(tr("requests.csv_limit", n=fmt_count(CSV_LIMIT, language)))


rows_view(view, me, language)
