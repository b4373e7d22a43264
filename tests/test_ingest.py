"""Importing every format and encoding: reconciliation, reasons on bad rows, upsert, the CLI."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from metrics.ingest import ImportOptions, import_files
from metrics.ingest.service import preview
from tests.ingest_fixtures import build_tiny_store, query, write_csv

ROOT = Path(__file__).resolve().parent.parent
HOTLINE = ["工单编号", "受理时间", "诉求渠道", "诉求类别", "诉求内容", "所属区", "所属街道", "所属社区", "承办单位",
           "首次联系时间", "办结时间", "办理状态", "是否联系", "是否解决", "是否满意", "回访时间", "经度", "纬度"]
GOOD = [
    ["H1", "2026/11/02 13:05", "12345热线", "噪音扰民", "楼上装修", "东城区", "和平街道", "幸福社区", "城管委",
     "2026/11/02 14:00", "2026/11/03 10:00", "已办结", "是", "是", "满意", "2026/11/04 09:00", "", ""],
    ["H2", "2026年11月02日 13时05分", "APP", "物业管理", "电梯坏了", "西城区", "和平街道", "光明社区", "住建委",
     "", "", "办理中", "", "", "", "", "", ""],
    ["H3", "2026-11-02 13:05:00", "微信", "环境卫生", "垃圾", "", "", "", "", "", "", "办理中", "", "", "", "",
     "116.33", "39.83"],
    ["H4", "46328.5", "12345热线", "供暖", "不热", "东城区", "建设街道", "", "住建委", "", "", "已办结", "否", "否",
     "不满意", "2026/11/04 09:00", "", ""],
]
BAD = [   # (row, the field its reason must name)
    (["H3", "2026-11-02 13:05:00", "APP", "", "dup", "", "", "", "", "", "", "办理中", "", "", "", "", "", ""], "request_id"),
    (["", "2026-11-02", "APP", "", "", "东城区", "", "", "", "", "", "办理中", "", "", "", "", "", ""], "request_id"),
    (["B1", "not a time", "APP", "", "", "东城区", "", "", "", "", "", "办理中", "", "", "", "", "", ""], "received_at"),
    (["B2", "2026-11-05 10:00", "APP", "", "", "东城区", "", "", "", "", "2026-11-01", "已办结", "", "", "", "", "", ""], "closed_at"),
    (["B3", "2099-11-05 10:00", "APP", "", "", "东城区", "", "", "", "", "", "办理中", "", "", "", "", "", ""], "in the future"),
    (["B6", "2026-11-05 10:00", "APP", "", "", "东城区", "", "", "", "", "", "处理中", "", "", "", "", "", ""], "status"),
    (["B7", "2026-11-05 10:00", "APP", "", "", "东城区", "", "", "", "", "", "办理中", "也许", "", "", "", "", ""], "contacted"),
    (["B8", "2026-11-05 10:00", "APP", "", "", "东城区", "", "", "", "", "", "办理中", "", "", "", "", "abc", "39.9"], "lon"),
]
# No place is no reason to drop a request: these sit on the city, with how they were (not) placed.
UNPLACED = [   # (row, location_status, a warning it must carry)
    (["U1", "2026-11-05 10:00", "APP", "", "", "火星区", "", "", "", "", "", "办理中", "", "", "", "", "", ""],
     "unplaced", "所属区: unknown district '火星区'"),
    (["U2", "2026-11-05 10:00", "APP", "", "", "", "", "", "", "", "", "办理中", "", "", "", "", "10", "10"],
     "placeholder", "is a placeholder point"),
    (["U3", "2026-11-05 10:00", "APP", "", "", "", "", "", "", "", "", "办理中", "", "", "", "", "116.25", "39.78"],
     "outside", "outside every boundary; placed on the city"),
    (["U4", "2026-11-05 10:00", "APP", "", "", "", "", "", "", "", "", "办理中", "", "", "", "", "0", "0"],
     "placeholder", "(0.0, 0.0) is a placeholder point"),
]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return build_tiny_store(tmp_path / "store.duckdb")


def reconciles(r) -> bool:
    return r.error is None and r.read == r.inserted + r.updated + r.unchanged + r.rejected


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_hotline_csv_any_encoding_with_reasons(store: Path, tmp_path: Path, encoding: str) -> None:
    kept = GOOD + [row for row, _, _ in UNPLACED]
    path = write_csv(tmp_path / "hotline.csv", HOTLINE, kept + [row for row, _ in BAD], encoding)
    [r] = import_files(store, [path], ImportOptions(rejects_dir=tmp_path / "rejects"))
    assert r.mapping == "hotline-zh" and reconciles(r)
    assert (r.read, r.inserted, r.rejected) == (len(kept) + len(BAD), len(kept), len(BAD))
    placed = dict((k, (u, s)) for k, u, s in query(store, "SELECT request_id, unit_id, location_status FROM requests"))
    assert {k: placed[k] for k in ("H1", "H3", "U1", "U2", "U3", "U4")} == {
        "H1": ("D0S0C0", "named"), "H3": ("D0S0C0G0", "point"),
        "U1": ("C", "unplaced"), "U2": ("C", "placeholder"), "U3": ("C", "outside"), "U4": ("C", "placeholder")}
    warned = " | ".join(k for k, _ in r.warning_kinds)
    for _, _, warning in UNPLACED:
        assert warning.replace("'火星区'", "'…'") in warned and "'火星区' ×1" in warned
    rows = dict((k, (u, d, s, v, sat)) for k, u, d, s, v, sat in query(
        store, "SELECT request_id, unit_id, dept_id, status, visited, satisfaction FROM requests"))
    assert rows["H1"] == ("D0S0C0", "DEPT0", "closed", True, "satisfied")
    assert rows["H2"][0] == "D1S0C1", "street names repeat across districts: matched within the district"
    assert rows["H3"][0] == "D0S0C0G0", "no names, coordinates: placed into a grid"
    assert rows["H4"][0] == "D0S1" and rows["H4"][3:] == (True, "unsatisfied")
    assert query(store, "SELECT received_at FROM requests WHERE request_id = 'H4'")[0][0].isoformat() == "2026-11-02T12:00:00"
    reasons = dict(query(store, "SELECT row_number, reasons FROM rejects"))
    for n, (_, field) in enumerate(BAD, start=len(kept) + 2):   # header is row 1
        assert field in reasons[n], (n, reasons[n])
    with open(r.rejects_csv, encoding="utf-8-sig") as f:
        out = list(csv.DictReader(f))
    assert len(out) == len(BAD) and out[0]["file"] == "hotline.csv" and out[0]["诉求内容"] == "dup"


def test_same_file_again_changes_nothing_newer_export_updates(store: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", HOTLINE, GOOD)
    import_files(store, [path])
    before = query(store, "SELECT * FROM requests ORDER BY request_id")
    [again] = import_files(store, [path])
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(GOOD))
    assert again.already is not None, "the same bytes with the same mapping: recognised, not read again"
    assert query(store, "SELECT * FROM requests ORDER BY request_id") == before
    newer = [list(r) for r in GOOD]
    newer[1][10], newer[1][11] = "2026/11/05 09:00", "已办结"   # H2 closed later
    [r] = import_files(store, [write_csv(tmp_path / "b.csv", HOTLINE, newer)])
    assert (r.inserted, r.updated, r.unchanged, r.rejected) == (0, 1, len(GOOD) - 1, 0)
    assert query(store, "SELECT status, closed_at IS NOT NULL FROM requests WHERE request_id = 'H2'") == [("closed", True)]
    counts = query(store, "SELECT rows_read, rows_inserted, rows_updated, rows_unchanged, rows_rejected FROM imports ORDER BY started_at")
    assert counts == [(4, 4, 0, 0, 0), (4, 0, 1, 3, 0)], "the file recognised as imported writes no imports row"


def test_an_empty_field_filled_later_is_an_update(store: Path, tmp_path: Path) -> None:
    """Only H2's first contact goes from empty to filled: NULL vs a value must count as a change
    (IS DISTINCT FROM; a plain <> is NULL there and would call the row unchanged)."""
    import_files(store, [write_csv(tmp_path / "a.csv", HOTLINE, GOOD)])
    assert query(store, "SELECT first_contact_at FROM requests WHERE request_id = 'H2'") == [(None,)]
    before = query(store, "SELECT * EXCLUDE (first_contact_at, import_id) FROM requests ORDER BY request_id")
    filled = [list(r) for r in GOOD]
    assert filled[1][0] == "H2" and filled[1][9] == ""
    filled[1][9] = "2026/11/02 15:30"
    [r] = import_files(store, [write_csv(tmp_path / "b.csv", HOTLINE, filled)])
    assert (r.read, r.inserted, r.updated, r.unchanged, r.rejected) == (4, 0, 1, 3, 0) and reconciles(r)
    [(contact,)] = query(store, "SELECT strftime(first_contact_at, '%Y-%m-%d %H:%M') FROM requests WHERE request_id = 'H2'")
    assert contact == "2026-11-02 15:30"
    assert query(store, "SELECT * EXCLUDE (first_contact_at, import_id) FROM requests ORDER BY request_id") == before
    assert query(store, "SELECT rows_updated, rows_unchanged FROM imports ORDER BY started_at DESC LIMIT 1") == [(1, 3)]


GRIDSCORE = ["request_id", "received_at", "unit_id", "dept_id", "category", "description", "address", "status"]
BY_ID = [   # the gridscore preset: units by id
    ["P1", "2026-11-02 13:05:00", "D0S0C0G0", "DEPT0", "市政设施", "O'Brien 反映路灯不亮", "O'Connell 路 1 号", "open"],
    ["P2", "2026-11-02 13:06:00", "NOPE", "DEPT1", "供暖", "", "", "open"],
    ["P3", "2026-11-02 13:07:00", "X'1", "", "供暖", "", "", "open"],
    ["P4", "2026-11-02 13:08:00", "D1S1C1", "DEPT9", "噪音扰民", "", "", "open"],
    ["P5", "2026-11-02 13:09:00", "D0S1", "", "噪音扰民", "", "", "open"],
]


def test_gridscore_preset_matches_unit_and_dept_ids(store: Path, tmp_path: Path) -> None:
    """Regression: the gridscore preset failed on any unit_id / dept_id column (an unterminated quote
    in the unknown-id reason). Unknown ids are named in quotes, apostrophes in values survive, and a
    request with an unknown unit id is kept on the city (no request is dropped for lack of a place)."""
    path = write_csv(tmp_path / "ids.csv", GRIDSCORE, BY_ID)
    [r] = import_files(store, [path], ImportOptions(mapping="gridscore"))
    assert r.error is None and r.mapping == "gridscore"
    assert (r.read, r.inserted, r.updated, r.unchanged, r.rejected) == (5, 5, 0, 0, 0) and reconciles(r)
    assert r.placed == {"named": 3, "unplaced": 2}
    [(city,)] = query(store, "SELECT unit_id FROM units WHERE level = 'city'")
    assert query(store, "SELECT request_id, unit_id, dept_id, location_status, description, address "
                        "FROM requests ORDER BY 1") == [
        ("P1", "D0S0C0G0", "DEPT0", "named", "O'Brien 反映路灯不亮", "O'Connell 路 1 号"),
        ("P2", city, "DEPT1", "unplaced", None, None),
        ("P3", city, None, "unplaced", None, None),
        ("P4", "D1S1C1", None, "named", None, None),
        ("P5", "D0S1", None, "named", None, None),
    ]
    kinds = dict(r.warning_kinds)
    assert kinds["unit_id: unknown unit id '…': 'NOPE' ×1, 'X'1' ×1"] == 2
    assert kinds["dept_id: unknown department id '…': 'DEPT9' ×1"] == 1
    _, shown = preview(path, store, "gridscore")
    warnings = dict(zip(shown["request_id"], shown["warnings"]))
    assert warnings["P2"] == "unit_id: unknown unit id 'NOPE'"
    assert "dept_id: unknown department id 'DEPT9'" in warnings["P4"]
    assert warnings["P1"] == warnings["P5"] == ""
    [again] = import_files(store, [path], ImportOptions(mapping="gridscore"))
    assert (again.read, again.inserted, again.updated, again.unchanged, again.rejected) == (5, 0, 0, 5, 0)
    assert reconciles(again)


def test_xlsx_parquet_jsonl_same_result(store: Path, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "工单"
    ws.append(HOTLINE)
    for row in GOOD:
        ws.append(row)
    wb.save(tmp_path / "a.xlsx")
    table = pa.table({h: [r[i] or None for r in GOOD] for i, h in enumerate(HOTLINE)})
    pq.write_table(table, tmp_path / "a.parquet")
    with open(tmp_path / "a.jsonl", "w", encoding="utf-8") as f:
        for r in GOOD:
            f.write(json.dumps(dict(zip(HOTLINE, r)), ensure_ascii=False) + "\n")
        f.write("this is not json\n")
    results = {}
    for name in ("a.xlsx", "a.parquet", "a.jsonl"):
        db = build_tiny_store(tmp_path / f"{name}.duckdb")
        [r] = import_files(db, [tmp_path / name], ImportOptions(sheet="工单" if name.endswith("xlsx") else None))
        assert reconciles(r) and r.inserted == len(GOOD), (name, r)
        results[name] = query(db, "SELECT request_id, received_at, unit_id, status FROM requests ORDER BY 1")
    assert results["a.xlsx"] == results["a.parquet"] == results["a.jsonl"]
    assert "not a JSON object" in query(tmp_path / "a.jsonl.duckdb", "SELECT reasons FROM rejects")[0][0]


def test_open311_utc_converted_to_local(store: Path, tmp_path: Path) -> None:
    requests = [
        {"service_request_id": "638344", "status": "closed", "service_name": "Sidewalk and Curb Issues",
         "service_code": "006", "description": None, "agency_responsible": "城管委",
         "requested_datetime": "2026-11-02T05:05:00Z", "updated_datetime": "2026-11-03T01:00:00Z",
         "address": "x", "lat": 39.83, "long": 116.33},
        {"service_request_id": "638345", "status": "open", "service_name": "Potholes",
         "requested_datetime": "2026-11-02T13:05:00+08:00", "lat": 39.93, "long": 116.43},
        {"service_request_id": "638346", "status": "pending", "requested_datetime": "2026-11-02T13:05:00+08:00",
         "lat": 39.93, "long": 116.43},
    ]
    path = tmp_path / "requests.json"
    path.write_text(json.dumps(requests), encoding="utf-8")
    [r] = import_files(store, [path])
    assert r.fmt == "open311" and reconciles(r) and (r.inserted, r.rejected) == (2, 1)
    got = query(store, "SELECT request_id, strftime(received_at, '%Y-%m-%d %H:%M'), strftime(closed_at, '%Y-%m-%d %H:%M'), dept_id, unit_id "
                       "FROM requests ORDER BY 1")
    assert got == [("638344", "2026-11-02 13:05", "2026-11-03 09:00", "DEPT0", "D0S0C0G0"),
                   ("638345", "2026-11-02 13:05", None, None, "D1S1C0G0")]
    assert "status" in query(store, "SELECT reasons FROM rejects")[0][0]


def test_nyc311_csv_and_gcj02(store: Path, tmp_path: Path) -> None:
    header = ["Unique Key", "Created Date", "Closed Date", "Agency", "Complaint Type", "Descriptor",
              "Incident Address", "Borough", "Latitude", "Longitude", "Status", "Open Data Channel Type",
              "Resolution Action Updated Date"]
    # GCJ-02 coordinates of a point inside grid D0S0C0G0 (WGS-84 116.325, 39.825)
    import coordTransform
    glon, glat = coordTransform.wgs84_to_gcj02(116.325, 39.825)
    rows = [["59893601", "11/02/2026 01:05:00 PM", "11/03/2026 09:00:00 AM", "城管委", "Noise - Residential",
             "Loud Music/Party", "1 MAIN ST", "", f"{glat}", f"{glon}", "Closed", "PHONE", "11/03/2026 09:00:00 AM"],
            ["59893602", "11/02/2026 01:05:00 PM", "", "NYPD", "Illegal Parking", "", "", "", "", "",
             "In Progress", "ONLINE", ""]]
    path = write_csv(tmp_path / "nyc.csv", header, rows)
    [r] = import_files(store, [path], ImportOptions(crs="gcj02"))
    assert r.mapping == "nyc311" and reconciles(r) and (r.inserted, r.rejected) == (2, 0)
    [(unit, lat, lon, received), unplaced] = query(
        store, "SELECT unit_id, lat, lon, strftime(received_at, '%Y-%m-%d %H:%M') FROM requests ORDER BY request_id")
    assert unit == "D0S0C0G0" and abs(lat - 39.825) < 1e-4 and abs(lon - 116.325) < 1e-4
    assert received == "2026-11-02 13:05"
    assert unplaced[:3] == ("C", None, None), "no place, no coordinates: kept on the city"


def test_cli_prints_counts_and_exit_codes(store: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", HOTLINE, GOOD + [BAD[2][0]])
    cmd = [sys.executable, "-m", "metrics", "import", str(path), "--db", str(store), "--rejects", str(tmp_path)]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "read 5  inserted 4  updated 0  unchanged 0  rejected 1" in out.stdout
    assert "rows/s" in out.stdout and list(tmp_path.glob("a.*.rejects.csv"))
    bad = write_csv(tmp_path / "bad.csv", HOTLINE, [BAD[1][0], BAD[2][0]])
    assert subprocess.run([*cmd[:4], str(bad), *cmd[5:]], cwd=ROOT, capture_output=True).returncode == 1
    missing = subprocess.run([*cmd[:4], str(tmp_path / "nope.csv"), *cmd[5:]], cwd=ROOT, capture_output=True, text=True)
    assert missing.returncode == 1 and "cannot be read" in missing.stdout
    assert query(store, "SELECT count(*) FROM requests") == [(4,)]
