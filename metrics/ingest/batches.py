"""What every reader yields: batches of text columns with the row numbers a person finds in the file.

A :class:`Batch` is a pyarrow table of string columns named by the source header plus ``_row``,
and the rows that could not even be split into the header's columns (kept with a reason, never
dropped). Row numbers: for CSV and XLSX the row as a spreadsheet shows it (header = row 1), for
JSON lines the line, for Parquet and Open311 the record (from 1).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa

BATCH_ROWS = 50_000
Progress = Callable[[int, int], None]   # (bytes or rows done, total)


class ReadError(RuntimeError):
    """The file cannot be read at all (missing, wrong format, corrupt)."""


@dataclass
class Bad:
    row: int
    raw: str            # the original row as JSON
    reason: str


@dataclass
class Batch:
    table: pa.Table                     # _row + string columns
    bad: list[Bad] = field(default_factory=list)


def unique_names(header: list[object]) -> list[str]:
    """Header cells as distinct column names (blank -> column_N; repeats get ' (2)')."""
    names: list[str] = []
    seen: set[str] = set()
    for i, cell in enumerate(header, start=1):
        base = str(cell).strip().lstrip("\ufeff") if cell is not None else ""
        base = base or f"column_{i}"
        name, n = base, 2
        while name.lower() in seen:
            name, n = f"{base} ({n})", n + 1
        seen.add(name.lower())
        names.append(name)
    return names


def make_table(rows: list[int], columns: list[str], values: list[list[str | None]]) -> pa.Table:
    """_row plus one string column per name, from row-wise values."""
    arrays = [pa.array(rows, type=pa.int64())]
    if values:
        arrays += [pa.array(col, type=pa.string()) for col in zip(*values)]
    else:
        arrays += [pa.array([], type=pa.string()) for _ in columns]
    return pa.Table.from_arrays(arrays, names=["_row", *columns])


def raw_json(header: list[str], cells: list[str | None]) -> str:
    """A row's cells as a JSON object keyed by the header; cells beyond it under ``_extra``."""
    if len(cells) <= len(header):
        obj = dict(zip(header, cells))
    else:
        obj = {**dict(zip(header, cells)), "_extra": cells[len(header):]}
    return json.dumps(obj, ensure_ascii=False)


def cell_text(value: object) -> str | None:
    """A cell of a typed source (XLSX, Parquet, JSON) as the text a CSV export would show."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") and hasattr(value, "day") else value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
