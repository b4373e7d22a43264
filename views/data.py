"""数据管理 Data (/data): upload an export, preview it as mapped, import it with progress,
see the summary and the rejected rows, and the import history. Logic lives in metrics.ingest."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from metrics.ingest import ImportOptions, available, import_files
from metrics.ingest.coords import CRS
from metrics.ingest.readers import ReadError
from metrics.ingest.service import history, preview, rejects_csv
from metrics.store.runlog import read_runs, run_log_path
from metrics.store.snapshots import StoreError, default_path
from views.state import lang

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
    "runs": ("运行记录（同步、通报、评分卡）", "Runs (sync, bulletin, scorecards)"),
    "runs_note": ("命令行与定时任务的每次运行都追加到数据库旁的 {path}", "Every command-line or scheduled run is appended to {path} beside the store"),
    "no_runs": ("尚无运行记录", "No runs yet"),
}
RUN_COLUMNS = {"at": ("时间", "When"), "what": ("任务", "What"), "rows": ("行数", "Rows"),
               "files": ("文件", "Files"), "error": ("错误", "Errors"), "detail": ("说明", "Detail")}
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


st.title(tx("title"))
st.caption(tx("intro"))
db = default_path()

upload = st.file_uploader(tx("upload"), type=TYPES, accept_multiple_files=False)
left, mid, right = st.columns(3)
presets = ["", *available()]
mapping = left.selectbox(tx("mapping"), presets, format_func=lambda m: m or tx("auto"))
crs = mid.selectbox(tx("crs"), CRS)
sheet = right.text_input(tx("sheet")) or None

if upload is not None:
    if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
        st.error(tx("too_big", mb=MAX_UPLOAD_MB))
        st.stop()
    work = Path(tempfile.gettempdir()) / "gridscore-uploads" / upload.file_id  # once per upload, not per rerun
    work.mkdir(parents=True, exist_ok=True)
    path = work / Path(upload.name).name
    if not path.exists():
        path.write_bytes(upload.getvalue())
    try:
        used, frame = preview(path, db if db.exists() else None, mapping or None, sheet=sheet, crs=crs)
        st.subheader(f"{tx('preview')} · {used}")
        st.dataframe(frame, hide_index=True, width="stretch")
    except (ReadError, StoreError, ValueError) as exc:
        st.error(f"{tx('preview_fail')}: {exc}")
        st.stop()

    if st.button(tx("import"), type="primary"):
        bar = st.progress(0.0, text=tx("progress", stage=tx("stage.read")))

        def report(_path: Path, stage: str, done: int, total: int) -> None:
            base = STAGES.get(stage, 0.0)
            span = 0.55 if stage == "read" else 0.1
            share = base + span * (done / total if total else 0)
            bar.progress(min(share, 1.0), text=tx("progress", stage=tx(f"stage.{stage}")))

        try:
            [result] = import_files(db, [path], ImportOptions(mapping=mapping or None, crs=crs, sheet=sheet),
                                    report)
        except (StoreError, ValueError) as exc:
            st.error(f"{tx('failed')}: {exc}")
            st.stop()
        bar.progress(1.0, text=tx("done"))
        if result.error:
            st.error(f"{tx('failed')}: {result.error}")
        else:
            message = tx("summary", read=result.read, inserted=result.inserted, updated=result.updated,
                         unchanged=result.unchanged, rejected=result.rejected, warnings=result.warnings,
                         rate=result.rows_per_second)
            (st.success if result.inserted + result.updated + result.unchanged else st.warning)(message)
            for key, kinds in (("reasons", result.reject_kinds), ("warnings", result.warning_kinds)):
                if kinds:
                    st.markdown(f"**{tx(key)}**")
                    st.table({tx(key): [k for k, _ in kinds], "n": [n for _, n in kinds]})
            if result.rejected:
                st.download_button(tx("download"), rejects_csv(db, result.import_id, path.name),
                                   file_name=f"{path.stem}.rejects.csv", mime="text/csv")

st.subheader(tx("history"))
try:
    english = lang() == "en"
    st.dataframe(
        history(db), hide_index=True, width="stretch",
        column_config={c: st.column_config.Column(en if english else zh) for c, (zh, en) in HISTORY_COLUMNS.items()},
    )
except StoreError as exc:
    st.info(tx("no_store", err=exc))

st.subheader(tx("runs"))
runs_log = run_log_path(db)
st.caption(tx("runs_note", path=runs_log.name))
runs = read_runs(runs_log)
if runs:
    english = lang() == "en"
    st.dataframe(
        pd.DataFrame([{"at": str(r.get("at") or "")[:19].replace("T", " "), "what": r.get("what"), "rows": r.get("rows"),
                       "files": ", ".join(Path(str(f)).name for f in r.get("files") or []),
                       "error": r.get("error") or "", "detail": r.get("detail") or ""} for r in runs]),
        hide_index=True, width="stretch", key="data_runs",
        column_config={c: st.column_config.Column(en if english else zh) for c, (zh, en) in RUN_COLUMNS.items()},
    )
else:
    st.info(tx("no_runs"))
