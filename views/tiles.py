"""A row of KPI tiles for the current selection: value, change on the previous period, and year on year."""
from __future__ import annotations

import streamlit as st

from metrics.core.formats import fmt_pp, fmt_relative
from metrics.core.registry import BY_ID
from metrics.present.common import PAGE_CREDIT
from metrics.query import tables as queries
from views import ui
from views.cache import cached
from views.filterbar import View
from views.state import lang, tr, viewer


MAX_PER_ROW = 5   # more tiles than this go on two rows (hours do not fit six across at 1366 px)
NEUTRAL = frozenset({"requests"})   # more or fewer requests is neither good nor bad: no colour


def change_text(metric_id: str, change) -> str | None:
    unit = BY_ID[metric_id].unit
    return fmt_pp(change, lang()) if unit == "rate" else fmt_relative(change, lang())


def row(view: View, metric_ids: tuple[str, ...], extra: int = 0) -> list:
    """One tile per metric with MoM as the delta and YoY underneath; colours follow the metric's direction.

    ``extra`` more columns are laid out after the tiles and returned, for tiles drawn by the caller.
    """
    compared = cached(queries.compare_periods)(viewer(), view.period, metric_ids, view.filters,
                                              basic_credit=PAGE_CREDIT).set_index("metric_id")
    count = len(metric_ids) + extra
    per_row = count if count <= MAX_PER_ROW else -(-count // 2)
    columns = [c for start in range(0, count, per_row) for c in st.columns(per_row)]
    for column, metric_id in zip(columns, metric_ids):
        metric, values = BY_ID[metric_id], compared.loc[metric_id]
        column.metric(
            ui.metric_label(metric_id), ui.value_text(metric_id, values["value"]),
            delta=change_text(metric_id, values["mom"]),
            delta_color="off" if metric_id in NEUTRAL else "normal" if metric.higher_is_better else "inverse",
            border=True,
            help=ui.metric_formula(metric_id) + f" · {tr('mom')}",
        )
        yoy = change_text(metric_id, values["yoy"])
        column.caption(f"{tr('yoy')} {yoy or tr('no_data')} · [{tr('rows_link.short')}]"
                       f"({ui.href('requests', view.query(metric=metric_id))})")
    return columns[len(metric_ids):]
