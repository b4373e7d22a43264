"""JSON sources: JSON lines (one object a line) and Open311 GeoReport v2 ``requests.json``.

Both stream. An Open311 file that is a top-level array (what GET requests.json returns) is
decoded one element at a time with :meth:`json.JSONDecoder.raw_decode` over a sliding text
window, so memory is bounded by the batch, not the file. A file that wraps the list in an
object (``{"service_requests": [...]}``, seen in some exports) is rarer and is read whole,
up to ``Limits.whole_json_bytes``.

Limits (:mod:`~metrics.ingest.limits`): a JSON line over ``line_bytes`` is skipped in chunks and
its row rejected; a record nested deeper than ``depth``, with more than ``columns`` fields, or
bringing the file's distinct fields over ``columns``, is rejected; an Open311 element over
``line_bytes`` refuses the file (the array cannot be resynchronised after it).
"""
from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator
from pathlib import Path

from metrics.ingest.batches import BATCH_ROWS, Bad, Batch, Progress, ReadError, cell_text, make_table, unique_names
from metrics.ingest.limits import LIMITS, Limits, over, row_reason

CHUNK_CHARS = 1 << 20
WHITESPACE = " \t\r\n"


class _Rejected:
    """A record refused by a limit, with its reason and the start of its text."""

    def __init__(self, reason: str, text: str):
        self.reason, self.text = reason, text


