"""数据管理 Data (/data): upload an export, preview it as mapped, import it with progress,
see the summary and the rejected rows, and the import history. Logic lives in metrics.ingest."""
from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import streamlit as st

from metrics.core.auth import HOW_TO_TURN_ON
from metrics.ingest import ImportOptions, available, import_files
from metrics.ingest.coords import CRS
from metrics.ingest.readers import ReadError
from metrics.ingest.service import history, preview, rejects_csv
from metrics.store.snapshots import StoreError, default_path
from views import data_admin
from views.auth import current_user, record, settings
from views.state import lang
from views.ui import md_text

MAX_UPLOAD_MB = 200
TYPES = ["csv", "txt", "tsv", "xlsx", "parquet", "jsonl", "ndjson", "json"]
STAGES = {"read": 0.0, "check": 0.55, "place": 0.65, "write": 0.85}

TEXT = {
    "title": ("数据管理", "Data"),
    "intro": ("导入 12345 工单导出（CSV/GBK、XLSX、Parquet、JSON lines、Open311）。导入时看板照常服务，导入完成后一次性切换到新数据。",
              "Import 12345 request exports (CSV incl. GBK, XLSX, Parquet, JSON lines, Open311). The dashboard keeps "
              "serving during an import and switches to the new data when it completes."),
    "upload": ("上传文件", "Upload a file"),
    "too_big": ("文件超过 {mb} MB，请用命令行导入：python -m metrics import 文件 --db 路径",
                "The file exceeds {mb} MB; import it from the command line: python -m metrics import FILE --db PATH"),
    "mapping": ("字段映射", "Column mapping"),
    "auto": ("自动识别", "Detect automatically"),
    "crs": ("坐标系", "Coordinate system"),
    "sheet": ("工作表（XLSX，可留空）", "Sheet (XLSX, optional)"),
    "preview": ("预览（前 20 行，按映射转换后）", "Preview (first 20 rows, as mapped)"),
    "preview_fail": ("无法预览", "Cannot preview"),
    "import": ("开始导入", "Import"),
    "progress": ("导入中：{stage}", "Importing: {stage}"),
    "stage.read": ("读取", "reading"), "stage.check": ("校验", "checking"),
    "stage.place": ("定位网格", "placing in grids"), "stage.write": ("写入", "writing"),
    "done": ("导入完成", "Import finished"),
    "failed": ("导入失败", "Import failed"),
    "summary": ("读取 {read:,} · 新增 {inserted:,} · 更新 {updated:,} · 未变 {unchanged:,} · 拒收 {rejected:,} · 警告 {warnings:,} · {rate:,.0f} 行/秒",
                "read {read:,} · inserted {inserted:,} · updated {updated:,} · unchanged {unchanged:,} · "
                "rejected {rejected:,} · warnings {warnings:,} · {rate:,.0f} rows/s"),
    "reasons": ("拒收原因", "Why rows were rejected"),
    "warnings": ("警告", "Warnings"),
    "download": ("下载拒收行（CSV）", "Download rejected rows (CSV)"),
    "history": ("导入记录", "Import history"),
    "no_store": ("尚无数据库：{err}", "No store yet: {err}"),
}
HISTORY_COLUMNS = {
    "import_id": ("导入编号", "Import"), "kind": ("类型", "Kind"), "file": ("文件", "File"),
    "started_at": ("开始时间", "Started"), "finished_at": ("完成时间", "Finished"),
    "rows_read": ("读取", "Read"), "rows_inserted": ("新增", "Inserted"), "rows_updated": ("更新", "Updated"),
    "rows_unchanged": ("未变", "Unchanged"), "rows_rejected": ("拒收", "Rejected"),
    "warnings": ("警告", "Warnings"), "note": ("说明", "Note"),
}


def tx(key: str, **fmt: object) -> str:
    zh, en = TEXT[key]
    text = en if lang() == "en" else zh
    return text.format(**fmt) if fmt else text


