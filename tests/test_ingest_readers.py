"""Readers: the fast CSV reader gives exactly what the csv-module reader gives; Open311 streams."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.ingest import ImportOptions, import_files
from metrics.ingest import csv_reader, json_readers
from metrics.ingest.batches import ReadError
from metrics.ingest.csv_reader import read_csv, scan_layout
from tests.ingest_fixtures import HEADER, build_tiny_store, write_hotline_csv
from metrics.ingest.json_readers import read_open311


def read_all(path: Path, encoding: str, fast: bool) -> tuple[list[str], list[dict], list[tuple]]:
    header, batches = read_csv(path, encoding, fast=fast)
    rows, bad = [], []
    for b in batches:
        rows += b.table.to_pylist()
        bad += [(x.row, x.raw, x.reason) for x in b.bad]
    return header, sorted(rows, key=lambda r: r["_row"]), sorted(bad)


CLEAN = ["a", "b", ",", ",", '"', '""', " ", "中文", "\n", "\r\n", "\t", "\ufeff", "12345"]
LINES = st.one_of(*(st.lists(st.lists(st.sampled_from(pieces), max_size=10).map("".join), min_size=1, max_size=12)
                    for pieces in (CLEAN, [p for p in CLEAN if p != '"'], [*CLEAN, "\x00", "\r"])))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=LINES, encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
       ending=st.sampled_from(["", "\n", "\r\n"]))
def test_fast_reader_equals_exact_reader(tmp_path: Path, lines: list[str], encoding: str, ending: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(("h1,h2,h3\n" + "\n".join(lines) + ending).encode(encoding))
    assert read_all(path, encoding, fast=True) == read_all(path, encoding, fast=False)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_fast_path_taken_for_clean_files_with_blank_and_short_lines(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path / "a.csv", 'id,name,note\r\n1,东城区,"a, b"\r\n\r\n2,x\r\n   \r\n3,"say ""hi""",\r\n', encoding)
    assert scan_layout(path, encoding, ",") is not None
    header, rows, bad = read_all(path, encoding, fast=True)
    assert header == ["id", "name", "note"]
    assert [(r["_row"], r["id"], r["name"], r["note"]) for r in rows] == [(2, "1", "东城区", "a, b"), (6, "3", 'say "hi"', "")]
    assert [(n, reason) for n, _, reason in bad] == [(4, "(row): 2 fields where the header has 3")]


@pytest.mark.parametrize("text", [
    'id,note\n1,"two\nlines"\n2,x\n',       # a cell over two lines: rows are records, not lines
    'id,note\n1,x\x002\n',                  # NUL
    'id,note\n1,"a"b\n',                    # text after a closing quote
    'id,note\r1,x\r',                       # bare CR line ends
])
def test_files_the_scan_refuses_go_to_the_exact_reader(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "b.csv", text)
    assert scan_layout(path, "utf-8", ",") is None
    assert read_all(path, "utf-8", fast=True) == read_all(path, "utf-8", fast=False)


