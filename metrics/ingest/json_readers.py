"""JSON sources: JSON lines (one object a line) and Open311 GeoReport v2 ``requests.json``.

Both stream. An Open311 file that is a top-level array (what GET requests.json returns) is
decoded one element at a time with :meth:`json.JSONDecoder.raw_decode` over a sliding text
window, so memory is bounded by the batch, not the file. A file that wraps the list in an
object (``{"service_requests": [...]}``, seen in some exports) is rarer and is read whole.
"""
from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator
from pathlib import Path

from metrics.ingest.batches import BATCH_ROWS, Bad, Batch, Progress, ReadError, cell_text, make_table, unique_names

CHUNK_CHARS = 1 << 20
WHITESPACE = " \t\r\n"


def _records_batches(records: Iterator[tuple[int, object]], progress_cb: Callable[[], None] | None,
                     batch_rows: int) -> Iterator[Batch]:
    rows: list[int] = []
    objs: list[dict] = []
    bad: list[Bad] = []

    def flush() -> Batch:
        names = list(dict.fromkeys(k for o in objs for k in o))
        values = [[cell_text(o.get(k)) for k in names] for o in objs]
        return Batch(make_table(rows, unique_names(names), values), bad)

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


class _TextWindow:
    """The file's text from a position on, decoded in chunks; consumed text is dropped."""

    def __init__(self, f, path: Path):
        self.f, self.path = f, path
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

    def value(self, decoder: json.JSONDecoder) -> object:
        """Decode the JSON value starting here; reads on until it is complete and delimited."""
        chars = CHUNK_CHARS
        while True:
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
            yield number, window.value(decoder)
            sep = window.skip_space()
            window.pos += 1
            if sep == "]":
                break
            if sep != ",":
                raise ReadError(f"{window.path}: not a JSON document (expected ',' or ']' after element {number})")
    if window.skip_space():
        raise ReadError(f"{window.path}: not a JSON document (extra data after the array)")


def _whole_document(path: Path) -> list:
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


def read_open311(path: Path, progress: Progress | None = None,
                 batch_rows: int = BATCH_ROWS) -> tuple[list[str], Iterator[Batch]]:
    """Service requests from a JSON array (streamed) or an object holding one (read whole)."""
    total = path.stat().st_size
    f = open(path, "rb")
    window = _TextWindow(f, path)
    first = window.skip_space()
    if first != "[":
        f.close()
        if first == "{":
            return [], _records_batches(enumerate(_whole_document(path), start=1), None, batch_rows)
        raise ReadError(f"{path}: not a JSON document (expected a JSON array of service requests)")

    def batches() -> Iterator[Batch]:
        try:
            report = (lambda: progress(window.bytes_read, total)) if progress else None
            yield from _records_batches(_array_elements(window), report, batch_rows)
        finally:
            f.close()

    return [], batches()
