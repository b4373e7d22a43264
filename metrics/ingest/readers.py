"""Readers: any supported export -> batches of text columns with their row numbers.

Every reader streams (memory stays bounded by the batch size) and yields
:class:`~metrics.ingest.batches.Batch`\\ es. The readers live by kind of source:
:mod:`~metrics.ingest.csv_reader` (CSV and other delimited text),
:mod:`~metrics.ingest.sheet_readers` (XLSX, Parquet), :mod:`~metrics.ingest.json_readers`
(JSON lines, Open311). This module picks one by format.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from metrics.ingest.batches import BATCH_ROWS, Batch, Progress, ReadError
from metrics.ingest.csv_reader import FastPathDisagrees, detect_encoding, read_csv
from metrics.ingest.json_readers import read_jsonl, read_open311
from metrics.ingest import limits as limits_module
from metrics.ingest.limits import LIMITS, LimitError, Limits, screen
from metrics.ingest.sheet_readers import read_parquet, read_xlsx

__all__ = ["FORMATS", "FastPathDisagrees", "LIMITS", "LimitError", "ReadError", "detect_format", "open_source"]

FORMATS = ("csv", "xlsx", "parquet", "jsonl", "open311")
EXTENSIONS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
              ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def detect_format(path: Path, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise ReadError(f"{path}: unknown format {fmt!r} (one of {', '.join(FORMATS)})")
        return fmt
    suffix = path.suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    if suffix == ".json":
        with open(path, "rb") as f:
            first = f.readline().strip()
            second = f.readline().strip()
        try:
            if first.startswith(b"{") and second.startswith(b"{") and isinstance(json.loads(first), dict):
                return "jsonl"
        except ValueError:
            pass
        return "open311"
    raise ReadError(f"{path}: cannot tell the format from the name; pass --format ({', '.join(FORMATS)})")


def open_source(path: Path, fmt: str, sheet: str | None = None, progress: Progress | None = None,
                batch_rows: int = BATCH_ROWS, fast: bool = True, limits: Limits | None = None
                ) -> tuple[list[str], Iterator[Batch], str | None]:
    """(header, batches, encoding) for path in fmt. Raises ReadError if it cannot be read at all.

    Every format is read within ``limits`` (see :mod:`~metrics.ingest.limits`): a file over a
    whole-file limit raises :class:`LimitError` before it is read whole; rows over a row limit
    (and rows with NUL or BOM characters) come back among the batches' bad rows.
    ``fast=False`` forces the exact CSV reader (after :class:`FastPathDisagrees`).
    """
    limits = limits or limits_module.LIMITS   # looked up now: tests may lower the limits
    if not path.is_file():
        raise ReadError(f"{path}: no such file")
    if fmt == "csv":
        encoding = detect_encoding(path)
        header, batches = read_csv(path, encoding, progress, batch_rows, fast, limits)
    elif fmt == "xlsx":
        encoding, (header, batches) = None, read_xlsx(path, sheet, progress, batch_rows, limits)
    elif fmt == "parquet":
        encoding, (header, batches) = None, read_parquet(path, progress, batch_rows, limits)
    elif fmt == "jsonl":
        encoding, (header, batches) = "utf-8", read_jsonl(path, progress, batch_rows, limits)
    else:
        encoding, (header, batches) = "utf-8", read_open311(path, progress, batch_rows, limits)
    return header, (screen(batch, limits) for batch in batches), encoding