def test_undecodable_bytes_go_to_the_exact_reader(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes("id,note\n1,好\n".encode() + b"2,\xff\xfe\n")
    assert scan_layout(path, "utf-8", ",") is None
    _, rows, bad = read_all(path, "utf-8", fast=True)
    assert [r["_row"] for r in rows] == [2]
    assert [(n, reason) for n, _, reason in bad] == [
        (3, "(row): not valid UTF-8 at byte '3' of the row (the file is read as utf-8)")]


def test_import_falls_back_when_the_fast_reader_disagrees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = build_tiny_store(tmp_path / "store.duckdb")
    path = tmp_path / "h.csv"
    write_hotline_csv(path, 300, "utf-8")

    def disagreeing(*args, **kwargs):
        yield from []
        raise csv_reader.FastPathDisagrees("test")

    monkeypatch.setattr(csv_reader, "_fast_batches", disagreeing)
    [r] = import_files(db, [path])
    assert r.error is None and r.read == r.inserted == 300


def test_import_spills_beside_the_store_and_cleans_up(tmp_path: Path) -> None:
    db = build_tiny_store(tmp_path / "store.duckdb")
    stale = tmp_path / ".store.duckdb.spill-dead"
    stale.mkdir()
    (stale / "duckdb_temp_block-1.block").write_bytes(b"x")
    path = tmp_path / "h.csv"
    write_hotline_csv(path, 500, "utf-8")
    [r] = import_files(db, [path])
    assert r.reconciles and r.inserted == 500
    assert not list(tmp_path.glob(".store.duckdb.spill-*"))
    assert {"read", "parse", "check", "upsert", "refresh", "publish"} <= set(r.timings)


REQUESTS = [{"service_request_id": str(n), "status": "open", "requested_datetime": "2026-11-02T13:05:00+08:00",
             "lat": 39.93 + n / 1e6, "long": 116.43, "description": "长" * (n % 50)} for n in range(1, 120)]


def open311_rows(path: Path) -> tuple[list[tuple], list[tuple]]:
    _, batches = read_open311(path, batch_rows=17)
    rows, bad = [], []
    for b in batches:
        rows += [(r["_row"], r["service_request_id"], r["lat"], r["description"]) for r in b.table.to_pylist()]
        bad += [(x.row, x.reason) for x in b.bad]
    return rows, bad


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
@pytest.mark.parametrize("indent", [None, 2])
def test_open311_array_streams_in_any_chunking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int,
                                               indent: int | None) -> None:
    monkeypatch.setattr(json_readers, "CHUNK_CHARS", chunk)
    items = [*REQUESTS, 12345, "text", None]
    path = write(tmp_path / "requests.json", "\ufeff" + json.dumps(items, ensure_ascii=False, indent=indent), "utf-8")
    rows, bad = open311_rows(path)
    assert rows == [(n, str(n), str(39.93 + n / 1e6), "长" * (n % 50)) for n in range(1, 120)]
    assert bad == [(120, "(row): not a JSON object"), (121, "(row): not a JSON object"), (122, "(row): not a JSON object")]


def test_open311_wrapped_in_an_object_and_empty_array(tmp_path: Path) -> None:
    rows, _ = open311_rows(write(tmp_path / "w.json", json.dumps({"service_requests": REQUESTS[:3]})))
    assert [r[1] for r in rows] == ["1", "2", "3"]
    assert open311_rows(write(tmp_path / "e.json", " [ ] ")) == ([], [])


@pytest.mark.parametrize("text", ['[{"a": 1}, {"a": 2}', '[{"a": 1} {"a": 2}]', '[{"a": 1}] x', '[{"a": 1}, {"a": tru}]',
                                  "[" * 100_000, "", '"just a string"'])
def test_open311_malformed_is_a_read_error(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "bad.json", text)
    with pytest.raises(ReadError):
        open311_rows(path)


def test_open311_malformed_tail_changes_nothing(tmp_path: Path) -> None:
    db = build_tiny_store(tmp_path / "store.duckdb")
    text = json.dumps(REQUESTS)[:-1] + ', {"service_request_id": "x",'
    [r] = import_files(db, [write(tmp_path / "requests.json", text)], ImportOptions(fmt="open311"))
    assert r.error and "not a JSON document" in r.error


def test_csv_bytes_through_import_match_for_both_readers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(HEADER)
    w.writerow(["Q1", "2026-11-02 13:05", "APP", "噪音", 'says "loud", twice', "东城区", "和平街道", "幸福社区", "城管委",
                "", "", "办理中", "", "", "", "", "", ""])
    w.writerow(["Q2", "2026-11-02 13:05", "APP"])
    w.writerow(["Q3", "2026-11-02", "APP", "噪音", "", "火星区", "", "", "", "", "", "办理中", "", "", "", "", "", ""])
    path = write(tmp_path / "q.csv", out.getvalue() + "\n")
    results = {}
    for fast in (True, False):
        db = build_tiny_store(tmp_path / f"{fast}.duckdb")
        if not fast:
            monkeypatch.setattr(csv_reader, "scan_layout", lambda *a, **k: None)
        [r] = import_files(db, [path])
        results[fast] = (r.read, r.inserted, r.rejected, r.reject_kinds)
    assert results[True] == results[False]
    assert results[True][:3] == (3, 2, 1)   # Q3 (an unknown district) is kept on the city; Q2 is short
