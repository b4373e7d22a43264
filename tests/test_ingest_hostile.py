"""Hostile import files (the probe of issue 13): each gets a clear answer, nothing vanishes,
nothing is read whole. Every case here failed on the code before the limits."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from metrics.ingest import ImportOptions, import_files
from metrics.ingest.limits import LIMITS
from metrics.ingest.readers import LimitError, ReadError, open_source
from metrics.ingest.service import preview
from tests.hostile_files import write_xlsx
from tests.ingest_fixtures import HEADER, build_tiny_store, write_hotline_csv

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_store(tmp_path_factory.mktemp("hostile") / "store.duckdb")


@pytest.fixture
def store(template: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "store.duckdb"
    dest.write_bytes(template.read_bytes())
    return dest


def hotline_lines(path: Path, rows: int, seed: int = 1) -> list[str]:
    write_hotline_csv(path, rows, "utf-8", seed=seed)
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def rejected_reasons(r) -> str:
    return " | ".join(kind for kind, _ in r.reject_kinds)


@pytest.mark.parametrize("rows", [30, 3_000])   # the quote runs to the end of the file / past the record limit
def test_a_quote_that_never_closes_rejects_only_its_row(store: Path, tmp_path: Path, rows: int) -> None:
    lines = hotline_lines(tmp_path / "src.csv", rows)
    lines[3] = lines[3].replace("市民反映问题", '"市民反映问题', 1)   # row 4 (header = 1) opens a quote
    path = tmp_path / "runaway.csv"
    path.write_text("".join(lines), encoding="utf-8")
    [r] = import_files(store, [path])
    assert r.read == rows and r.reconciles
    assert r.rejected == 1 and r.inserted == rows - 1, (r.read, r.inserted, r.rejected, r.reject_kinds)
    assert "quote opened in this row" in rejected_reasons(r)


def test_a_few_gbk_rows_do_not_change_the_encoding_of_a_utf8_file(store: Path, tmp_path: Path) -> None:
    lines = hotline_lines(tmp_path / "src.csv", 4_000)
    tail = lines[-5:]
    path = tmp_path / "mixed.csv"
    path.write_bytes("".join(lines[:-5]).encode("utf-8") + "".join(tail).encode("gbk"))
    [r] = import_files(store, [path])
    assert r.encoding == "utf-8" and "received_at" not in r.missing_columns
    assert (r.read, r.rejected, r.inserted) == (4_000, 5, 3_995)
    assert "not valid UTF-8 at byte '…' of the row (the file is read as utf-8)" in rejected_reasons(r)


def test_a_gbk_file_is_still_read_as_gbk(store: Path, tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    write_hotline_csv(path, 500, "gbk")
    [r] = import_files(store, [path])
    assert r.encoding == "gb18030" and (r.read, r.inserted) == (500, 500)


def test_ten_thousand_columns_are_refused_before_reading(store: Path, tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(",".join(f"c{i}" for i in range(10_000)) for _ in range(21)) + "\n")
    [r] = import_files(store, [path])
    assert r.error == f"{path}: row 1: 10,000 columns in the header, over the limit of {LIMITS.columns:,}"


def test_a_huge_single_line_is_refused_and_a_huge_data_line_rejected(store: Path, tmp_path: Path) -> None:
    one_line = tmp_path / "one_line.csv"
    with open(one_line, "w") as f:
        f.write("a," * (6 << 20))
    [r] = import_files(store, [one_line])
    assert r.error and "row 1" in r.error and f"over the limit of {LIMITS.line_bytes:,}" in r.error
    lines = hotline_lines(tmp_path / "src.csv", 50)
    lines[10] = lines[10].rstrip("\n") + "x" * (LIMITS.line_bytes + 10) + "\n"
    long_row = tmp_path / "long_row.csv"
    long_row.write_text("".join(lines), encoding="utf-8")
    [r] = import_files(store, [long_row])
    assert (r.read, r.rejected, r.inserted) == (50, 1, 49)
    assert "characters in the line" in rejected_reasons(r)


@pytest.mark.parametrize("bad_id, reason", [("\ufeffW000000001", "a byte-order mark (U+FEFF)"),
                                            ("W00\x000000001", "a NUL character")])
def test_bom_and_nul_in_an_id_reject_the_row(store: Path, tmp_path: Path, bad_id: str, reason: str) -> None:
    lines = hotline_lines(tmp_path / "src.csv", 20)
    lines[5] = bad_id + lines[5][len("W000000004"):]
    path = tmp_path / "ids.csv"
    path.write_text("".join(lines), encoding="utf-8")
    [r] = import_files(store, [path])
    assert (r.read, r.rejected, r.inserted) == (20, 1, 19)
    assert f"工单编号: {reason} at character '…'" in rejected_reasons(r)


def test_an_xlsx_with_a_stray_space_in_column_xfd_is_refused_at_once(store: Path, tmp_path: Path) -> None:
    header = [[(i + 1, h) for i, h in enumerate(HEADER)]]
    for dimension in ("auto", None):
        path = write_xlsx(tmp_path / f"xfd-{dimension}.xlsx", header, blank_rows=200_000, dimension=dimension)
        with pytest.raises(LimitError, match="16,384 columns \\(cells up to column XFD\\), over the limit of 1,000"):
            open_source(path, "xlsx")
        with pytest.raises(ReadError, match="XFD"):
            preview(path, store)
    sparse = write_xlsx(tmp_path / "blank.xlsx", header, blank_rows=LIMITS.blank_rows + 5, stray_column=30,
                        dimension=None)
    [r] = import_files(store, [sparse])
    assert r.error and f"{LIMITS.blank_rows:,} blank rows in a row" in r.error


def test_one_bad_file_does_not_stop_the_others(store: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    write_hotline_csv(good, 300, "utf-8", seed=2)
    bomb = write_xlsx(tmp_path / "bomb.xlsx", [[(1, "工单编号")]], blank_rows=50_000)
    utf16 = tmp_path / "utf16.csv"
    write_hotline_csv(utf16, 200, "utf-16", seed=3)
    out = subprocess.run([sys.executable, "-m", "metrics", "import", "--quiet", "--db", str(store),
                          str(good), str(bomb), str(utf16)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert f"{bomb}: cannot be read: sheet 'Sheet1'" in out.stdout
    assert "read 300  inserted 300" in out.stdout
    assert "read 200  inserted 0  updated 200  unchanged 0  rejected 0" in out.stdout   # the same ids again


def test_json_limits_reject_rows_and_refuse_a_runaway_element(store: Path, tmp_path: Path) -> None:
    good = {"service_request_id": "J1", "requested_datetime": "2026-10-01T08:00:00+08:00", "service_name": "噪音"}
    deep: object = "x"
    for _ in range(LIMITS.depth + 5):
        deep = [deep]
    lines = [good, {**good, "service_request_id": "J2", "extra": deep},
             {**good, "service_request_id": "J3", "description": "y" * (LIMITS.line_bytes + 1)}]
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    [r] = import_files(store, [path], ImportOptions(mapping="open311"))
    assert r.read == 3 and r.rejected >= 2 and r.reconciles
    assert "levels of nesting" in rejected_reasons(r) and "bytes in the line" in rejected_reasons(r)
    array = tmp_path / "requests.json"
    array.write_text('[{"service_request_id": "A", "description": "' + "z" * (LIMITS.line_bytes + 10))
    [r] = import_files(store, [array], ImportOptions(fmt="open311"))
    assert r.error and "element 1" in r.error and "over the limit" in r.error


def test_a_preview_reads_a_bounded_number_of_rows(store: Path, tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    write_hotline_csv(path, 1_000, "utf-8")
    _, frame = preview(path, store, rows=10_000)
    assert len(frame) == LIMITS.preview_rows


def test_utf16_without_a_bom_is_told_by_its_nul_bytes(store: Path, tmp_path: Path) -> None:
    path = tmp_path / "utf16le.csv"
    write_hotline_csv(path, 100, "utf-16-le")
    [r] = import_files(store, [path])
    assert r.encoding == "utf-16-le" and (r.read, r.inserted) == (100, 100)
