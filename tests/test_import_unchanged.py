"""A file already imported is recognised by its hash and how it is read, without reading its rows.

Recognised: nothing is read, written or published, every row is reported unchanged. Not
recognised (imported as usual): another mapping, one byte changed, a write in between, an earlier
import that rejected rows as in the future.
"""
from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from metrics.ingest import ImportOptions, import_files, load_mapping
from metrics.store.snapshots import data_version, list_snapshots
from tests.ingest_fixtures import build_tiny_store, query, write_csv
from tests.test_ingest import BAD, GOOD, HOTLINE

ROOT = Path(__file__).resolve().parent.parent
FUTURE = BAD[4][0]   # received in 2099: rejected as in the future
NOT_A_TIME = BAD[2][0]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return build_tiny_store(tmp_path / "store.duckdb")


def state(store: Path) -> tuple:
    """What a write would change: the published file, the history, the imports and the requests."""
    return (data_version(store), len(list_snapshots(store)), query(store, "SELECT count(*) FROM imports"),
            query(store, "SELECT * FROM requests ORDER BY request_id"))


def test_same_file_recognised_nothing_written(store: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", HOTLINE, GOOD + [NOT_A_TIME])
    [first] = import_files(store, [path])
    before = state(store)
    [again] = import_files(store, [path], ImportOptions(rejects_dir=tmp_path / "rejects"))
    assert again.already is not None and again.already.import_id == first.import_id
    assert (again.read, again.inserted, again.updated, again.unchanged, again.rejected) == (5, 0, 0, 4, 1)
    assert again.reconciles and again.mapping == first.mapping == "hotline-zh" and again.sha256 == first.sha256
    assert state(store) == before, "no snapshot published, no imports row, no request touched"
    assert again.rejects_csv is not None and "not a time" in again.rejects_csv.read_text(encoding="utf-8-sig")
    assert set(again.timings) == {"hash"}, "recognised from its hash: no stage read its rows"


def test_same_bytes_other_mapping_imports(store: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", HOTLINE, GOOD)
    import_files(store, [path], ImportOptions(mapping="hotline-zh"))
    hotline = load_mapping("hotline-zh")
    renamed = dataclasses.replace(hotline, values={**hotline.values, "category": {"噪音扰民": "noise"}})
    [r] = import_files(store, [path], ImportOptions(mapping=renamed))
    assert r.already is None and (r.updated, r.unchanged) == (1, len(GOOD) - 1)
    assert query(store, "SELECT category FROM requests WHERE request_id = 'H1'") == [("noise",)]
    [guessed] = import_files(store, [path])   # a guess is another way to read it, even if it picks hotline-zh
    assert guessed.already is None and guessed.updated == 1
    [same] = import_files(store, [path])
    assert same.already is not None and same.already.import_id == guessed.import_id


def test_other_options_import(store: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", HOTLINE, GOOD)
    import_files(store, [path])
    for options in (ImportOptions(crs="gcj02"), ImportOptions(tz="UTC")):
        [r] = import_files(store, [path], options)
        assert r.already is None, options


def test_one_byte_changed_imports(store: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", HOTLINE, GOOD)
    import_files(store, [path])
    data = path.read_bytes()
    at = data.index(b"2026/11/03 10:00") + 12
    path.write_bytes(data[:at] + b"1" + data[at + 1:])   # one byte: H1 closed at 11:00, not 10:00
    [r] = import_files(store, [path])
    assert r.already is None and (r.read, r.updated, r.unchanged) == (len(GOOD), 1, len(GOOD) - 1)
    assert query(store, "SELECT hour(closed_at) FROM requests WHERE request_id = 'H1'") == [(11,)]


def test_a_write_in_between_is_not_skipped(store: Path, tmp_path: Path) -> None:
    """Another file changed H2 since: the first file again must put H2 back, not be skipped."""
    first = write_csv(tmp_path / "a.csv", HOTLINE, GOOD)
    import_files(store, [first])
    newer = [list(r) for r in GOOD]
    newer[1][10], newer[1][11] = "2026/11/05 09:00", "已办结"
    import_files(store, [write_csv(tmp_path / "b.csv", HOTLINE, newer)])
    [r] = import_files(store, [first])
    assert r.already is None and (r.updated, r.unchanged) == (1, len(GOOD) - 1)
    assert query(store, "SELECT status FROM requests WHERE request_id = 'H2'") == [("open",)]


def test_rejected_as_future_is_checked_again(store: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", HOTLINE, GOOD + [FUTURE])
    import_files(store, [path])
    [r] = import_files(store, [path])
    assert r.already is None and r.rejected == 1, "'in the future' depends on when: the file is read again"


def test_several_files_one_recognised(store: Path, tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", HOTLINE, GOOD[:2])
    b = write_csv(tmp_path / "b.csv", HOTLINE, GOOD[2:])
    import_files(store, [a])
    snapshots = len(list_snapshots(store))
    ra, rb = import_files(store, [a, b])
    assert (ra.file, ra.already is not None, rb.file, rb.already, rb.inserted) == (a, True, b, None, 2)
    assert len(list_snapshots(store)) == snapshots + 1
    assert ra.total_seconds == rb.total_seconds >= ra.seconds + rb.seconds - 0.001


def test_cli_says_already_imported_and_when(store: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", HOTLINE, GOOD)
    cmd = [sys.executable, "-m", "metrics", "import", str(path), "--db", str(store), "--quiet"]
    first = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "already imported" not in first.stdout and "(the whole command" in first.stdout
    [(import_id, finished)] = query(store, "SELECT import_id, finished_at FROM imports WHERE kind = 'import'")
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert f"already imported on {finished:%Y-%m-%d %H:%M:%S} as {import_id}" in again.stdout
    assert f"unchanged {len(GOOD)}" in again.stdout and "rows/s (the whole command" in again.stdout
