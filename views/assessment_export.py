"""The assessment page's weight editor and exports (downloads, batch ZIP, export log)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics.assess.bulletin import build_bulletin
from metrics.core.auth import HOW_TO_TURN_ON
from metrics.export.bulletin_files import FORMATS as BULLETIN_FORMATS
from metrics.export.bulletin_files import MIME as BULLETIN_MIME
from metrics.export.bulletin_files import render_bulletin
from metrics.export.writers import write_batch_zip
from metrics.export.log import file_entry, read_log
from metrics.export.log import record as log_export
from metrics.export.text import metric_label, tx
from metrics.core.periods import Period
from metrics.assess.scheme_edit import rebalance, save_version, with_params
from metrics.assess.schemes import Scheme, SchemeError
from metrics.assess.scorecard import ScorecardBook, UnitCard
from metrics.store.snapshots import DataVersion
from views import assessment_data as data
from views import ui
from views.auth import current_user, record, settings
from views.state import snapshot, tr, viewer

MIME = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pdf": "application/pdf", "csv": "text/csv", "zip": "application/zip"}


def _prefix(base: Scheme) -> str:
    return f"as_w_{base.name}_{base.version}"


def _init(base: Scheme) -> None:
    p, state = _prefix(base), st.session_state
    if f"{p}_weights" not in state:
        state[f"{p}_weights"] = {i.metric: i.weight for i in base.indicators}
    for metric, weight in state[f"{p}_weights"].items():
        state.setdefault(f"{p}_{metric}", weight)
    state.setdefault(f"{p}_credit", base.basic_credit)
    state.setdefault(f"{p}_min", base.min_volume.n)


def _on_weight(base: Scheme, metric: str) -> None:
    p, state = _prefix(base), st.session_state
    weights = rebalance(state[f"{p}_weights"], metric, state[f"{p}_{metric}"])
    state[f"{p}_weights"] = weights
    for m, w in weights.items():
        state[f"{p}_{m}"] = w


def _on_reset(base: Scheme) -> None:
    p = _prefix(base)
    for key in [k for k in st.session_state if str(k).startswith(p)]:
        del st.session_state[key]


def weights_editor(base: Scheme, language: str) -> Scheme:
    """Weights (kept summing to 1), basic credit and minimum sample; returns the scheme to score with."""
    _init(base)
    p, state = _prefix(base), st.session_state
    with st.expander(tx("edit_weights", language), icon=":material/tune:"):
        cols = st.columns(len(base.indicators) + 2)
        for col, ind in zip(cols, base.indicators):
            col.number_input(metric_label(ind.metric, language), min_value=0.0, max_value=1.0, step=0.05,
                             format="%.4f", key=f"{p}_{ind.metric}", on_change=_on_weight, args=(base, ind.metric))
        cols[-2].number_input(tx("basic_credit", language), min_value=0.0, max_value=1.0, step=0.05,
                              format="%.2f", key=f"{p}_credit")
        cols[-1].number_input(tx("min_volume", language), min_value=1, max_value=10_000, step=5, key=f"{p}_min")
        st.caption(tx("weights_note", language))
        edited = with_params(base, state[f"{p}_weights"], state[f"{p}_credit"], state[f"{p}_min"])
        changed = edited != base
        st.button(tx("reset", language), on_click=_on_reset, args=(base,), disabled=not changed, key=f"{p}_reset")
        if current_user().can("edit_schemes"):
            _save_form(edited, base, language)
        elif not settings().on:
            st.caption(HOW_TO_TURN_ON[language])
    return edited if changed else base


def _save_form(edited: Scheme, base: Scheme, language: str) -> None:
    """Save the edited weights as a new custom version, authored by the signed-in user."""
    p, author = _prefix(base), current_user().name
    with st.form(f"{p}_save_form", clear_on_submit=False):
        st.text(tx("save_version", language))
        name = st.text_input(tx("scheme_name", language), value=f"{base.name}-custom", key=f"{p}_name")
        st.text(tr("scheme.author", name=author))
        note = st.text_area(tx("note", language), key=f"{p}_note", height=70)
        if st.form_submit_button(tx("save", language), icon=":material/save:"):
            try:
                path = save_version(edited, name, author, note)
            except SchemeError as exc:
                record("scheme_save", scheme=name, error=str(exc))
                st.error(ui.md_text(exc))
                return
            record("scheme_save", scheme=name, based_on=f"{base.name} v{base.version}", file=path.name)
            st.success(tx("saved", language, path=path.name))


def _log(fmt: str, scheme: Scheme, period: Period, level: str, units: list[str] | None,
         files: dict[str, bytes]) -> None:
    record("export", via="page", scheme=scheme.name, version=scheme.version, period=period.label,
           level=level, format=fmt, units=units, files=list(files))
    log_export(data.log_file(), who=data.who(), via="page", scheme=scheme.name, version=scheme.version,
           period=period.label, level=level, fmt=fmt, units=units,
           files=[file_entry(name, blob) for name, blob in files.items()])


def _download(label: str, fmt: str, files: dict[str, bytes], scheme: Scheme, period: Period, level: str,
              units: list[str] | None, key: str, where=st) -> None:
    for name, blob in files.items():
        where.download_button(f"{label} · {name.rsplit('_', 1)[-1] if fmt == 'csv' else fmt.upper()}", blob,
                              file_name=name, mime=MIME[fmt], key=f"{key}_{name}", icon=":material/download:",
                              on_click=_log, args=(fmt, scheme, period, level, units, {name: blob}))


def exports(book: ScorecardBook, scheme: Scheme, period: Period, level: str, language: str) -> None:
    """Scorecard files, the bulletin and the export log, for roles that may export (each download audited)."""
    if not current_user().can("export"):
        return
    st.caption(tx("export_note", language, n=len(book.ranking)))
    c1, c2, c3 = st.columns(3)
    with c1:
        _download(tx("all_units", language), "xlsx", data.files(scheme, period, level, "xlsx", None, language),
                  scheme, period, level, None, "dl_xlsx")
        _download(tx("all_units", language), "csv", data.files(scheme, period, level, "csv", None, language),
                  scheme, period, level, None, "dl_csv")
    with c2:
        _pdf_on_request(tx("make_pdf", language), tx("all_units", language), scheme, period, level, None,
                        "as_make_pdf", language)
    with c3:
        _batch(book, scheme, period, level, language)
    _bulletin(scheme, period, level, language)
    st.subheader(tx("export_log", language))
    st.caption(tx("export_log_note", language, path=data.log_file().name))
    entries = read_log(data.log_file())
    if not entries:
        st.info(tx("none", language))
        return
    st.dataframe(pd.DataFrame([{
        tx("log_at", language): e.get("at"), tx("log_who", language): e.get("who"),
        tx("log_via", language): e.get("via"), tx("scheme", language): f"{e.get('scheme')} v{e.get('version')}",
        tx("period", language): e.get("period"), tx("level", language): e.get("level"),
        tx("log_format", language): e.get("format"),
        tx("log_files", language): ", ".join(str(f.get("name")) for f in e.get("files") or []),
    } for e in entries]), hide_index=True, width="stretch", key="as_log")


BULLETIN = {"zh": ("月度通报", "生成本月通报（Word + PDF）", "按当前方案、月份与层级生成正式通报：综述、排名、红黑榜、底线、图表与方案附件。"),
            "en": ("Monthly bulletin", "Make the bulletin (Word + PDF)",
                   "The formal 通报 for this scheme, month and level: summary, ranking, lists, floors, charts, annex.")}


@st.cache_data(show_spinner=False, max_entries=8)
def _bulletin_files(_con, version: DataVersion, viewer_key: object, scheme: Scheme, period: Period, level: str,
                    language: str) -> dict[str, bytes]:
    b = build_bulletin(_con, viewer(), scheme, period, level)
    return dict(render_bulletin(b, fmt, language) for fmt in BULLETIN_FORMATS)


def _bulletin(scheme: Scheme, period: Period, level: str, language: str) -> None:
    """The month's 通报 on request (a few seconds: the PDF embeds the CJK font), then its downloads."""
    title, button, note = BULLETIN[language]
    st.subheader(title)
    st.caption(note)
    ready = f"as_bulletin_{scheme.name}_{scheme.version}_{period.label}_{level}_{language}"
    if st.button(button, key="as_make_bulletin", icon=":material/article:"):
        st.session_state[ready] = True
    if st.session_state.get(ready):
        with st.spinner(tx("working", language)):
            files = _bulletin_files(*snapshot(), viewer(), scheme, period, level, language)
        cols = st.columns(len(files))
        for col, (name, blob) in zip(cols, files.items()):
            fmt = name.rsplit(".", 1)[-1]
            col.download_button(f"{title} · {fmt.upper()}", blob, file_name=name, mime=BULLETIN_MIME[fmt],
                                key=f"dl_bulletin_{name}", icon=":material/download:",
                                on_click=_log, args=(f"bulletin-{fmt}", scheme, period, level, None, {name: blob}))