def _import(db: Path, path: Path, mapping: str, crs: str, sheet: str | None, personal: bool) -> None:
    bar = st.progress(0.0, text=tx("progress", stage=tx("stage.read")))

    def report(_path: Path, stage: str, done: int, total: int) -> None:
        base = STAGES.get(stage, 0.0)
        span = 0.55 if stage == "read" else 0.1
        share = base + span * (done / total if total else 0)
        bar.progress(min(share, 1.0), text=tx("progress", stage=tx(f"stage.{stage}")))

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        [result] = import_files(db, [path], ImportOptions(mapping=mapping or None, crs=crs, sheet=sheet), report)
    except (StoreError, ValueError) as exc:
        record("import", file=path.name, sha256=digest, error=str(exc))
        st.error(f"{tx('failed')}: {md_text(exc)}")
        st.stop()
    record("import", file=path.name, sha256=digest, import_id=result.import_id, error=result.error,
           read=result.read, inserted=result.inserted, updated=result.updated, rejected=result.rejected)
    bar.progress(1.0, text=tx("done"))
    if result.error:
        st.error(f"{tx('failed')}: {md_text(result.error)}")
        return
    message = tx("summary", read=result.read, inserted=result.inserted, updated=result.updated,
                 unchanged=result.unchanged, rejected=result.rejected, warnings=result.warnings,
                 rate=result.rows_per_second)
    (st.success if result.inserted + result.updated + result.unchanged else st.warning)(message)
    for key, kinds in (("reasons", result.reject_kinds), ("warnings", result.warning_kinds)):
        if kinds:
            st.text(tx(key))
            st.table({tx(key): [k for k, _ in kinds], "n": [n for _, n in kinds]})
    if result.rejected:
        st.download_button(tx("download"), rejects_csv(db, result.import_id, path.name, personal),
                           file_name=f"{path.stem}.rejects.csv", mime="text/csv")


def _upload(db: Path) -> None:
    """Upload, preview and import one file; the file lives on disk only during this run."""
    upload = st.file_uploader(tx("upload"), type=TYPES, accept_multiple_files=False)
    left, mid, right = st.columns(3)
    presets = ["", *available()]
    mapping = left.selectbox(tx("mapping"), presets, format_func=lambda m: m or tx("auto"))
    crs = mid.selectbox(tx("crs"), CRS)
    sheet = right.text_input(tx("sheet")) or None
    if upload is None:
        return
    if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
        st.error(tx("too_big", mb=MAX_UPLOAD_MB))
        return
    with tempfile.TemporaryDirectory(prefix="gridscore-upload-") as work:  # removed after the import
        path = Path(work) / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        try:
            used, frame = preview(path, db if db.exists() else None, mapping or None, sheet=sheet, crs=crs)
            st.subheader(f"{tx('preview')} · {used}")
            st.dataframe(frame, hide_index=True, width="stretch")
        except (ReadError, StoreError, ValueError) as exc:
            st.error(f"{tx('preview_fail')}: {md_text(exc)}")
            return
        if st.button(tx("import"), type="primary"):
            _import(db, path, mapping, crs, sheet, current_user().can("personal"))


st.title(tx("title"))
st.caption(tx("intro"))
db = default_path()
user = current_user()
if user.can("import"):
    _upload(db)
elif not settings().on:
    st.info(HOW_TO_TURN_ON["en" if lang() == "en" else "zh"], icon=":material/lock:")

st.subheader(tx("history"))
try:
    english = lang() == "en"
    st.dataframe(
        history(db), hide_index=True, width="stretch",
        column_config={c: st.column_config.Column(en if english else zh) for c, (zh, en) in HISTORY_COLUMNS.items()},
    )
except StoreError as exc:
    st.info(tx("no_store", err=exc))

if user.can("rollback"):
    data_admin.rollback_panel(db)
if user.can("audit"):
    data_admin.audit_panel(db)
