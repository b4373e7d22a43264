"""Data page: the unit hierarchy (CSV / XLSX) and unit boundaries (GeoJSON / zipped Shapefile), through
the same functions as ``python -m metrics units`` and ``python -m metrics boundaries``."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from metrics.ingest.boundaries import import_boundaries
from metrics.ingest.coords import CRS
from metrics.ingest.importer import ImportResult
from metrics.core.levels import TERRITORIAL
from metrics.ingest.readers import ReadError
from metrics.ingest.units import import_units
from metrics.store.snapshots import StoreError
from views.data_common import audit_load, discard, saved_upload, translator
from views.state import lang
from views.ui import md_text

TEXT = {
    "units": ("上传单位层级文件（CSV / XLSX：unit_id, name, level, parent_id…）",
              "Upload the unit hierarchy (CSV / XLSX: unit_id, name, level, parent_id…)"),
    "boundaries": ("上传边界文件（GeoJSON 或 Shapefile 压缩包）", "Upload boundaries (GeoJSON, or a zipped Shapefile)"),
    "too_big": ("文件超过 {mb} MB，请用命令行导入", "The file exceeds {mb} MB; load it from the command line"),
    "sheet": ("工作表（XLSX，可留空）", "Sheet (XLSX, optional)"),
    "level": ("单位层级（新建时必填）", "Level of the units (needed to create them)"),
    "any": ("任意", "any"),
    "id_field": ("编码属性（默认：要素 id）", "Id property (default: the feature's id)"),
    "name_field": ("名称属性", "Name property"),
    "parent_field": ("上级属性（编码或名称，可留空）", "Parent property (id or name, optional)"),
    "create": ("为未匹配的要素新建单位", "Create a unit for a feature that matches none"),
    "crs": ("坐标系", "Coordinate system"),
    "load_units": ("导入单位", "Load units"), "load_boundaries": ("导入边界", "Load boundaries"),
    "failed": ("导入失败", "Loading failed"),
    "summary": ("读取 {read:,} · 新增 {inserted:,} · 更新 {updated:,} · 拒收 {rejected:,}",
                "read {read:,} · inserted {inserted:,} · updated {updated:,} · rejected {rejected:,}"),
    "repaired": ("修复几何 {n:,} 个", "{n:,} geometries repaired"),
    "reasons": ("拒收原因", "Why rows were rejected"),
    "warnings": ("警告", "Warnings"),
}
tx = translator(TEXT)


def _show(result: ImportResult, warnings: list[str] | None = None) -> None:
    ok = result.inserted + result.updated
    (st.success if ok else st.warning)(tx("summary", read=result.read, inserted=result.inserted,
                                          updated=result.updated, rejected=result.rejected))
    if result.reject_kinds:
        st.dataframe({tx("reasons"): [k for k, _ in result.reject_kinds]}, hide_index=True, width="stretch")
    if warnings:
        st.dataframe({tx("warnings"): warnings[:50]}, hide_index=True, width="stretch")


def units_upload(db: Path) -> None:
    upload = st.file_uploader(tx("units"), type=["csv", "txt", "tsv", "xlsx"], key="upload.units")
    sheet = st.text_input(tx("sheet"), key="units.sheet") or None
    if upload is None or not st.button(tx("load_units"), key="load_units"):
        return
    path = saved_upload(upload, TEXT["too_big"][lang() == "en"])
    if path is None:
        return
    try:
        result = import_units(db, path, sheet)
    except (ReadError, StoreError, ValueError) as exc:
        audit_load(path, "units", error=str(exc))
        discard(path)
        st.error(f"{tx('failed')}: {md_text(exc)}")
        return
    audit_load(path, "units", result)
    discard(path)
    _show(result)


def boundaries_upload(db: Path) -> None:
    upload = st.file_uploader(tx("boundaries"), type=["geojson", "json", "zip"], key="upload.boundaries")
    left, mid, right = st.columns(3)
    any_level = tx("any")
    level = left.selectbox(tx("level"), ["", *TERRITORIAL], format_func=lambda v: v or any_level, key="b.level")
    id_field = mid.text_input(tx("id_field"), key="b.id") or None
    name_field = right.text_input(tx("name_field"), value="name", key="b.name") or "name"
    left, mid, right = st.columns(3)
    parent_field = left.text_input(tx("parent_field"), key="b.parent") or None
    crs = mid.selectbox(tx("crs"), CRS, key="b.crs")
    create = right.checkbox(tx("create"), key="b.create")
    if upload is None or not st.button(tx("load_boundaries"), key="load_boundaries"):
        return
    path = saved_upload(upload, TEXT["too_big"][lang() == "en"])
    if path is None:
        return
    try:
        result = import_boundaries(db, path, level or None, id_field, name_field, parent_field, crs, create=create)
    except (ReadError, StoreError, ValueError) as exc:
        audit_load(path, "boundaries", error=str(exc))
        discard(path)
        st.error(f"{tx('failed')}: {md_text(exc)}")
        return
    audit_load(path, "boundaries", result)
    discard(path)
    _show(result, result.warnings_list)
    if result.repaired:
        st.text(tx("repaired", n=result.repaired))
