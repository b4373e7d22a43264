"""Data page, requests file onboarding: upload, the guessed mapping as an editable table, a dry run
on the first rows (nothing written), the import with a progress bar, the mapping saved as a preset.

Each step is a function so the page (or an access check) decides who reaches :func:`requests_onboarding`.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import streamlit as st

from metrics.ingest import ImportOptions, ImportResult, available, import_files
from metrics.ingest.coords import CRS
from metrics.ingest.mapping import TARGETS, Mapping, MappingError
from metrics.ingest.onboard import Sniff, chosen_columns, mapping_document, save_mapping, sniff, with_columns
from metrics.ingest.readers import ReadError
from metrics.ingest.service import preview, rejects_csv
from metrics.present.onboarding import dry_run, field_label, samples_text, split_fields
from metrics.store.snapshots import StoreError
from views.auth import current_user, record
from views.data_common import audit_load, discard, loaded, saved_upload, translator
from views.state import lang
from views.ui import md_text

TYPES = ["csv", "txt", "tsv", "xlsx", "parquet", "jsonl", "ndjson", "json"]
STAGES = {"read": 0.0, "check": 0.55, "place": 0.65, "write": 0.85}
DRY_ROWS = 200
NOT_READ = ""

TEXT = {
    "upload": ("上传工单文件", "Upload a requests file"),
    "too_big": ("文件超过 {mb} MB，请用命令行导入：python -m metrics import 文件 --db 路径",
                "The file exceeds {mb} MB; import it from the command line: python -m metrics import FILE --db PATH"),
    "mapping": ("映射预设", "Mapping preset"),
    "auto": ("自动识别", "Detect automatically"),
    "crs": ("坐标系", "Coordinate system"),
    "sheet": ("工作表（XLSX，可留空）", "Sheet (XLSX, optional)"),
    "cannot_read": ("无法读取", "Cannot read"),
    "table": ("字段映射：{name}（可逐项修改）", "Column mapping: {name} (change any field)"),
    "our_field": ("本系统字段", "Our field"), "source": ("← 文件列", "← Source column"), "samples": ("示例值", "Sample values"),
    "not_read": ("（不读取）", "(not read)"),
    "more": ("更多字段", "More fields"),
    "match": ("{field} ← {columns}（按{by}匹配）", "{field} ← {columns} (matched by {by})"),
    "by.id": ("编码", "id"), "by.name": ("名称", "name"),
    "bad_mapping": ("映射无效", "Mapping not usable"),
    "dry_run": ("试运行（前 {n} 行，不写入）", "Dry run (first {n} rows, nothing written)"),
    "accepted": ("接收", "Accepted"), "rejected": ("拒收", "Rejected"), "unplaced": ("未定位（计入全市）", "Unplaced (on the city)"),
    "dry_detail": ("拒收与未定位的行及原因", "Rejected and unplaced rows, with reasons"),
    "col.row": ("行号", "Row"), "col.request_id": ("工单编号", "Request"), "col.outcome": ("结果", "Outcome"),
    "col.location_status": ("定位方式", "Location status"), "col.reasons": ("原因", "Reasons"),
    "dry_first": ("先试运行当前映射，再导入。", "Run a dry run of this mapping before importing."),
    "import": ("开始导入", "Import"),
    "progress": ("导入中：{stage}", "Importing: {stage}"),
    "stage.read": ("读取", "reading"), "stage.check": ("校验", "checking"),
    "stage.place": ("定位网格", "placing in grids"), "stage.write": ("写入", "writing"),
    "done": ("导入完成", "Import finished"),
    "failed": ("导入失败", "Import failed"),
    "summary": ("读取 {read:,} · 新增 {inserted:,} · 更新 {updated:,} · 未变 {unchanged:,} · 拒收 {rejected:,} · 警告 {warnings:,} · {rate:,.0f} 行/秒",
                "read {read:,} · inserted {inserted:,} · updated {updated:,} · unchanged {unchanged:,} · "
                "rejected {rejected:,} · warnings {warnings:,} · {rate:,.0f} rows/s"),
    "placed": ("定位方式：{placed}（point 边界内坐标；named 名称；unplaced 无位置，计入全市）",
               "Placed: {placed} (point: inside a boundary; named: from names; unplaced: on the city)"),
    "created": ("按文件中的名称新建：{created}", "Created from the file's names: {created}"),
    "placeholder": ("默认坐标 ({lat}, {lon})：{n:,} 行，未用于定位，不在地图上显示",
                    "Placeholder point ({lat}, {lon}): {n:,} rows, not used to place them, not drawn"),
    "reasons": ("拒收原因", "Why rows were rejected"),
    "warnings": ("警告", "Warnings"), "rows": ("行数", "Rows"),
    "download": ("下载拒收行（CSV）", "Download rejected rows (CSV)"),
    "preset_name": ("保存为预设（名称：字母、数字、- _）", "Save as a preset (name: letters, digits, - _)"),
    "save": ("保存映射", "Save mapping"),
    "saved": ("已保存预设 {name}：{path}", "Saved preset {name}: {path}"),
}
tx = translator(TEXT)


def requests_onboarding(db: Path) -> None:
    """The whole flow for one requests file."""
    upload = st.file_uploader(tx("upload"), type=TYPES, accept_multiple_files=False, key="upload.requests")
    left, mid, right = st.columns(3)
    auto = tx("auto")   # format functions may run after the script: bind the text now
    preset = left.selectbox(tx("mapping"), ["", *available()], format_func=lambda m: m or auto, key="preset")
    crs = mid.selectbox(tx("crs"), CRS, key="crs")
    sheet = right.text_input(tx("sheet"), key="sheet") or None
    if upload is None:
        return
    done = loaded(upload)   # imported: the file is gone, the mapping can still be saved as a preset
    path = None if done else saved_upload(upload, TEXT["too_big"][lang() == "en"])
    if path is None and not done:
        return
    key, kept = (upload.file_id, preset, sheet), st.session_state.setdefault("_sniffed", {})
    if key not in kept:
        if path is None:
            return
        try:
            kept.clear()
            kept[key] = sniff(path, preset or None, sheet=sheet)
        except (ReadError, MappingError, ValueError) as exc:
            st.error(f"{tx('cannot_read')}: {md_text(exc)}")
            return
    try:
        mapping = mapping_editor(kept[key], key=f"{upload.file_id}.{preset}")
    except MappingError as exc:
        st.error(f"{tx('bad_mapping')}: {md_text(exc)}")
        return
    fingerprint = _fingerprint(upload.file_id, mapping, crs, sheet)
    if path is not None and dry_run_section(db, path, mapping, crs, sheet, fingerprint):
        import_section(db, path, mapping, crs, sheet)
    save_section(mapping)


def _field_row(field: str, sniffed: Sniff, current: str | None, key: str) -> str | None:
    left, mid, right = st.columns([3, 4, 5], vertical_alignment="center")
    left.text(field_label(field, lang()))
    options, not_read = [NOT_READ, *sniffed.header], tx("not_read")
    choice = mid.selectbox(field, options, index=options.index(current) if current in options else 0,
                           key=f"map.{key}.{field}", label_visibility="collapsed",
                           format_func=lambda o: o if o != NOT_READ else not_read)
    right.text(samples_text(sniffed.samples, choice) or "—")
    return choice or None


def mapping_editor(sniffed: Sniff, key: str) -> Mapping:
    """The mapping as a table, one select box per field; returns the mapping as edited."""
    st.subheader(tx("table", name=sniffed.mapping.name))
    guessed = chosen_columns(sniffed.mapping, sniffed.header)
    main, more = split_fields(TARGETS, guessed)
    head = st.columns([3, 4, 5])
    for column, label in zip(head, ("our_field", "source", "samples")):
        column.markdown(f"**{tx(label)}**")
    chosen = {f: _field_row(f, sniffed, guessed[f], key) for f in main}
    with st.expander(tx("more")):
        chosen |= {f: _field_row(f, sniffed, guessed[f], key) for f in more}
    for name, match in (("unit", sniffed.mapping.unit), ("dept", sniffed.mapping.dept)):
        if match:
            st.text(tx("match", field=name, columns=" / ".join(match.columns), by=tx(f"by.{match.by}")))
    return with_columns(sniffed.mapping, chosen)


def _fingerprint(file_id: str, mapping: Mapping, crs: str, sheet: str | None) -> str:
    doc = json.dumps([file_id, mapping_document(mapping), crs, sheet], sort_keys=True, default=str)
    return hashlib.sha256(doc.encode("utf-8")).hexdigest()


def dry_run_section(db: Path, path: Path, mapping: Mapping, crs: str, sheet: str | None, fingerprint: str) -> bool:
    """A button running the mapping on the first rows; True once this mapping has had its dry run."""
    if st.button(tx("dry_run", n=DRY_ROWS), key="dry_run"):
        try:
            _, frame = preview(path, db if db.exists() else None, mapping, sheet=sheet, crs=crs, rows=DRY_ROWS)
        except (ReadError, StoreError, ValueError) as exc:
            st.error(f"{tx('cannot_read')}: {md_text(exc)}")
            return False
        st.session_state["dry_run.result"] = (fingerprint, dry_run(frame))
    done = st.session_state.get("dry_run.result")
    if not done or done[0] != fingerprint:
        st.info(tx("dry_first"))
        return False
    result = done[1]
    cols = st.columns(3)
    for column, name in zip(cols, ("accepted", "rejected", "unplaced")):
        column.metric(tx(name), f"{getattr(result, name):,} / {result.rows:,}")
    if len(result.detail):
        st.markdown(f"**{tx('dry_detail')}**")
        detail = result.detail.assign(outcome=[tx(o) for o in result.detail["outcome"]])
        st.dataframe(detail, hide_index=True, width="stretch", key="dry_detail",
                     column_config={c: st.column_config.Column(tx(f"col.{c}")) for c in detail.columns})
    return True


def import_section(db: Path, path: Path, mapping: Mapping, crs: str, sheet: str | None) -> None:
    if not st.button(tx("import"), type="primary", key="import"):
        return
    bar = st.progress(0.0, text=tx("progress", stage=tx("stage.read")))

    def report(_path: Path, stage: str, done: int, total: int) -> None:
        base = STAGES.get(stage, 0.0)
        span = 0.55 if stage == "read" else 0.1
        share = base + span * (done / total if total else 0)
        bar.progress(min(share, 1.0), text=tx("progress", stage=tx(f"stage.{stage}")))

    try:
        [result] = import_files(db, [path], ImportOptions(mapping=mapping, crs=crs, sheet=sheet), report)
    except (StoreError, ValueError) as exc:
        audit_load(path, "requests", error=str(exc))
        st.error(f"{tx('failed')}: {md_text(exc)}")
        return
    audit_load(path, "requests", result)
    discard(path)   # imported: the upload does not stay on disk
    bar.progress(1.0, text=tx("done"))
    show_result(db, path, result)


def show_result(db: Path, path: Path, result: ImportResult) -> None:
    if result.error:
        st.error(f"{tx('failed')}: {md_text(result.error)}")
        return
    message = tx("summary", read=result.read, inserted=result.inserted, updated=result.updated,
                 unchanged=result.unchanged, rejected=result.rejected, warnings=result.warnings,
                 rate=result.rows_per_second)
    (st.success if result.inserted + result.updated + result.unchanged else st.warning)(message)
    if result.placed:
        st.text(tx("placed", placed=", ".join(f"{k} {n:,}" for k, n in result.placed.items())))
    if result.created:
        st.text(tx("created", created=", ".join(f"{k} {n:,}" for k, n in result.created.items())))
    for p in result.placeholders:
        st.text(tx("placeholder", lat=p.lat, lon=p.lon, n=p.rows))
    for key, kinds in (("reasons", result.reject_kinds), ("warnings", result.warning_kinds)):
        if kinds:
            st.dataframe({tx(key): [k for k, _ in kinds], tx("rows"): [n for _, n in kinds]}, hide_index=True,
                         width="stretch")
    if result.rejected:
        st.download_button(tx("download"), rejects_csv(db, result.import_id, path.name, current_user().can("personal")),
                           file_name=f"{path.stem}.rejects.csv", mime="text/csv")


def save_section(mapping: Mapping) -> None:
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    name = left.text_input(tx("preset_name"), key="preset_name")
    if right.button(tx("save"), key="save_preset", disabled=not name):
        try:
            saved = save_mapping(mapping, name.strip())
        except (MappingError, OSError) as exc:
            record("mapping_save", name=name.strip(), error=str(exc))
            st.error(f"{tx('bad_mapping')}: {md_text(exc)}")
            return
        record("mapping_save", name=name.strip(), file=Path(saved).name)
        st.success(tx("saved", name=md_text(name.strip()), path=md_text(saved)))
