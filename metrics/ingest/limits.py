"""Limits every reader enforces while it reads, before anything is read whole.

Over a limit that concerns the whole file (too many columns, a header that is not found, an
Open311 element that does not end), the file is refused with a one-line :class:`LimitError`
naming the file, the row and the limit; the other files of an import still go in. Over a limit
that concerns one row (a line too long, a cell too large, nesting too deep, a quote that never
closes), that row is rejected with the same kind of reason and reading goes on, so every row
is still counted (read = inserted + updated + unchanged + rejected).

Rows holding a NUL character or a byte-order mark (U+FEFF) anywhere but at the start of the
file are rejected too: an id with an invisible BOM would look like another id and count apart,
and dropping the character silently would change the data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from metrics.ingest.batches import Bad, Batch, ReadError, raw_json


@dataclass(frozen=True)
class Limits:
    columns: int = 1_000              # columns in a header, a sheet, a JSON record, a file
    cell_chars: int = 100_000         # characters in one cell
    line_bytes: int = 4 << 20         # bytes in one CSV record or JSON line / Open311 element
    record_lines: int = 1_000         # physical lines one quoted CSV record may span
    blank_rows: int = 10_000          # blank rows in a row in a sheet (before the header or between rows)
    preview_rows: int = 200           # rows a preview may ask for
    depth: int = 32                   # nesting of JSON arrays and objects in one record
    whole_json_bytes: int = 256 << 20  # an Open311 file wrapped in an object is read whole


LIMITS = Limits()


class LimitError(ReadError):
    """The file is over a limit and is refused as a whole."""


def over(path: object, row: int | str, what: str, value: int, limit: int) -> LimitError:
    """'FILE: row N: 10,000 columns, over the limit of 1,000' (row may be a phrase, e.g. 'element 7')."""
    where = f"row {row}" if isinstance(row, int) else row
    return LimitError(f"{path}: {where}: {value:,} {what}, over the limit of {limit:,}")


def row_reason(what: str, value: int, limit: int, column: str = "(row)") -> str:
    """A rejected row's reason; the value is quoted so that the summary groups the rows by kind."""
    return f"{column}: {what} '{value:,}', over the limit of {limit:,}"


_HIDDEN = re.compile("[\x00\ufeff]")
_HIDDEN_NAMES = {"\x00": "a NUL character", "\ufeff": "a byte-order mark (U+FEFF)"}


def hidden_char_reason(column: str, text: str) -> str | None:
    found = _HIDDEN.search(text)
    if not found:
        return None
    return f"{column}: {_HIDDEN_NAMES[found.group()]} at character '{found.start() + 1}'"


def _hidden_bytes(col: pa.ChunkedArray) -> bool:
    """Whether any cell of col may hold NUL or U+FEFF (a byte search over the column's data, no per-cell work)."""
    for chunk in col.chunks:
        buffers = chunk.buffers()
        data = buffers[2] if len(buffers) > 2 else None
        if data is not None:
            raw = data.to_pybytes()
            if raw.find(b"\x00") >= 0 or raw.find(b"\xef\xbb\xbf") >= 0:
                return True
    return False


def _flags(col: pa.ChunkedArray, limits: Limits) -> pa.ChunkedArray | None:
    """True for the cells of col over the cell limit or holding NUL / BOM; None if there are none."""
    hit = None
    if (pc.max(pc.binary_length(col)).as_py() or 0) > limits.cell_chars:   # bytes >= characters: a cheap pre-check
        hit = pc.greater(pc.utf8_length(col), limits.cell_chars)
    if _hidden_bytes(col):
        hidden = pc.match_substring_regex(col, "[\\x00\\x{feff}]")
        hit = hidden if hit is None else pc.or_kleene(hit, hidden)
    return None if hit is None else pc.fill_null(hit, False)


def screen(batch: Batch, limits: Limits = LIMITS) -> Batch:
    """Move rows with a cell over ``limits.cell_chars`` or a NUL / BOM character into batch.bad."""
    table = batch.table
    if not table.num_rows:
        return batch
    flagged = None
    for name in table.column_names[1:]:
        col = table.column(name)
        if not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
            continue
        hit = _flags(col, limits)
        if hit is not None:
            flagged = hit if flagged is None else pc.or_(flagged, hit)
    if flagged is None or not pc.any(flagged).as_py():
        return batch
    bad = list(batch.bad)
    header = table.column_names[1:]
    for row in table.filter(flagged).to_pylist():
        cells = [row[h] for h in header]
        bad.append(Bad(row["_row"], raw_json(header, [_printable(c) for c in cells]), _cell_reason(header, cells, limits)))
    return Batch(table.filter(pc.invert(flagged)), bad)


def _printable(cell: str | None) -> str | None:
    return cell if cell is None or len(cell) <= 1_000 else cell[:1_000] + f"… ({len(cell):,} characters)"


def _cell_reason(header: list[str], cells: list[str | None], limits: Limits) -> str:
    for name, cell in zip(header, cells):
        if cell is not None and len(cell) > limits.cell_chars:
            return row_reason("characters in the cell", len(cell), limits.cell_chars, name)
    for name, cell in zip(header, cells):
        if cell is not None and (reason := hidden_char_reason(name, cell)):
            return reason
    return "(row): over a limit"
