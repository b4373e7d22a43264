"""Readers: any supported export -> batches of text columns with their row numbers.

Every reader streams (memory stays bounded by the batch size) and yields :class:`Batch`es:
a pyarrow table of string columns named by the source header plus ``_row``, and the rows that
could not even be split into the header's columns (kept with a reason, never dropped).
Row numbers are what a person finds in the file: for CSV and XLSX the row as a spreadsheet
shows it (header = row 1), for JSON lines the line, for Parquet and Open311 the record (from 1).
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

FORMATS = ("csv", "xlsx", "parquet", "jsonl", "open311")
EXTENSIONS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
              ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
BATCH_ROWS = 50_000
SAMPLE_BYTES = 1 << 20
Progress = Callable[[int, int], None]   # (bytes or rows done, total)

csv.field_size_limit(sys.maxsize)


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


def _utf8_clean(chunk: bytes) -> bool:
    for cut in range(4):   # a sample may end inside a multi-byte character
        try:
            chunk[: len(chunk) - cut].decode("utf-8")
            return True
        except UnicodeDecodeError as exc:
            if exc.start < len(chunk) - 8:
                return False
    return False


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-8, gb18030 (for GBK / GB2312 too) or what charset-normalizer finds."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(SAMPLE_BYTES)
        samples = [head]
        for pos in (size // 2, max(size - SAMPLE_BYTES, 0)):
            if pos > SAMPLE_BYTES:
                f.seek(pos)
                chunk = f.read(SAMPLE_BYTES)
                skip = 0
                while skip < min(4, len(chunk)) and chunk[skip] & 0xC0 == 0x80:
                    skip += 1   # started inside a UTF-8 character
                samples.append(chunk[skip:])
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    dirty = [s for s in samples if not _utf8_clean(s)]
    if not dirty:
        return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(dirty[0][:200_000]).best()
    enc = (best.encoding if best else "gb18030").lower().replace("-", "_")
    if enc in ("gb2312", "gbk", "gb18030", "hz", "cp936", "big5") or not best:
        return "gb18030"
    return best.encoding


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


def _table(rows: list[int], columns: list[str], values: list[list[str | None]]) -> pa.Table:
    arrays = [pa.array(rows, type=pa.int64())]
    if values:
        arrays += [pa.array(col, type=pa.string()) for col in zip(*values)]
    else:
        arrays += [pa.array([], type=pa.string()) for _ in columns]
    return pa.Table.from_arrays(arrays, names=["_row", *columns])


def _raw_json(header: list[str], cells: list[str]) -> str:
    if len(cells) <= len(header):
        obj = dict(zip(header, cells))
    else:
        obj = {**dict(zip(header, cells)), "_extra": cells[len(header):]}
    return json.dumps(obj, ensure_ascii=False)


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_csv(path: Path, encoding: str, progress: Progress | None = None,
             batch_rows: int = BATCH_ROWS) -> tuple[list[str], Iterator[Batch]]:
    raw = open(path, "rb")
    total = path.stat().st_size
    text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
    first = text.readline()
    if not first.strip():
        raw.close()
        raise ReadError(f"{path}: empty file or no header line")
    delimiter = _sniff_delimiter(first)
    header = unique_names(next(csv.reader([first.replace("\0", "")], delimiter=delimiter)))
    width = len(header)

    def batches() -> Iterator[Batch]:
        lines = (line.replace("\0", "") for line in text)
        reader = csv.reader(lines, delimiter=delimiter)
        rows: list[int] = []
        values: list[list[str]] = []
        bad: list[Bad] = []
        number = 1
        try:
            for cells in reader:
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    number += 1
                    continue   # a blank line is not a row
                number += 1
                if len(cells) == width:
                    rows.append(number)
                    values.append(cells)
                else:
                    bad.append(Bad(number, _raw_json(header, cells),
                                   f"(row): {len(cells)} fields where the header has {width}"))
                if len(rows) + len(bad) >= batch_rows:
                    yield Batch(_table(rows, header, values), bad)
                    rows, values, bad = [], [], []
                    if progress:
                        progress(raw.tell(), total)
            yield Batch(_table(rows, header, values), bad)
            if progress:
                progress(total, total)
        finally:
            raw.close()

    return header, batches()


def _cell(value: object) -> str | None:
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
                texts = [_cell(c) for c in cells]
                if not any(t is not None and t.strip() for t in texts):
                    continue
                if len(texts) > width and any(t is not None for t in texts[width:]):
                    bad.append(Bad(number, _raw_json(header, texts), f"(row): cells beyond the header's {width} columns"))
                else:
                    rows.append(number)
                    values.append((texts + [None] * width)[:width])
                if len(rows) + len(bad) >= batch_rows:
                    yield Batch(_table(rows, header, values), bad)
                    rows, values, bad = [], [], []
                    if progress:
                        progress(number, total)
            yield Batch(_table(rows, header, values), bad)
        finally:
            wb.close()

    return header, batches()


def _as_strings(col: pa.ChunkedArray) -> pa.ChunkedArray:
    t = col.type
    if pa.types.is_string(t):
        return col
    if pa.types.is_dictionary(t):
        return _as_strings(col.cast(t.value_type))
    if pa.types.is_nested(t) or pa.types.is_binary(t):
        return pa.chunked_array([pa.array([_cell(v) for v in col.to_pylist()], type=pa.string())])
    if pa.types.is_floating(t):
        return pa.chunked_array([pa.array([_cell(v) for v in col.to_pylist()], type=pa.string())])
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


def _records_batches(records: Iterator[tuple[int, object]], progress_cb: Callable[[], None] | None,
                     batch_rows: int) -> Iterator[Batch]:
    rows: list[int] = []
    objs: list[dict] = []
    bad: list[Bad] = []

    def flush() -> Batch:
        names = list(dict.fromkeys(k for o in objs for k in o))
        values = [[_cell(o.get(k)) for k in names] for o in objs]
        return Batch(_table(rows, unique_names(names) if names else [], values), bad)

    for number, obj in records:
        if isinstance(obj, dict):
            rows.append(number)
            objs.append({str(k): v for k, v in obj.items()})
        else:
            text = obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)
            bad.append(Bad(number, json.dumps({"_line": text[:10_000]}, ensure_ascii=False),
                           "(row): not a JSON object"))
        if len(rows) + len(bad) >= batch_rows:
            yield flush()
            rows, objs, bad = [], [], []
            if progress_cb:
                progress_cb()
    yield flush()


def read_jsonl(path: Path, progress: Progress | None = None,
               batch_rows: int = BATCH_ROWS) -> tuple[list[str], Iterator[Batch]]:
    total = path.stat().st_size
    done = [0]

    def records() -> Iterator[tuple[int, object]]:
        with open(path, "rb") as f:
            for number, line in enumerate(f, start=1):
                done[0] += len(line)
                text = line.decode("utf-8", errors="replace").strip().lstrip("\ufeff")
                if not text:
                    continue
                try:
                    obj = json.loads(text)
                except (ValueError, RecursionError):
                    obj = text
                yield number, obj

    return [], _records_batches(records(), (lambda: progress(done[0], total)) if progress else None, batch_rows)


def read_open311(path: Path, progress: Progress | None = None,
                 batch_rows: int = BATCH_ROWS) -> tuple[list[str], Iterator[Batch]]:
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read().decode("utf-8-sig", errors="replace"))
    except (ValueError, RecursionError) as exc:
        raise ReadError(f"{path}: not a JSON document ({exc})") from exc
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        if not lists:
            raise ReadError(f"{path}: a JSON object without a list of service requests")
        data = lists[0]
    if not isinstance(data, list):
        raise ReadError(f"{path}: expected a JSON array of service requests")
    return [], _records_batches(enumerate(data, start=1), None, batch_rows)


def open_source(path: Path, fmt: str, sheet: str | None = None, progress: Progress | None = None,
                batch_rows: int = BATCH_ROWS) -> tuple[list[str], Iterator[Batch], str | None]:
    """(header, batches, encoding) for path in fmt. Raises ReadError if it cannot be read at all."""
    if not path.is_file():
        raise ReadError(f"{path}: no such file")
    if fmt == "csv":
        encoding = detect_encoding(path)
        return (*read_csv(path, encoding, progress, batch_rows), encoding)
    if fmt == "xlsx":
        return (*read_xlsx(path, sheet, progress, batch_rows), None)
    if fmt == "parquet":
        return (*read_parquet(path, progress, batch_rows), None)
    if fmt == "jsonl":
        return (*read_jsonl(path, progress, batch_rows), "utf-8")
    return (*read_open311(path, progress, batch_rows), "utf-8")
