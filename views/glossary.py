"""指标说明 Glossary (/glossary): every metric of the registry in both languages — formula, unit,
direction, parameters and approximations — so the formula a user reads is the one that ran."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics.core.registry import METRICS
from views import filterbar, ui
from views.state import lang, tr

st.title(tr("nav.glossary"))
filterbar.as_of_line()
st.caption(tr("glossary.intro"))
language = lang()
first, second = ("zh", "en") if language == "zh" else ("en", "zh")

summary = pd.DataFrame([{
    "id": m.id,
    "name": m.zh if language == "zh" else m.en,
    "other": m.en if language == "zh" else m.zh,
    "unit": tr(f"unit.{m.unit}"),
    "direction": tr("glossary.higher") if m.higher_is_better else tr("glossary.lower"),
    "link": f"#{m.id.replace('_', '-')}",
} for m in METRICS])
st.dataframe(summary, hide_index=True, width="stretch", height=35 * len(summary) + 38, column_config={
    "id": st.column_config.TextColumn("id"),
    "name": st.column_config.TextColumn(tr("glossary.metric")),
    "other": st.column_config.TextColumn(tr("glossary.other_language")),
    "unit": st.column_config.TextColumn(tr("glossary.unit")),
    "direction": st.column_config.TextColumn(tr("glossary.direction")),
    "link": st.column_config.LinkColumn(tr("glossary.details"), display_text=tr("glossary.details")),
})

for m in METRICS:
    st.subheader(f"{m.zh} · {m.en}", anchor=m.id.replace("_", "-"))
    formulas = {"zh": m.formula_zh, "en": m.formula_en}
    notes = {"zh": m.note_zh, "en": m.note_en}
    lines = [
        f"- **{tr('glossary.formula')}**：{formulas[first]}" if language == "zh"
        else f"- **{tr('glossary.formula')}**: {formulas[first]}",
        f"- *{formulas[second]}*",
        f"- **{tr('glossary.unit')}** {tr(f'unit.{m.unit}')} · **{tr('glossary.direction')}** "
        f"{tr('glossary.higher') if m.higher_is_better else tr('glossary.lower')} · `id = {m.id}` · "
        f"{tr('glossary.kind')} `{m.kind}`",
    ]
    if m.parameters:
        params = ", ".join(f"`{k} = {v:g}`" for k, v in m.parameters)
        lines.append(f"- **{tr('glossary.parameters')}** {params}")
    if notes[first] or notes[second]:
        lines.append(f"- **{tr('glossary.notes')}** {notes[first] or notes[second]}")
        if notes[second] and notes[first]:
            lines.append(f"  *{notes[second]}*")
    st.markdown("\n".join(lines))
    ui.page_link("requests", tr("rows_link"), {"metric": m.id, **({"lang": language} if language != "zh" else {})},
                 icon=":material/table_rows:")