def _depth(obj: object, limit: int) -> int:
    """How deeply obj nests arrays and objects (stops counting past limit)."""
    deepest, stack = 0, [(obj, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if deepest > limit:
                return deepest
            stack.extend((v, level + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def _limited(obj: object, limits: Limits, known: set[str]) -> object:
    """obj, or a _Rejected if it is over a record limit (known: the file's field names so far)."""
    if not isinstance(obj, dict):
        return obj
    if (depth := _depth(obj, limits.depth)) > limits.depth:
        return _Rejected(row_reason("levels of nesting", depth, limits.depth), "")
    if len(obj) > limits.columns:
        return _Rejected(row_reason("fields in the record", len(obj), limits.columns), "")
    new = {str(k).lower() for k in obj} - known
    if len(known) + len(new) > limits.columns:
        return _Rejected(row_reason("distinct fields in the file with this record", len(known) + len(new),
                                    limits.columns), "")
    known |= new
    return obj


def _records_batches(records: Iterator[tuple[int, object]], progress_cb: Callable[[], None] | None,
                     batch_rows: int, limits: Limits = LIMITS) -> Iterator[Batch]:
    rows: list[int] = []
    objs: list[dict] = []
    bad: list[Bad] = []
    known: set[str] = set()

    def flush() -> Batch:
        names = list(dict.fromkeys(k for o in objs for k in o))
        values = [[cell_text(o.get(k)) for k in names] for o in objs]
        return Batch(make_table(rows, unique_names(names), values), bad)

    for number, obj in records:
        obj = _limited(obj, limits, known)
        if isinstance(obj, _Rejected):
            text = obj.text or "(over a limit)"
            bad.append(Bad(number, json.dumps({"_line": text[:1_000]}, ensure_ascii=False), obj.reason))
        elif isinstance(obj, dict):
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


def _bounded_lines(f, max_bytes: int) -> Iterator[bytes | int]:
    """The file's lines; a line over max_bytes is read on in chunks and given as its size."""
    while line := f.readline(max_bytes + 1):
        if len(line) > max_bytes and not line.endswith(b"\n"):
            size = len(line)
            while (more := f.readline(1 << 20)) and not more.endswith(b"\n"):
                size += len(more)
            yield size + len(more)
        else:
            yield line


def read_jsonl(path: Path, progress: Progress | None = None, batch_rows: int = BATCH_ROWS,
               limits: Limits = LIMITS) -> tuple[list[str], Iterator[Batch]]:
    total = path.stat().st_size
    done = [0]

    def records() -> Iterator[tuple[int, object]]:
        with open(path, "rb") as f:
            for number, line in enumerate(_bounded_lines(f, limits.line_bytes), start=1):
                if isinstance(line, int):
                    done[0] += line
                    yield number, _Rejected(row_reason("bytes in the line", line, limits.line_bytes), "")
                    continue
                done[0] += len(line)
                try:
                    text = line.decode("utf-8").strip()
                except UnicodeDecodeError as exc:
                    yield number, _Rejected(f"(row): not valid UTF-8 at byte '{exc.start + 1}' of the line "
                                            "(JSON lines are read as utf-8)", line.decode("utf-8", "replace"))
                    continue
                if number == 1:
                    text = text.removeprefix("\ufeff")
                if not text:
                    continue
                try:
                    obj = json.loads(text)
                except (ValueError, RecursionError):
                    obj = text
                yield number, obj

    return [], _records_batches(records(), (lambda: progress(done[0], total)) if progress else None, batch_rows,
                                limits)


class _TextWindow:
    """The file's text from a position on, decoded in chunks; consumed text is dropped."""

    def __init__(self, f, path: Path, limits: Limits = LIMITS):
        self.f, self.path, self.limits = f, path, limits
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self.buf, self.pos, self.eof, self.bytes_read = "", 0, False, 0

    def more(self, chars: int = CHUNK_CHARS) -> bool:
        """Append at least one more chunk of text; False at the end of the file."""
        if self.eof:
            return False
        if self.pos > CHUNK_CHARS:
            self.buf, self.pos = self.buf[self.pos:], 0
        raw = self.f.read(chars)
        self.bytes_read += len(raw)
        self.eof = not raw
        self.buf += self.decoder.decode(raw, final=self.eof)
        return True

    def skip_space(self) -> str:
        """The next non-blank character ('' at the end), not consumed."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def value(self, decoder: json.JSONDecoder, number: int) -> object:
        """Decode the JSON value starting here; reads on until it is complete and delimited (within the limit)."""
        chars = CHUNK_CHARS
        while True:
            if len(self.buf) - self.pos > self.limits.line_bytes:
                raise over(self.path, f"element {number}", "characters or more in one element",
                           len(self.buf) - self.pos, self.limits.line_bytes)
            try:
                obj, end = decoder.raw_decode(self.buf, self.pos)
                if end < len(self.buf) or self.eof:   # a number at the window's end may go on
                    self.pos = end
                    return obj
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise ReadError(f"{self.path}: not a JSON document ({exc})") from exc
            except RecursionError as exc:
                raise ReadError(f"{self.path}: not a JSON document (nested too deeply)") from exc
            chars *= 2   # a long element: widen the window geometrically, not byte by byte
            self.more(chars)


def _array_elements(window: _TextWindow) -> Iterator[tuple[int, object]]:
    decoder = json.JSONDecoder()
    window.pos += 1   # the '['
    number = 0
    if window.skip_space() == "]":
        window.pos += 1
    else:
        while True:
            if window.skip_space() == "":
                raise ReadError(f"{window.path}: not a JSON document (the array is not closed)")
            number += 1
            yield number, window.value(decoder, number)
            sep = window.skip_space()
            window.pos += 1
            if sep == "]":
                break
            if sep != ",":
                raise ReadError(f"{window.path}: not a JSON document (expected ',' or ']' after element {number})")
    if window.skip_space():
        raise ReadError(f"{window.path}: not a JSON document (extra data after the array)")


def _whole_document(path: Path, limits: Limits) -> list:
    size = path.stat().st_size
    if size > limits.whole_json_bytes:
        raise over(path, "the whole document", "bytes in a JSON object read whole", size, limits.whole_json_bytes)
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
    return data


def read_open311(path: Path, progress: Progress | None = None, batch_rows: int = BATCH_ROWS,
                 limits: Limits = LIMITS) -> tuple[list[str], Iterator[Batch]]:
    """Service requests from a JSON array (streamed) or an object holding one (read whole)."""
    total = path.stat().st_size
    f = open(path, "rb")
    window = _TextWindow(f, path, limits)
    first = window.skip_space()
    if first != "[":
        f.close()
        if first == "{":
            return [], _records_batches(enumerate(_whole_document(path, limits), start=1), None, batch_rows, limits)
        raise ReadError(f"{path}: not a JSON document (expected a JSON array of service requests)")

    def batches() -> Iterator[Batch]:
        try:
            report = (lambda: progress(window.bytes_read, total)) if progress else None
            yield from _records_batches(_array_elements(window), report, batch_rows, limits)
        finally:
            f.close()

    return [], batches()
