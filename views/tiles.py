"""A row of KPI tiles for the current selection: value, change on the previous period, and year on year."""
from __future__ import annotations

import streamlit as st

from metrics.i18n import fmt_pp, fmt_relative
from metrics.registry import BY_ID
from views import ui
from views.cache import fetch
from views.filterbar import View
from views.state import lang, tr, viewer


MAX_PER_ROW = 5   # more tiles than this go on two rows (hours do not fit six across at 1366 px)


def change_text(metric_id: str, change) -> str | None:
    unit = BY_ID[metric_id].unit
    return fmt_pp(change, lang()) if unit == "rate" else fmt_relative(change, lang())


def row(view: View, metric_ids: tuple[str, ...]) -> None:
    """One tile per metric with MoM as the delta and YoY underneath; colours follow the metric's direction."""
    compared = fetch("compare_periods", viewer(), view.period, metric_ids, view.filters).set_index("metric_id")
    per_row = len(metric_ids) if len(metric_ids) <= MAX_PER_ROW else -(-len(metric_ids) // 2)
    columns = [c for start in range(0, len(metric_ids), per_row) for c in st.columns(per_row)]
    for column, metric_id in zip(columns, metric_ids):
        metric, values = BY_ID[metric_id], compared.loc[metric_id]
        column.metric(
            ui.metric_label(metric_id), ui.value_text(metric_id, values["value"]),
            delta=change_text(metric_id, values["mom"]),
            delta_color="normal" if metric.higher_is_better else "inverse", border=True,
            help=ui.metric_formula(metric_id) + f" · {tr('mom')}",
        )
        yoy = change_text(metric_id, values["yoy"])
        column.caption(f"{tr('yoy')} {yoy or tr('no_data')} · [{tr('rows_link.short')}]"
                       f"({ui.href('requests', view.query(metric=metric_id))})")
