"""Fuzzing the CSV importer: random rows and garbage never raise and never lose a row."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.ingest import import_files
from tests.ingest_fixtures import HEADER, build_tiny_store

CELL = st.one_of(
    st.sampled_from(["", "是", "否", "满意", "已办结", "办理中", "东城区", "和平街道", "幸福社区", "城管委",
                     "2026/11/02 13:05", "2026年11月02日 13时05分", "46328.5", "2099-01-01", "116.33", "39.83",
                     "abc", "-1", "0", "NaN", "\x00", "\ufeff", "'", '"', ",", "\n",
                     "NA", "N/A", "null", "-", "无", "10/21/18 0:00", "04/18/2019 09:55:45 PM", "ＤＯＮＧ", "火星区",
                     "O'Brien", "\\", "0.0", "200"]),
    st.text(max_size=30),
    st.integers(5_000, 200_000).map(lambda n: "超长字段" * (n // 4)),   # huge fields
)
ROW = st.lists(CELL, min_size=0, max_size=len(HEADER) + 3)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_store(tmp_path_factory.mktemp("fuzz") / "store.duckdb")


def csv_bytes(header: list[str], rows: list[list[str]], encoding: str, garbage: bytes) -> bytes:
    import csv
    import io

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode(encoding, errors="replace") + garbage


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(ROW, max_size=12),
       drop=st.sets(st.sampled_from(HEADER), max_size=4),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
       garbage=st.binary(max_size=200))
def test_csv_importer_never_raises_never_loses_rows(template: Path, tmp_path: Path, rows, drop, encoding, garbage) -> None:
    db = tmp_path / "fuzz.duckdb"
    shutil.copyfile(template, db)
    header = [h for h in HEADER if h not in drop]
    path = tmp_path / "fuzz.csv"
    path.write_bytes(csv_bytes(header, rows, encoding, garbage))
    [r] = import_files(db, [path])
    if r.error:
        assert "header" in r.error or "empty" in r.error
        return
    assert r.read == r.inserted + r.updated + r.unchanged + r.rejected
    assert r.read >= sum(1 for row in rows if any(c.strip() for c in row)) - 1
    assert sum(r.placed.values()) == r.inserted + r.updated + r.unchanged
    con = duckdb.connect(str(db), read_only=True)
    try:   # no request without a unit and a location status: the city takes what nothing else places
        assert con.execute("SELECT count(*) FROM requests WHERE unit_id IS NULL OR location_status IS NULL").fetchone() == (0,)
    finally:
        con.close()
