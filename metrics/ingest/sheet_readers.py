"""Typed tabular sources: XLSX worksheets (openpyxl, read-only) and Parquet files, streamed.

Limits (:mod:`~metrics.ingest.limits`) are checked before rows are read: a sheet whose stated
size spans more columns than ``Limits.columns`` (e.g. a stray space in column XFD) or a Parquet
schema with too many columns is refused at once; a row that turns out wider, or a header not
found within ``Limits.blank_rows`` rows, or that many blank rows in a row (a sheet padded with
empty rows, each with a stray space far to the right), refuses the file when that row is reached.
"""
from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from metrics.ingest.batches import (BATCH_ROWS, Bad, Batch, Progress, ReadError, cell_text, make_table,
                                    raw_json, unique_names)
from metrics.ingest.limits import LIMITS, Limits, over


def column_letter(n: int) -> str:
    """1 -> A, 27 -> AA, 16384 -> XFD."""
    letters = ""
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _too_wide(path: Path, row: int | str, width: int, limits: Limits) -> ReadError:
    return over(path, row, f"columns (cells up to column {column_letter(width)})", width, limits.columns)


_WIDE_CELL = re.compile(rb'<c r="([A-Z]{3})(\d+)"')   # columns AAA.. (703 and up)


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _prescan(path: Path, limits: Limits) -> None:
    """Refuse a sheet without a <dimension> that has cells beyond limits.columns, before openpyxl
    (which, lacking the dimension, would parse the whole sheet just to open the workbook)."""
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError(f"{path}: not a readable XLSX workbook ({exc})") from exc
    with z:
        for name in z.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            with z.open(name) as f:
                head = f.read(1 << 16)
                if b"<dimension" in head.split(b"<sheetData", 1)[0]:
                    continue
                data = head
                while data:
                    cut = data.rfind(b"<")
                    for found in _WIDE_CELL.finditer(data, 0, cut if cut > 0 else len(data)):
                        if (col := _column_number(found[1])) > limits.columns:
                            raise _too_wide(path, int(found[2]), col, limits)
                    more = f.read(1 << 20)
                    data = (data[cut:] if cut > 0 else b"") + more if more else b""


def read_xlsx(path: Path, sheet: str | None = None, progress: Progress | None = None,
              batch_rows: int = BATCH_ROWS, limits: Limits = LIMITS) -> tuple[list[str], Iterator[Batch]]:
    import openpyxl

    _prescan(path, limits)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:   # openpyxl raises many kinds for a non-workbook
        raise ReadError(f"{path}: not a readable XLSX workbook ({exc})") from exc
    if sheet and sheet not in wb.sheetnames:
        raise ReadError(f"{path}: no sheet {sheet!r} (sheets: {', '.join(wb.sheetnames)})")
    ws = wb[sheet] if sheet else wb.worksheets[0]
    total = ws.max_row or 0
    stated = ws.max_column or 0   # from the sheet's <dimension>, read before any row
    if stated > limits.columns:
        wb.close()
        raise _too_wide(path, f"sheet {ws.title!r}, rows 1–{total:,}", stated, limits)
    it = enumerate(ws.iter_rows(values_only=True, max_col=limits.columns + 1), start=1)
    header: list[str] | None = None
    for number, cells in it:
        if len(cells) > limits.columns and cells[-1] is not None:
            wb.close()
            raise _too_wide(path, number, len(cells), limits)
        filled = [i for i, c in enumerate(cells) if c is not None and str(c).strip()]
        if filled:   # as wide as the sheet says, else up to its last filled cell
            header = unique_names(list(cells[: max(stated, filled[-1] + 1)]))
            break
        if number >= limits.blank_rows:
            wb.close()
            raise over(path, f"rows 1–{number:,}", "blank rows before any header", number, limits.blank_rows)
    if header is None:
        wb.close()
        raise ReadError(f"{path}: sheet {ws.title!r} has no header row")
    width = len(header)
    # one column past the header shows stray cells (their row is rejected); rows are not padded wider
    data = enumerate(ws.iter_rows(min_row=number + 1, max_col=width + 1, values_only=True), start=number + 1)

    def batches() -> Iterator[Batch]:
        rows, values, bad = [], [], []
        blanks = 0
        try:
            for number, cells in data:
                texts = [cell_text(c) for c in cells]
                if not any(t is not None and t.strip() for t in texts):
                    blanks += 1
                    if blanks >= limits.blank_rows:
                        raise over(path, f"rows {number - blanks + 1:,}–{number:,}", "blank rows in a row", blanks,
                                   limits.blank_rows)
                    continue
                blanks = 0
                if len(texts) > width and any(t is not None for t in texts[width:]):
                    bad.append(Bad(number, raw_json(header, texts), f"(row): cells beyond the header's {width} columns"))
                else:
                    rows.append(number)
                    values.append((texts + [None] * width)[:width])
                if len(rows) + len(bad) >= batch_rows:
                    yield Batch(make_table(rows, header, values), bad)
                    rows, values, bad = [], [], []
                    if progress:
                        progress(number, total)
            yield Batch(make_table(rows, header, values), bad)
        finally:
            wb.close()

    return header, batches()


def _as_strings(col: pa.ChunkedArray) -> pa.ChunkedArray:
    t = col.type
    if pa.types.is_string(t):
        return col
    if pa.types.is_dictionary(t):
        return _as_strings(col.cast(t.value_type))
    if pa.types.is_nested(t) or pa.types.is_binary(t) or pa.types.is_floating(t):
        return pa.chunked_array([pa.array([cell_text(v) for v in col.to_pylist()], type=pa.string())])
    return col.cast(pa.string())


def read_parquet(path: Path, progress: Progress | None = None, batch_rows: int = BATCH_ROWS,
                 limits: Limits = LIMITS) -> tuple[list[str], Iterator[Batch]]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:
        raise ReadError(f"{path}: not a readable Parquet file ({exc})") from exc
    if len(pf.schema_arrow.names) > limits.columns:
        raise over(path, "schema", "columns", len(pf.schema_arrow.names), limits.columns)
    header = unique_names(pf.schema_arrow.names)
    total = pf.metadata.num_rows

    def batches() -> Iterator[Batch]:
        start = 1
        for rb in pf.iter_batches(batch_size=batch_rows):
            table = pa.Table.from_batches([rb])
            cols = [_as_strings(table.column(i)) for i in range(table.num_columns)]
            rows = pa.chunked_array([pa.array(range(start, start + table.num_rows), type=pa.int64())])
            start += table.num_rows
            yield Batch(pa.Table.from_arrays([rows, *cols], names=["_row", *header]))
            if progress:
                progress(start - 1, total)

    return header, batches()
