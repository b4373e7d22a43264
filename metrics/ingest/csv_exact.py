"""The exact CSV reader: Python's csv module over physical lines read with bounded memory.

Used where the fast reader cannot be (multi-line cells, undecodable bytes, NUL, UTF-16, a
runaway quote). Every row is accounted for:

- a physical line longer than ``Limits.line_bytes`` characters is skipped in chunks (never held
  whole) and its row rejected, naming the limit;
- a quote that opens and is not closed within ``Limits.record_lines`` lines, or the record's
  size limit, or before the end of the file, rejects only the row where it opened: the lines
  after it are read again as rows of their own, so nothing vanishes inside one giant cell;
- bytes the file's encoding cannot decode reject their row ("not valid UTF-8 at byte …",
  naming the encoding the file is read as); they never change how the rest is read.
"""
from __future__ import annotations

import csv
import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

from metrics.ingest.batches import Bad, Batch, Progress, make_table, raw_json
from metrics.ingest.limits import LIMITS, Limits, row_reason

_UNDECODED = re.compile("[\udc80-\udcff]")   # bytes kept by errors="surrogateescape"
SKIP_CHARS = 1 << 20


@dataclass(frozen=True)
class _TooLong:
    chars: int


class _Runaway(Exception):
    """The current record ran over a limit: reject its first line, read the rest again."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def blank(cells: list[str]) -> bool:
    """A line with nothing but spaces: not a row."""
    return not cells or (len(cells) == 1 and not cells[0].strip())


def wrong_width(row: int, header: list[str], cells: list[str]) -> Bad:
    return Bad(row, raw_json(header, cells), f"(row): {len(cells)} fields where the header has {len(header)}")


def physical_lines(text: TextIO, max_chars: int) -> Iterator[str | _TooLong]:
    """The file's lines (line ends kept); a line over max_chars is read on in chunks and reported by size."""
    while True:
        line = text.readline(max_chars + 1)
        if not line:
            return
        if len(line) > max_chars and not line.endswith(("\n", "\r")):
            size = len(line)
            while (more := text.readline(SKIP_CHARS)) and not more.endswith(("\n", "\r")):
                size += len(more)
            yield _TooLong(size + len(more))
        else:
            yield line


class _Lines:
    """The line source of one csv.reader: counts lines, holds the current record's lines for a replay."""

    def __init__(self, source: Iterator[str | _TooLong], limits: Limits, first_number: int):
        self.source, self.limits = source, limits
        self.number = first_number
        self.pending: deque[tuple[int, str | _TooLong]] = deque()
        self.record: list[tuple[int, str | _TooLong]] = []
        self.chars = 0
        self.hit_end = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.pending:
            number, line = self.pending.popleft()
        else:
            try:
                line = next(self.source)
            except StopIteration:
                if self.record:
                    self.hit_end = True
                raise
            self.number += 1
            number = self.number
        self.record.append((number, line))
        if isinstance(line, _TooLong):
            what = "characters in the line" if len(self.record) == 1 else "characters in a line of this quoted row"
            raise _Runaway(row_reason(what, line.chars, self.limits.line_bytes))
        self.chars += len(line)
        if len(self.record) > self.limits.record_lines:
            raise _Runaway(row_reason("lines spanned by a quote opened in this row; it is not closed within",
                                      len(self.record), self.limits.record_lines).replace(" '", " ", 1))
        if self.chars > self.limits.line_bytes:
            raise _Runaway(row_reason("characters in a quoted row that does not end", self.chars, self.limits.line_bytes))
        return line

    def start(self) -> None:
        self.record, self.chars, self.hit_end = [], 0, False

    def replay_after_first(self) -> int:
        """Queue the current record's lines after its first for reading again; its first line number."""
        first = self.record[0][0]
        self.pending.extendleft(reversed(self.record[1:]))
        return first


def _undecoded_reason(lines: list[str], encoding: str) -> str | None:
    text = "".join(lines)
    found = _UNDECODED.search(text)
    if not found:
        return None
    at = len(text[: found.start()].encode(encoding, "surrogateescape")) + 1
    name = encoding.upper().replace("-SIG", "")
    return f"(row): not valid {name} at byte '{at}' of the row (the file is read as {encoding})"


def _clean(cells: list[str]) -> list[str]:
    """Cells with undecodable bytes shown as U+FFFD (the rejected row's raw text must be valid text)."""
    return [_UNDECODED.sub("\ufffd", c) for c in cells]


def exact_batches(raw, text: TextIO, encoding: str, delimiter: str, header: list[str], total: int,
                  progress: Progress | None, batch_rows: int, limits: Limits = LIMITS) -> Iterator[Batch]:
    width = len(header)
    lines = _Lines(physical_lines(text, limits.line_bytes), limits, first_number=1)
    reader = csv.reader(lines, delimiter=delimiter)
    rows: list[int] = []
    values: list[list[str]] = []
    bad: list[Bad] = []
    number = 1   # records, as a spreadsheet numbers its rows (a multi-line cell is one row); header = 1
    try:
        while True:
            lines.start()
            try:
                cells = next(reader)
                if lines.hit_end:
                    raise _Runaway("(row): a quote opened in this row is never closed")
            except StopIteration:
                break
            except (_Runaway, csv.Error) as exc:
                number += 1
                reason = exc.reason if isinstance(exc, _Runaway) else f"(row): {exc}"
                lines.replay_after_first()
                start = lines.record[0][1]
                text = _UNDECODED.sub("\ufffd", start[:1_000]) if isinstance(start, str) else ""
                bad.append(Bad(number, json.dumps({"_line": text}, ensure_ascii=False), reason))
                reader = csv.reader(lines, delimiter=delimiter)
                continue
            number += 1
            if blank(cells):
                continue
            reason = _undecoded_reason([t for _, t in lines.record if isinstance(t, str)], encoding)
            if reason:
                bad.append(Bad(number, raw_json(header, _clean(cells)), reason))
            elif len(cells) == width:
                rows.append(number)
                values.append(cells)
            else:
                bad.append(wrong_width(number, header, _clean(cells)))
            if len(rows) + len(bad) >= batch_rows:
                yield Batch(make_table(rows, header, values), bad)
                rows, values, bad = [], [], []
                if progress:
                    progress(raw.tell(), total)
        yield Batch(make_table(rows, header, values), bad)
        if progress:
            progress(total, total)
    finally:
        raw.close()
