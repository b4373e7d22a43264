"""What the Data page needs from the importer: previews, import history, rejects as CSV."""
from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pandas as pd

from metrics.ingest import checks
from metrics.ingest.coords import GridLocator
from metrics.ingest.importer import _resolve_mapping
from metrics.ingest.limits import LIMITS
from metrics.ingest.mapping import Mapping
from metrics.ingest.readers import detect_format, open_source
from metrics.ingest.staging import stage
from metrics.ingest.timeparse import DEFAULT_TZ
from metrics.ingest.validate import Plan, parse
from metrics.ingest.writer import write_rejects_csv
from metrics.store.snapshots import create_schema, open_read

PREVIEW_COLUMNS = ["_row", "request_id", "received_at", "category", "channel", "unit_id", "dept_id", "status",
                   "closed_at", "contacted", "resolved", "satisfaction", "lat", "lon", "location_status", "reasons", "warnings"]


def _scratch_with_units(db: Path | None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_schema(con)
    if db and Path(db).exists():
        src = open_read(db)
        try:
            for table in ("units", "unit_ancestors", "boundaries"):
                frame = src.execute(f"SELECT * FROM {table}").fetchdf()
                con.register("_src", frame)
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _src")
                con.unregister("_src")
        finally:
            src.close()
    return con


def preview(path: Path, db: Path | None, mapping: str | Mapping | None = None, fmt: str | None = None,
            sheet: str | None = None, crs: str = "wgs84", tz: str | None = None, rows: int = 20
            ) -> tuple[str, pd.DataFrame]:
    """(mapping name, the first rows as they would be imported, with their reasons and warnings).

    At most ``LIMITS.preview_rows`` rows are read, whatever is asked.
    """
    rows = max(1, min(rows, LIMITS.preview_rows))
    fmt = detect_format(path, fmt)
    # the exact reader yields `rows`-row batches lazily; the fast one reads whole blocks (thousands of rows)
    header, batches, _ = open_source(path, fmt, sheet, batch_rows=rows, fast=False)
    con = _scratch_with_units(db)
    try:
        first = next(iter(batches))
        header, _ = stage(con, header, [first])
        chosen = _resolve_mapping(mapping, header, fmt)
        plan = Plan(chosen, header)
        zone = tz or chosen.timezone or DEFAULT_TZ
        parse(con, plan, zone)
        locator = GridLocator.from_store(con)
        checks.place(con, crs, locator, "address" in plan.source)
        checks.check(con, plan, zone, has_bounds=len(locator) > 0)
        frame = con.execute(
            f"SELECT {', '.join(PREVIEW_COLUMNS[:-2])}, array_to_string(reasons, '; ') AS reasons, "
            "array_to_string(warnings, '; ') AS warnings FROM _checked ORDER BY _row").fetchdf()
        return chosen.name, frame.rename(columns={"_row": "row"})
    finally:
        con.close()


def history(db: Path, limit: int = 50) -> pd.DataFrame:
    con = open_read(db)
    try:
        return con.execute(
            "SELECT import_id, kind, file, started_at, finished_at, rows_read, rows_inserted, rows_updated, "
            "rows_unchanged, rows_rejected, warnings, note FROM imports ORDER BY started_at DESC LIMIT $n",
            {"n": limit}).fetchdf()
    finally:
        con.close()


def rejects_csv(db: Path, import_id: str, file_name: str, personal: bool = False) -> bytes:
    """The import's rejected rows as CSV (UTF-8 with BOM so Excel shows Chinese), masked unless ``personal``."""
    con = open_read(db)
    try:
        out = io.StringIO()
        write_rejects_csv(con, import_id, file_name, out, personal)
        return out.getvalue().encode("utf-8-sig")
    finally:
        con.close()
