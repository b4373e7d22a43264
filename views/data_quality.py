"""Data page, quality panel: per import and overall, field coverage, rows by location_status,
placeholder points, timing anomalies, duplicates and reject reasons (metrics.query.quality)."""
from __future__ import annotations

import streamlit as st

from metrics.core.formats import fmt_rate
from metrics.query.quality import ALL, quality
from metrics.store.snapshots import default_path
from views.cache import cached
from views.data_common import translator
from views.state import lang

TEXT = {
    "title": ("数据质量", "Data quality"),
    "scope": ("范围", "Scope"), "all": ("全部导入", "All imports"),
    "coverage": ("字段覆盖率（有值行数 / 读取行数）", "Field coverage (rows with a value / rows read)"),
    "status": ("定位方式（行数）", "Rows by location status"),
    "placeholders": ("默认坐标（未用于定位）", "Placeholder points (not used to place rows)"),
    "timing": ("时间异常", "Timing anomalies"),
    "closed_before_received": ("办结早于受理", "Closed before received"),
    "contact_before_received": ("联系早于受理", "Contact before received"),
    "future": ("未来时间", "Times in the future"),
    "over_a_year": ("办理超过一年", "Over a year"),
    "duplicates": ("重复", "Duplicates"),
    "repeated_ids": ("已有编号", "Ids already stored"),
    "probable_duplicates": ("疑似重复", "Probable duplicates"),
    "help.closed_before_received": ("办结时间早于受理时间的工单", "Requests closed before they were received"),
    "help.contact_before_received": ("首次联系早于受理时间的工单", "Requests first contacted before they were received"),
    "help.future": ("受理、联系或办结时间晚于现在的工单", "Requests received, contacted or closed after now"),
    "help.over_a_year": ("办结时间比受理时间晚一年以上（超过 365 天）", "Closed more than 365 days after received"),
    "help.repeated_ids": ("再次导入时编号已在库中的行（更新或未变）", "Rows whose id was already stored (updated or unchanged)"),
    "help.probable_duplicates": ("受理时间、类别和地点（地址，否则坐标）相同而编号不同，第一条之后的工单",
                                 "Requests with the same received time, category and place (address, else point) "
                                 "as another, after the first"),
    "rejects": ("拒收原因", "Reject reasons"),
    "none": ("无", "Nothing found"),
    "empty": ("尚无导入的工单。", "No requests imported yet."),
    "field": ("字段", "Field"), "source_column": ("文件列", "Source column"),
    "rows_with_value": ("有值", "With a value"), "rows_read": ("读取", "Read"), "share": ("覆盖率", "Coverage"),
    "location_status": ("定位方式", "Location status"), "rows": ("行数", "Rows"),
    "lat": ("纬度", "Latitude"), "lon": ("经度", "Longitude"), "reason": ("原因", "Reason"),
}
tx = translator(TEXT)


def _table(frame, key: str) -> None:
    """A quality table without its import column, headers in the viewer's language."""
    shown = frame.drop(columns="import_id")
    if "source_column" in shown and (frame["import_id"] == ALL).all():
        shown = shown.drop(columns="source_column")   # one file's header means nothing over all imports
    if shown.empty:
        st.text(tx("none"))
        return
    config = {c: st.column_config.Column(tx(c)) for c in shown.columns if c in TEXT}
    if "share" in shown:
        shown = shown.assign(share=[fmt_rate(v, lang()) for v in shown["share"]])
    text = shown.select_dtypes(include="object").columns
    shown[text] = shown[text].fillna("—")
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config, key=key)


def quality_panel() -> None:
    st.subheader(tx("title"))
    if not default_path().exists():
        return
    q = cached(quality)()
    if q.imports.empty and not len(q.status):
        st.info(tx("empty"))
        return
    files = dict(zip(q.imports["import_id"], q.imports["file"]))
    scope = st.selectbox(tx("scope"), [ALL, *files], key="quality.scope",
                         format_func=lambda i, everything=tx("all"): everything if i == ALL else f"{i} · {files[i]}")
    part = q.for_import(scope)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{tx('coverage')}**")
        _table(part.coverage, "q.coverage")
    with right:
        st.markdown(f"**{tx('status')}**")
        _table(part.status, "q.status")
        st.markdown(f"**{tx('placeholders')}**")
        _table(part.placeholders, "q.placeholders")
    st.markdown(f"**{tx('timing')}**")
    timing = part.timing.iloc[0] if len(part.timing) else None
    cols = st.columns(6)
    for col, name in zip(cols, ("closed_before_received", "contact_before_received", "future", "over_a_year")):
        col.metric(tx(name), f"{int(timing[name]) if timing is not None else 0:,}", help=tx(f"help.{name}"))
    dups = part.duplicates.iloc[0] if len(part.duplicates) else None
    for col, name in zip(cols[4:], ("repeated_ids", "probable_duplicates")):
        col.metric(tx(name), f"{int(dups[name]) if dups is not None else 0:,}", help=tx(f"help.{name}"))
    st.markdown(f"**{tx('rejects')}**")
    _table(part.rejects, "q.rejects")