def _pdf_on_request(button: str, label: str, scheme: Scheme, period: Period, level: str,
                    units: tuple[str, ...] | None, key: str, language: str) -> None:
    """A button that renders the PDF (seconds: font subsetting), then its download button."""
    ready = f"{key}_{scheme.name}_{scheme.version}_{period.label}_{level}_{units}_{language}"
    if st.button(button, key=key, icon=":material/picture_as_pdf:"):
        st.session_state[ready] = True
    if st.session_state.get(ready):
        with st.spinner(tx("working", language)):
            pdf = data.files(scheme, period, level, "pdf", units, language)
        _download(label, "pdf", pdf, scheme, period, level, list(units) if units else None, f"dl_{key}")


def _batch(book: ScorecardBook, scheme: Scheme, period: Period, level: str, language: str) -> None:
    key = f"as_zip_{scheme.name}_{scheme.version}_{period.label}_{level}_{language}"
    if st.button(tx("make_zip", language, n=len(book.ranking)), key="as_make_zip", icon=":material/folder_zip:"):
        bar = st.progress(0.0, text=tx("working", language))

        def progress(done: int, total: int, item: str) -> None:
            bar.progress(done / total, text=f"{done} / {total} · {item}")

        st.session_state[key] = write_batch_zip(book, language, progress)
        bar.empty()
    blob = st.session_state.get(key)
    if blob:
        name = f"scorecards_{period.label}_{scheme.name}_{level}.zip"
        _download(tx("all_units", language), "zip", {name: blob}, scheme, period, level, None, "dl_zip")


def unit_downloads(book: ScorecardBook, scheme: Scheme, period: Period, level: str, card: UnitCard,
                   language: str) -> None:
    """This unit's scorecard as Excel (at once) and PDF (on request)."""
    if not current_user().can("export"):
        return
    units = (card.unit_id,)
    c1, c2 = st.columns(2)
    with c1:
        _download(card.display_name(language), "xlsx",
                  data.files(scheme, period, level, "xlsx", units, language), scheme, period, level,
                  list(units), "dl_unit_xlsx")
    with c2:
        _pdf_on_request(tx("make_unit_pdf", language), card.display_name(language), scheme, period, level, units,
                        "as_make_unit_pdf", language)
