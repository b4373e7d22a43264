"""CSV sources: encoding and delimiter detection, and two readers with the same results.

The fast reader parses with pyarrow's streaming CSV reader (C++, blocks of a few MB). It is used
when a byte scan of the file shows that every physical line is one record, so that row numbers
are line numbers: the text decodes cleanly, there is no NUL byte and no bare CR line end, and
every line holding a quote parses on its own under Python's csv rules (no quoted field runs on
to the next line, no stray text after a closing quote) and no line is over the line limit.
Anything else (a multi-line cell, undecodable bytes, NUL, UTF-16, a runaway quote, a huge line)
goes to the exact reader (:mod:`~metrics.ingest.csv_exact`), which rejects such rows one by one
with their reason. Encoding: :mod:`~metrics.ingest.encoding`. Both give the same rows, row numbers and malformed-row
reasons (tests/test_ingest_csv.py checks that on random files); if the fast reader ever
disagrees with its own scan it raises :class:`FastPathDisagrees` and the importer reads again
with the exact reader.
"""
from __future__ import annotations

import codecs
import csv
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from metrics.ingest.batches import BATCH_ROWS, Bad, Batch, Progress, ReadError, make_table, unique_names
from metrics.ingest.csv_exact import blank, exact_batches, wrong_width
from metrics.ingest.encoding import detect_encoding
from metrics.ingest.limits import LIMITS, Limits, over

__all__ = ["FastPathDisagrees", "Layout", "detect_encoding", "read_csv", "scan_layout"]

SCAN_BYTES = 16 << 20
BLOCK_BYTES = 1 << 20   # pyarrow reads ~40 blocks ahead: this bounds its memory (~40 MB)
FAST_ENCODINGS = {"utf-8": "utf8", "utf-8-sig": "utf8", "gb18030": "gb18030"}
SCAN_SHARE = 0.2   # of the read progress bar

csv.field_size_limit(sys.maxsize)


class FastPathDisagrees(RuntimeError):
    """The fast reader found the file laid out otherwise than its scan said; read it again exactly."""


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


@dataclass(frozen=True)
class Layout:
    """What the byte scan found: physical lines, the blank ones, the longest line in bytes."""

    lines: int
    empty: np.ndarray   # line numbers (from 1) of zero-length lines
    longest: int


def _lines_parse_alone(lines: list[str], delimiter: str) -> bool:
    """True if each line is one complete record under csv's strict rules."""
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        for n, _ in enumerate(reader, start=1):
            if reader.line_num != n:
                return False
    except csv.Error:
        return False
    return True


def scan_layout(path: Path, encoding: str, delimiter: str, progress: Progress | None = None) -> Layout | None:
    """The file's line layout if the fast reader can read it exactly, else None (one pass, bounded memory).

    Only the quote, CR, LF and NUL bytes are looked at outside decoding; in UTF-8 and GB18030
    none of them occurs inside a multi-byte character, so byte positions are safe.
    """
    if encoding not in FAST_ENCODINGS:
        return None
    decoder = codecs.getincrementaldecoder(encoding)()
    line_codec = "utf-8" if encoding == "utf-8-sig" else encoding   # a BOM only at the start of the file
    size = path.stat().st_size
    lines, longest, done = 0, 0, 0
    empty: list[np.ndarray] = []
    carry = b""
    with open(path, "rb") as f:
        while True:
            chunk = f.read(SCAN_BYTES)
            done += len(chunk)
            final = not chunk
            try:
                decoder.decode(chunk, final=final)
            except UnicodeDecodeError:
                return None
            data = carry + chunk
            if b"\0" in chunk:
                return None
            cut = len(data) if final else data.rfind(b"\n") + 1
            part, carry = data[:cut], data[cut:]
            if final and part and not part.endswith(b"\n"):
                part += b"\n"   # the last line has no line end
            if part.count(b"\r") != part.count(b"\r\n"):
                return None
            if part:
                arr = np.frombuffer(part, dtype=np.uint8)
                ends = np.flatnonzero(arr == 10)
                starts = np.concatenate(([0], ends[:-1] + 1))
                length = ends - starts
                content = length - ((length > 0) & (arr[np.maximum(ends - 1, 0)] == 13))
                empty.append(lines + 1 + np.flatnonzero(content == 0))
                longest = max(longest, int(length.max()))
                if b'"' in part:
                    quoted = np.unique(np.searchsorted(ends, np.flatnonzero(arr == 34)))
                    texts = [part[starts[i]:starts[i] + content[i]].decode(line_codec) for i in quoted]
                    if lines == 0 and quoted[0] == 0:
                        texts[0] = texts[0].removeprefix("\ufeff")
                    if not _lines_parse_alone(texts, delimiter):
                        return None
                lines += len(ends)
            if final:
                break
            if len(carry) > LIMITS.line_bytes:
                return None   # a line over the limit: the exact reader rejects its row
            if progress:
                progress(int(SCAN_SHARE * done), size)
    return Layout(lines, np.concatenate(empty) if empty else np.zeros(0, np.int64), longest)


def _string_columns(names: list[str]) -> pacsv.ConvertOptions:
    return pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=[],
                                strings_can_be_null=False, quoted_strings_can_be_null=False)


