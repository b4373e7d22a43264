"""Fuzzing the importer with hostile CSV / XLSX / JSON shapes under lowered limits.

Shapes: unclosed quotes, mixed UTF-8 / GBK lines, a BOM at the start of the file or inside a cell,
NUL, lines and cells over the limits, more columns than allowed, cells beyond the header, blank
runs in a sheet, deep JSON nesting, invalid UTF-8 in JSON lines, truncated Open311 arrays.

Every file either is refused with a one-line message naming it, or reconciles (read = inserted +
updated + unchanged + rejected); in CSV every non-blank line after the header is counted, also the
lines after a quote that never closes. Budget per file: the limits below bound what one row can
hold (8,000 characters, 40 columns, 6 levels), so memory does not grow with a hostile file; the
files here are at most a few hundred KB, and the process's peak memory over the whole run must
stay within 300 MB of where it started (no timed assert: time follows from the same limits).
"""
from __future__ import annotations

import json
import resource
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from metrics.ingest import ImportOptions, import_files
from metrics.ingest import limits as limits_module
from metrics.ingest.limits import Limits
from tests.hostile_files import write_xlsx
from tests.ingest_fixtures import HEADER, build_tiny_store

SMALL = Limits(columns=40, cell_chars=2_000, line_bytes=8_000, record_lines=20, blank_rows=50, preview_rows=20,
               depth=6, whole_json_bytes=50_000)
SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

PLAIN = st.sampled_from(["", " ", "W001", "2026-10-02 08:00", "东城区", "和平街道", "是", "满意", "116.33", "39.83",
                         "a,b", "x" * 50, "\ufeffW002", "W\x00003", "'", "中文" * 20])
HUGE = st.integers(SMALL.cell_chars + 1, SMALL.line_bytes // 2).map(lambda n: "长" * n)
STRAY = st.sampled_from(['a"b', 'say "hi"'])


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_store(tmp_path_factory.mktemp("fuzz-hostile") / "store.duckdb")


@pytest.fixture(autouse=True)
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits_module, "LIMITS", SMALL)


def peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@pytest.fixture(autouse=True)
def rss_at_start() -> None:
    """The process's peak RSS when this test starts: the budget is for what the test itself adds
    (the peak is process-wide, so earlier tests in the same run must not count against it)."""
    global START_RSS_KB
    START_RSS_KB = peak_rss_kb()


START_RSS_KB = peak_rss_kb()


def fresh(template: Path, tmp_path: Path) -> Path:
    db = tmp_path / "store.duckdb"
    shutil.copyfile(template, db)
    for extra in tmp_path.glob("store.duckdb.*"):
        shutil.rmtree(extra, ignore_errors=True) if extra.is_dir() else extra.unlink()
    return db


def check(r, path: Path) -> None:
    if r.error:
        assert "\n" not in r.error and str(path) in r.error, r.error
        return
    assert r.reconciles, (r.read, r.inserted, r.updated, r.unchanged, r.rejected)
    assert peak_rss_kb() - START_RSS_KB < 300 * 1024


def blank(line: str) -> bool:
    cells = line.split(",")
    return len(cells) == 1 and not cells[0].strip()


@SETTINGS
@example(extra_columns=0, runaway=True, gbk={4}, bom=True, rows=[["W1", "x"], ["W2"], ["W3"], [" "], ["W5"], ["W6"]],
         long_line=None, stray=False)
@given(extra_columns=st.integers(0, 25), runaway=st.booleans(), gbk=st.sets(st.integers(0, 40), max_size=5),
       bom=st.booleans(),
       rows=st.lists(st.lists(st.one_of(PLAIN, HUGE), max_size=25), max_size=40),
       long_line=st.sampled_from([None, 3, 10]), stray=st.booleans())
