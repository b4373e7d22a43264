"""Typed tabular sources: XLSX worksheets (openpyxl, read-only) and Parquet files, streamed."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from metrics.ingest.batches import (BATCH_ROWS, Bad, Batch, Progress, ReadError, cell_text, make_table,
                                    raw_json, unique_names)


def read_xlsx(path: Path, sheet: str | None = None, progress: Progress | None = None,
              batch_rows: int = BATCH_ROWS) -> tuple[list[str], Iterator[Batch]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:   # openpyxl raises many kinds for a non-workbook
        raise ReadError(f"{path}: not a readable XLSX workbook ({exc})") from exc
    if sheet and sheet not in wb.sheetnames:
        raise ReadError(f"{path}: no sheet {sheet!r} (sheets: {', '.join(wb.sheetnames)})")
    ws = wb[sheet] if sheet else wb.worksheets[0]
    total = ws.max_row or 0
    it = enumerate(ws.iter_rows(values_only=True), start=1)
    header: list[str] | None = None
    for number, cells in it:
        if any(c is not None and str(c).strip() for c in cells):
            header = unique_names(list(cells))
            break
    if header is None:
        wb.close()
        raise ReadError(f"{path}: sheet {ws.title!r} has no header row")
    width = len(header)

    def batches() -> Iterator[Batch]:
        rows, values, bad = [], [], []
        try:
            for number, cells in it:
                texts = [cell_text(c) for c in cells]
                if not any(t is not None and t.strip() for t in texts):
                    continue
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


def read_parquet(path: Path, progress: Progress | None = None,
                 batch_rows: int = BATCH_ROWS) -> tuple[list[str], Iterator[Batch]]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:
        raise ReadError(f"{path}: not a readable Parquet file ({exc})") from exc
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