def _fast_batches(path: Path, encoding: str, delimiter: str, header: list[str], layout: Layout,
                  progress: Progress | None) -> Iterator[Batch]:
    """pyarrow's streaming reader over lines 2.., with row numbers rebuilt from the layout.

    pyarrow skips zero-length lines and counts its lines without them ("logical" numbers, header
    = 1); rows it cannot split into the header's columns go to the handler with that number.
    Good rows take the logical numbers left over, in order; logical -> physical adds the blank
    lines before.
    """
    width = len(header)
    names = [f"c{i}" for i in range(width)]
    invalid: list[tuple[int | None, str]] = []

    def on_invalid(row) -> str:
        invalid.append((row.number, row.text))
        return "skip"

    block = BLOCK_BYTES
    while block < 2 * layout.longest + 2:
        block *= 2
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(skip_rows=1, column_names=names, use_threads=False, block_size=block,
                                       encoding=FAST_ENCODINGS[encoding]),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=True,
                                         invalid_row_handler=on_invalid),
        convert_options=_string_columns(names))
    blank_before = layout.empty - np.arange(len(layout.empty)) - 1   # non-blank lines before each blank one
    size = path.stat().st_size
    total = layout.lines - 1 - len(layout.empty)   # logical lines after the header
    cursor, handled, seen = 2, 0, 0   # next logical number; invalid rows handled; good rows

    def physical(logical: np.ndarray) -> np.ndarray:
        return logical + np.searchsorted(blank_before, logical, side="left")

    def take_invalid(upto: int) -> list[Bad]:
        """The malformed rows before logical line upto, as Bad rows (blank lines dropped), forgotten here."""
        nonlocal handled
        k = 0
        while k < len(invalid) and invalid[k][0] is not None and invalid[k][0] < upto:
            k += 1
        mine = invalid[:k]
        del invalid[:k]
        handled += k
        bad = []
        for number, text in mine:
            cells = next(csv.reader([text], delimiter=delimiter), [])
            if blank(cells):
                continue
            if len(cells) == width:
                raise FastPathDisagrees(f"line {number}: pyarrow and csv split it differently")
            bad.append(wrong_width(int(physical(np.array([number]))[0]), header, cells))
        return bad

    try:
        for rb in reader:
            if any(number is None or number < cursor for number, _ in invalid):
                raise FastPathDisagrees("pyarrow reported a malformed row without its line or late")
            pending = np.array([number for number, _ in invalid], dtype=np.int64)
            logical = cursor + np.arange(rb.num_rows, dtype=np.int64)
            logical += np.searchsorted(pending - np.arange(len(pending)), logical, side="right")
            if rb.num_rows:
                cursor = int(logical[-1]) + 1
            if cursor - 1 > total + 1:
                raise FastPathDisagrees("more rows than lines")
            seen += rb.num_rows
            table = pa.Table.from_batches([rb]).rename_columns(header)
            rows = pa.array(physical(logical), type=pa.int64())
            yield Batch(pa.Table.from_arrays([rows, *table.columns], names=["_row", *header]), take_invalid(cursor))
            if progress:
                progress(int(size * (SCAN_SHARE + (1 - SCAN_SHARE) * min(1.0, cursor / max(total, 1)))), size)
        tail = take_invalid(sys.maxsize)
        if seen + handled != total or invalid:
            raise FastPathDisagrees(f"{seen} rows and {handled} malformed lines where the scan found {total}")
        yield Batch(make_table([], header, []), tail)
        if progress:
            progress(size, size)
    finally:
        reader.close()


def read_csv(path: Path, encoding: str, progress: Progress | None = None, batch_rows: int = BATCH_ROWS,
             fast: bool = True, limits: Limits = LIMITS) -> tuple[list[str], Iterator[Batch]]:
    """(header, batches): the fast reader when the file's layout allows it (and fast), else the exact one.

    The header line is read with a bounded length; a header over ``limits.columns`` refuses the file.
    """
    raw = open(path, "rb")
    total = path.stat().st_size
    text = io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape", newline="")
    try:
        first = text.readline(limits.line_bytes + 1)
        if len(first) > limits.line_bytes:
            raise over(path, 1, "characters or more in the header line", len(first), limits.line_bytes)
        if not first.strip():
            raise ReadError(f"{path}: empty file or no header line")
        delimiter = _sniff_delimiter(first)
        cells = next(csv.reader([first.replace("\0", "")], delimiter=delimiter))
        if len(cells) > limits.columns:
            raise over(path, 1, "columns in the header", len(cells), limits.columns)
        if any("\udc80" <= ch <= "\udcff" for ch in first):
            raise ReadError(f"{path}: row 1: the header is not valid {encoding} text (the file is read as {encoding})")
    except BaseException:
        raw.close()
        raise
    header = unique_names(cells)
    if fast and len(header) > 1:
        layout = scan_layout(path, encoding, delimiter, progress)
        if layout is not None and layout.longest <= limits.line_bytes:
            raw.close()
            return header, _fast_batches(path, encoding, delimiter, header, layout, progress)
    return header, exact_batches(raw, text, encoding, delimiter, header, total, progress, batch_rows, limits)