def test_hostile_csv(template: Path, tmp_path: Path, extra_columns, runaway, gbk, bom, rows, long_line, stray) -> None:
    header = HEADER + [f"extra{i}" for i in range(extra_columns)]
    lines = [",".join(c.replace(",", "，") for c in row) for row in rows]
    if long_line is not None and long_line < len(lines):
        lines[long_line] += "y" * (SMALL.line_bytes + 5)
    if runaway and lines:
        lines[len(lines) // 2] = '"never closed,' + lines[len(lines) // 2]   # the only quote at a cell start
    elif stray and lines:
        lines[0] = lines[0] + "," + 'a"b'
    data = ("\ufeff" if bom else "").encode() + (",".join(header) + "\n").encode()
    for i, line in enumerate(lines):
        data += (line + "\n").encode("gbk" if i in gbk else "utf-8", errors="replace")
    path = tmp_path / "hostile.csv"
    path.write_bytes(data)
    [r] = import_files(fresh(template, tmp_path), [path])
    check(r, path)
    if r.error:
        assert len(header) > SMALL.columns and "columns in the header" in r.error, r.error
        return
    assert r.read == sum(not blank(line) for line in lines), (r.read, r.reject_kinds)


@SETTINGS
@given(rows=st.lists(st.lists(st.tuples(st.integers(1, 45), st.one_of(PLAIN, HUGE).map(lambda s: s.replace("\x00", ""))),
                              max_size=8), max_size=30),
       blank_rows=st.sampled_from([0, 3, SMALL.blank_rows + 1]), stray_column=st.sampled_from([30, 50, 16384]),
       dimension=st.sampled_from(["auto", None]))
def test_hostile_xlsx(template: Path, tmp_path: Path, rows, blank_rows, stray_column, dimension) -> None:
    header = [[(i + 1, h) for i, h in enumerate(HEADER)]]
    body = [sorted(dict(row).items()) for row in rows]
    path = write_xlsx(tmp_path / "hostile.xlsx", header + body, blank_rows=blank_rows, stray_column=stray_column,
                      dimension=dimension)
    [r] = import_files(fresh(template, tmp_path), [path])
    check(r, path)


def nested(depth: int) -> object:
    value: object = "v"
    for _ in range(depth):
        value = {"k": value}
    return value


RECORD = st.fixed_dictionaries(
    {"service_request_id": PLAIN, "requested_datetime": st.sampled_from(["2026-10-02T08:00:00+08:00", "x", ""])},
    optional={"description": st.one_of(PLAIN, HUGE), "nested": st.integers(0, 9).map(nested),
              "many": st.integers(0, 45).map(lambda n: {f"f{i}": i for i in range(n)})})
LINE = st.one_of(RECORD.map(lambda o: json.dumps(o, ensure_ascii=False).encode()),
                 st.sampled_from([b"[1, 2]", b"not json", b"\xff\xfe{}", b"{\"a\": \xc3}", b"", b"\xef\xbb\xbf{}"]))


@SETTINGS
@given(lines=st.lists(LINE, max_size=30), spread=st.booleans())
def test_hostile_json_lines(template: Path, tmp_path: Path, lines: list[bytes], spread: bool) -> None:
    if spread:   # the many-fields record spread over lines: distinct fields across the file
        lines = lines + [json.dumps({"service_request_id": f"S{i}", f"field{i}": 1}).encode() for i in range(45)]
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    [r] = import_files(fresh(template, tmp_path), [path], ImportOptions(mapping="open311"))
    check(r, path)
    if not r.error:
        assert r.read == sum(1 for line in lines if line.strip() and line.strip() != b"\xef\xbb\xbf"), r.reject_kinds


@SETTINGS
@given(records=st.lists(RECORD, max_size=20), cut=st.integers(0, 200), wrapped=st.booleans())
def test_hostile_open311(template: Path, tmp_path: Path, records, cut: int, wrapped: bool) -> None:
    text = json.dumps({"service_requests": records} if wrapped else records, ensure_ascii=False)
    if cut:
        text = text[: max(1, len(text) - cut)]   # a truncated download
    path = tmp_path / "requests.json"
    path.write_text(text, encoding="utf-8")
    [r] = import_files(fresh(template, tmp_path), [path], ImportOptions(fmt="open311"))
    check(r, path)
