"""数据管理 Data (/data): onboard a requests file (mapping table, dry run, import with progress,
preset), load units and boundaries, see data quality and the import history. Logic lives in
metrics.ingest (writing) and metrics.query / metrics.present (reading); each section is a function."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from metrics.core.auth import HOW_TO_TURN_ON
from metrics.ingest.service import history
from metrics.store.runlog import read_runs, run_log_path
from metrics.store.snapshots import StoreError, default_path
from views import data_admin
from views.auth import current_user, settings
from views.data_common import translator
from views.data_onboarding import requests_onboarding
from views.data_quality import quality_panel
from views.data_sources import boundaries_upload, units_upload
from views.state import lang
from views.ui import md_text

TEXT = {
    "title": ("数据管理", "Data"),
    "intro": ("导入 12345 工单导出（CSV/GBK、XLSX、Parquet、JSON lines、Open311）。导入时看板照常服务，导入完成后一次性切换到新数据。",
              "Import 12345 request exports (CSV incl. GBK, XLSX, Parquet, JSON lines, Open311). The dashboard keeps "
              "serving during an import and switches to the new data when it completes."),
    "tab.requests": ("工单", "Requests"), "tab.units": ("单位层级", "Units"), "tab.boundaries": ("边界", "Boundaries"),
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
tx = translator(TEXT)


def loading(db) -> None:
    """Upload sections: requests, units, boundaries."""
    requests_tab, units_tab, boundaries_tab = st.tabs([tx("tab.requests"), tx("tab.units"), tx("tab.boundaries")])
    with requests_tab:
        requests_onboarding(db)
    with units_tab:
        units_upload(db)
    with boundaries_tab:
        boundaries_upload(db)


def import_history(db) -> None:
    st.subheader(tx("history"))
    try:
        english = lang() == "en"
        st.dataframe(
            history(db), hide_index=True, width="stretch",
            column_config={c: st.column_config.Column(en if english else zh) for c, (zh, en) in HISTORY_COLUMNS.items()},
        )
    except StoreError as exc:
        st.info(tx("no_store", err=md_text(exc)))


def run_log(db) -> None:
    """The run log of syncs and scheduled reports (when, what, rows, files, errors)."""
    st.subheader(tx("runs"))
    runs_log = run_log_path(db)
    st.caption(tx("runs_note", path=md_text(runs_log.name)))
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


st.title(tx("title"))
st.caption(tx("intro"))
db = default_path()
user = current_user()
if user.can("import"):   # uploads of requests, units, boundaries and mapping presets: admin only
    loading(db)
elif not settings().on:
    st.info(HOW_TO_TURN_ON["en" if lang() == "en" else "zh"], icon=":material/lock:")
quality_panel()
import_history(db)
run_log(db)
if user.can("rollback"):
    data_admin.rollback_panel(db)
if user.can("audit"):
    data_admin.audit_panel(db)
