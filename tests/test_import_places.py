"""Importing a real city's requests: nothing dropped for lack of a place, placeholders, empty markers,
two-digit years, names in any case or width, creation from names, the summary's values, field coverage.

Each test failed on the code before issue 10. The tiny city (tests/ingest_fixtures.py) has grid
boundaries on a 4 × 4 lattice from (116.30, 39.80), city ``C``, departments 城管委 and 住建委.
"""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from metrics.core.access import DEMO_VIEWER
from metrics.core.filters import Filters
from metrics.core.periods import month
from metrics.ingest import ImportOptions, MappingError, import_files, load_mapping
from metrics.present.map_data import points
from metrics.query import tables
from metrics.store.snapshots import open_read, write_snapshot
from streamlit.testing.v1 import AppTest
from tests.ingest_fixtures import build_tiny_store, query
from tests.ingest_fixtures import write_csv as write

ROOT = Path(__file__).resolve().parent.parent
HEAD = ["工单编号", "受理时间", "诉求类别", "所属区", "所属街道", "承办单位", "办结时间", "办理状态", "诉求地址", "经度", "纬度"]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return build_tiny_store(tmp_path / "store.duckdb")


def mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    return path


def row(rid: str, district: str = "", street: str = "", dept: str = "", lon: str = "", lat: str = "",
        closed: str = "", address: str = "", received: str = "2026-10-05 09:00", status: str = "") -> list[str]:
    status = status or ("已办结" if closed else "办理中")
    return [rid, received, "噪音扰民", district, street, dept, closed, status, address, lon, lat]


def test_unplaced_rows_count_in_city_and_department_totals(store: Path, tmp_path: Path) -> None:
    rows = [row("A1", "东城区", "和平街道", "城管委"), row("A2", dept="城管委"), row("A3", dept="城管委"),
            row("A4", "火星区", dept="住建委"), row("A5", lon="116.325", lat="39.825")]
    [r] = import_files(store, [write(tmp_path / "a.csv", HEAD, rows)])
    assert (r.read, r.inserted, r.rejected) == (5, 5, 0)
    assert r.placed == {"unplaced": 3, "named": 1, "point": 1}
    con = open_read(store)
    try:
        period = month(2026, 10)
        city = tables.scope_totals(con, DEMO_VIEWER, period, Filters(unit_id="C"), ("requests",), basic_credit=0.9)
        everything = tables.scope_totals(con, DEMO_VIEWER, period, None, ("requests",), basic_credit=0.9)
        depts = tables.unit_table(con, DEMO_VIEWER, "department", period, None, ("requests",), basic_credit=0.9)
    finally:
        con.close()
    assert city["requests"] == everything["requests"] == 5
    assert dict(zip(depts["unit_id"], depts["requests"])) == {"DEPT0": 3, "DEPT1": 1}
    assert query(store, "SELECT request_id, unit_id, location_status FROM requests ORDER BY 1") == [
        ("A1", "D0S0", "named"), ("A2", "C", "unplaced"), ("A3", "C", "unplaced"), ("A4", "C", "unplaced"),
        ("A5", "D0S0C0G0", "point")]


def test_a_placeholder_cluster_is_flagged_not_placed_not_drawn(store: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # 20 requests on one point inside grid D0S0C0G0 with 20 different addresses: a default point
    fake = [row(f"P{k}", lon="116.3250", lat="39.8250", address=f"幸福路{k}号") for k in range(20)]
    real = [row(f"R{k}", lon=f"{116.31 + k * 0.003:.4f}", lat=f"{39.81 + k * 0.002:.4f}", address=f"光明路{k}号")
            for k in range(60)]
    same_house = [row(f"H{k}", lon="116.4750", lat="39.9750", address="建设路1号") for k in range(6)]   # one address
    out = subprocess.run([sys.executable, "-m", "metrics", "import", str(write(tmp_path / "p.csv", HEAD, fake + real + same_house)),
                          "--db", str(store), "--mapping", "hotline-zh", "--quiet"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "placeholder point (39.825, 116.325): 20 rows, 20 distinct addresses" in out.stdout
    assert query(store, "SELECT location_status, count(*) FROM requests GROUP BY 1 ORDER BY 1") == [
        ("placeholder", 20), ("point", 66)]
    assert query(store, "SELECT DISTINCT unit_id FROM requests WHERE location_status = 'placeholder'") == [("C",)]
    from metrics.present.map_data import off_map

    con = open_read(store)
    try:
        period = month(2026, 10)
        assert off_map(con, DEMO_VIEWER, period, Filters()) == 20
        assert len(points(con, DEMO_VIEWER, period, Filters())) == 66
    finally:
        con.close()
    monkeypatch.setenv("GRIDSCORE_DB", str(store))   # the map page says how many it leaves out
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("views/map.py")
    for key, value in {"layer": "hex", "period": "2026-10", "level": "grid", "lang": "en"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    assert "20 requests are not on the map (no coordinates, or a placeholder point)." in [c.value for c in at.caption]


@pytest.mark.parametrize("fewer_rows, fewer_addresses, flagged", [(0, 0, True), (1, 0, False), (0, 1, False)])
def test_placeholder_thresholds(store: Path, tmp_path: Path, fewer_rows: int, fewer_addresses: int, flagged: bool) -> None:
    """Exactly at the thresholds (rows, distinct addresses) a point is a placeholder; one below, it is not."""
    from metrics.ingest.checks import CLUSTER_MIN_ADDRESSES, CLUSTER_MIN_ROWS

    n, addresses = CLUSTER_MIN_ROWS - fewer_rows, CLUSTER_MIN_ADDRESSES - fewer_addresses
    on_point = [row(f"P{k}", lon="116.3250", lat="39.8250", address=f"路{k % addresses}号") for k in range(n)]
    spread = [row(f"R{k}", lon=f"{116.31 + k * 0.0015:.4f}", lat=f"{39.81 + k * 0.001:.4f}") for k in range(100)]
    [r] = import_files(store, [write(tmp_path / "t.csv", HEAD, on_point + spread)])
    assert bool(r.placeholders) is flagged and r.placed.get("placeholder", 0) == (n if flagged else 0)


@pytest.mark.parametrize("others, flagged", [(245, True), (246, False)])
def test_placeholder_share_threshold(store: Path, tmp_path: Path, others: int, flagged: bool) -> None:
    """5 rows on one point among 250 with coordinates hold exactly CLUSTER_MIN_SHARE: a placeholder; among 251, not."""
    from metrics.ingest.checks import CLUSTER_MIN_ADDRESSES, CLUSTER_MIN_ROWS, CLUSTER_MIN_SHARE

    n = CLUSTER_MIN_ROWS
    assert n == CLUSTER_MIN_SHARE * (n + 245)
    on_point = [row(f"P{k}", lon="116.3250", lat="39.8250", address=f"路{k % CLUSTER_MIN_ADDRESSES}号") for k in range(n)]
    spread = [row(f"R{k}", lon=f"{116.31 + (k % 50) * 0.0015:.4f}", lat=f"{39.81 + (k // 50) * 0.001:.4f}")
              for k in range(others)]
    [r] = import_files(store, [write(tmp_path / "t.csv", HEAD, on_point + spread)])
    assert bool(r.placeholders) is flagged and r.placed.get("placeholder", 0) == (n if flagged else 0)


def test_na_and_friends_are_empty_and_null_values_replaces_the_list(store: Path, tmp_path: Path) -> None:
    rows = [row("N1", "东城区", closed="NA", status="办理中"), row("N2", "NULL", closed="N/A", dept="none", status="-"),
            row("N3", "-", closed=" null ", status="办理中"), row("N4", "东城区", closed="无", lon="NaN", lat="NaN", status="空"),
            row("N5", "东城区", closed="2026-10-06 10:00")]
    [r] = import_files(store, [write(tmp_path / "na.csv", HEAD, rows)])
    assert (r.inserted, r.rejected) == (5, 0) and not r.warning_kinds
    assert query(store, "SELECT request_id, status, closed_at IS NULL FROM requests ORDER BY 1") == [
        ("N1", "open", True), ("N2", "open", True), ("N3", "open", True), ("N4", "open", True), ("N5", "closed", False)]
    preset = (ROOT / "data/mappings/hotline-zh.toml").read_text(encoding="utf-8")
    own = mapping(tmp_path, preset.replace("timestamp_formats = []", 'timestamp_formats = []\nnull_values = ["缺失"]'))
    db = build_tiny_store(tmp_path / "own.duckdb")
    [r] = import_files(db, [write(tmp_path / "own.csv", HEAD, [row("M1", closed="缺失"), row("M2", closed="NA")])],
                       ImportOptions(mapping=own))
    assert (r.inserted, r.rejected) == (1, 1)
    assert query(db, "SELECT reasons FROM rejects")[0][0].startswith("closed_at (办结时间): cannot read 'NA' as a time")
    bad = mapping(tmp_path, '[columns]\nrequest_id = "id"\nreceived_at = "t"\nclosed_at = "c"\n[values.closed_at]\n"NA" = ""\n')
    with pytest.raises(MappingError, match=r"\[values.closed_at\].*null_values"):
        load_mapping(bad)


def test_two_digit_years_and_us_twelve_hour_times(store: Path, tmp_path: Path) -> None:
    rows = [row("Y1", "东城区", received="10/21/18 0:00", closed="10/22/18 13:30"),
            row("Y2", "东城区", received="1/2/19 7:05", closed="1/2/19 19:05"),
            row("Y3", "东城区", received="not a date")]
    [r] = import_files(store, [write(tmp_path / "y.csv", HEAD, rows)])
    assert (r.inserted, r.rejected) == (2, 1) and r.formats["received_at"] == "%m/%d/%y %H:%M"
    assert query(store, "SELECT request_id, received_at, closed_at FROM requests ORDER BY 1") == [
        ("Y1", dt.datetime(2018, 10, 21, 0, 0), dt.datetime(2018, 10, 22, 13, 30)),
        ("Y2", dt.datetime(2019, 1, 2, 7, 5), dt.datetime(2019, 1, 2, 19, 5))]
    [reason] = query(store, "SELECT reasons FROM rejects")[0]
    assert "cannot read 'not a date' as a time (this column reads as %m/%d/%y %H:%M" in reason
    assert "timestamp_formats" in reason
    db = build_tiny_store(tmp_path / "us.duckdb")
    us = [row("U1", "东城区", received="04/18/2019 09:55:45 PM"), row("U2", "东城区", received="05/01/2010 10:24:07 AM")]
    [r] = import_files(db, [write(tmp_path / "us.csv", HEAD, us)])
    assert r.inserted == 2 and query(db, "SELECT received_at FROM requests ORDER BY request_id") == [
        (dt.datetime(2019, 4, 18, 21, 55, 45),), (dt.datetime(2010, 5, 1, 10, 24, 7),)]


def test_names_ignore_case_space_and_width_and_ambiguity_names_the_candidates(store: Path, tmp_path: Path) -> None:
    with write_snapshot(store) as con:
        con.execute("INSERT INTO units (unit_id, name, level, parent_id) VALUES ('MN', 'Manhattan', 'district', 'C'), "
                    "('NYPD', 'Police Dept', 'department', NULL)")
    rows = [row("C1", "MANHATTAN", dept="police dept"), row("C2", "  manhattan ", dept="POLICE  DEPT"),
            row("C3", "ＭＡＮＨＡＴＴＡＮ", dept="Ｐｏｌｉｃｅ Ｄｅｐｔ")]
    [r] = import_files(store, [write(tmp_path / "c.csv", HEAD, rows)])
    assert r.inserted == 3 and not r.warning_kinds
    assert query(store, "SELECT DISTINCT unit_id, dept_id FROM requests") == [("MN", "NYPD")]
    streets_only = mapping(tmp_path, '[columns]\nrequest_id = "工单编号"\nreceived_at = "受理时间"\n'
                                     '[unit]\nmatch = "name"\ncolumns = ["所属街道"]\nlevels = ["street"]\n')
    db = build_tiny_store(tmp_path / "amb.duckdb")
    [r] = import_files(db, [write(tmp_path / "s.csv", HEAD, [row("S1", street="和平街道"), row("S2", street="和平街道")])],
                       ImportOptions(mapping=streets_only))
    assert r.inserted == 2 and query(db, "SELECT DISTINCT unit_id FROM requests") == [("C",)]
    assert r.warning_kinds == [("所属街道: ambiguous street '…', candidates D0S0, D1S0: '和平街道' ×2", 2)]


def test_departments_created_when_asked_else_warned_once_per_name(store: Path, tmp_path: Path) -> None:
    rows = [row(f"D{k}", "东城区", dept=name) for k, name in enumerate(["水务局", "水务局", "水务局", "园林局", "城管委"])]
    path = write(tmp_path / "d.csv", HEAD, rows)
    out = subprocess.run([sys.executable, "-m", "metrics", "import", str(path), "--db", str(store), "--quiet"],
                         cwd=ROOT, capture_output=True, text=True)
    assert "承办单位: unknown department '…': '水务局' ×3, '园林局' ×1" in out.stdout
    text = (ROOT / "data/mappings/hotline-zh.toml").read_text(encoding="utf-8")
    create = mapping(tmp_path, text.replace('columns = ["承办单位"]\nlevels = ["department"]',
                                            'columns = ["承办单位"]\nlevels = ["department"]\ncreate = true'))
    db = build_tiny_store(tmp_path / "create.duckdb")
    [r] = import_files(db, [path], ImportOptions(mapping=create))
    assert r.created == {"department": 2} and r.inserted == 5 and not r.warning_kinds
    assert query(db, "SELECT u.name, count(*) FROM requests r JOIN units u ON u.unit_id = r.dept_id "
                     "WHERE u.level = 'department' GROUP BY 1 ORDER BY 2 DESC, 1") == [("水务局", 3), ("园林局", 1), ("城管委", 1)]
    [again] = import_files(db, [path], ImportOptions(mapping=create))
    assert again.created == {} and again.unchanged == 5


def test_reject_summary_shows_values_with_quotes(store: Path, tmp_path: Path) -> None:
    rows = [row("Q1", received="it's \"late\""), row("Q2", received="O'Brien"), row("Q3", received="O'Brien"),
            row("Q4", received="back\\slash")]
    out = subprocess.run([sys.executable, "-m", "metrics", "import", str(write(tmp_path / "q.csv", HEAD, rows)),
                          "--db", str(store), "--quiet"], cwd=ROOT, capture_output=True, text=True)
    [line] = [x for x in out.stdout.splitlines() if "cannot read" in x]
    assert line.strip().startswith("4  received_at (受理时间): cannot read '…' as a time")
    assert line.endswith(": 'O'Brien' ×2, 'back\\slash' ×1, 'it's \"late\"' ×1")


def test_field_coverage_is_recorded_per_import(store: Path, tmp_path: Path) -> None:
    rows = [row("F1", "东城区", dept="城管委", closed="2026-10-06 10:00"), row("F2", "", closed="NA"), row("F3", "西城区")]
    [r] = import_files(store, [write(tmp_path / "f.csv", HEAD, rows)])
    got = query(store, "SELECT field, source_column, rows_with_value, rows_read FROM import_fields "
                       f"WHERE import_id = '{r.import_id}' ORDER BY field")
    assert {n for *_, n in got} == {3}
    cov = {f: (s, n) for f, s, n, _ in got}
    assert cov["closed_at"] == ("办结时间", 1) and cov["unit"] == ("所属区 / 所属街道", 2)
    assert cov["lat"] == ("纬度", 0) and cov["source"] == (None, 3) and cov["request_id"] == ("工单编号", 3)
    assert "satisfaction" not in cov and "visited_at" not in cov


# A district's own export, laid out unlike hotline-zh: other headers, 区 / 街道 only, no
# coordinates, no return visits, GB18030 - and its mapping, written from the README.
OTHER_EXPORT = ["案卷号", "上报时间", "大类名称", "小类名称", "区", "街道", "处置部门", "处置截止时间", "处置结束时间", "当前阶段"]
OTHER_MAPPING = """
name = "district-cases"
timestamp_formats = ["%Y.%m.%d %H:%M"]

[columns]
request_id = "案卷号"
received_at = "上报时间"
category = "大类名称"
subcategory = "小类名称"
resolve_by = "处置截止时间"
closed_at = "处置结束时间"
status_detail = "当前阶段"

[unit]
match = "name"
columns = ["区", "街道"]
levels = ["district", "street"]

[dept]
match = "name"
columns = ["处置部门"]
levels = ["department"]
create = true

[constants]
source = "citizen"
"""


def test_a_gb18030_export_with_other_headers_lands_in_the_city_totals(store: Path, tmp_path: Path) -> None:
    rows = [
        ["AJ001", "2026.10.03 08:15", "市容环境", "暴露垃圾", "东城区", "和平街道", "城管委", "2026.10.05 08:15", "2026.10.04 10:00", "结案"],
        ["AJ002", "2026.10.03 09:00", "街面秩序", "占道经营", "西城区", "建设街道", "市场监管局", "2026.10.06 09:00", "", "处置中"],
        ["AJ003", "2026.10.04 10:30", "市容环境", "堆物堆料", "东城区", "无名街道", "城管委", "", "2026.10.05 11:00", "结案"],
        ["AJ004", "2026.10.05 11:45", "宣传广告", "非法小广告", "", "", "", "", "", "[作废]"],
        ["AJ005", "2026.10.05 12:00", "市容环境", "暴露垃圾", "Ｄ区", "", "城管委", "无", "NA", "处置中"],
    ]
    path = write(tmp_path / "案卷导出.csv", OTHER_EXPORT, rows, encoding="gb18030")
    [r] = import_files(store, [path], ImportOptions(mapping=mapping(tmp_path, OTHER_MAPPING)))
    assert r.encoding in ("gb18030", "gbk") and r.read == r.inserted == len(rows) and r.rejected == 0
    assert r.created == {"department": 1}
    got = query(store, "SELECT request_id, unit_id, location_status, status FROM requests ORDER BY 1")
    assert got == [("AJ001", "D0S0", "named", "closed"), ("AJ002", "D1S1", "named", "open"),
                   ("AJ003", "D0", "named", "closed"), ("AJ004", "C", "unplaced", "open"), ("AJ005", "C", "unplaced", "open")]
    con = open_read(store)
    try:
        total = tables.scope_totals(con, DEMO_VIEWER, month(2026, 10), Filters(unit_id="C"), ("requests", "on_time_close_rate"),
                                    basic_credit=0.9)
    finally:
        con.close()
    assert total["requests"] == len(rows) and total["on_time_close_rate"] == pytest.approx(1 / 2)


def test_units_created_level_by_level_under_the_given_parent(store: Path, tmp_path: Path) -> None:
    text = ('[columns]\nrequest_id = "工单编号"\nreceived_at = "受理时间"\n'
            '[unit]\nmatch = "name"\ncolumns = ["所属区", "所属街道"]\nlevels = ["district", "street"]\n'
            'create = true\nparent = "{parent}"\n')
    rows = [row("K1", "南区", "新街道"), row("K2", "南区", "新街道"), row("K3", "东城区", "新街道"),
            row("K4", "东城区", "和平街道"), row("K5", "南区")]
    path = write(tmp_path / "k.csv", HEAD, rows)
    [r] = import_files(store, [path], ImportOptions(mapping=mapping(tmp_path, text.format(parent="C"))))
    assert r.created == {"district": 1, "street": 2} and r.inserted == 5 and not r.warning_kinds
    assert query(store, "SELECT r.request_id, u.name, p.name FROM requests r "
                        "JOIN units u ON u.unit_id = r.unit_id JOIN units p ON p.unit_id = u.parent_id ORDER BY 1") == [
        ("K1", "新街道", "南区"), ("K2", "新街道", "南区"), ("K3", "新街道", "东城区"), ("K4", "和平街道", "东城区"),
        ("K5", "南区", "示范市")]
    assert query(store, "SELECT DISTINCT location_status FROM requests") == [("named",)]
    out = subprocess.run([sys.executable, "-m", "metrics", "import", str(path), "--db", str(store), "--quiet",
                          "--mapping", str(mapping(tmp_path, text.format(parent="NOPE")))], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 1 and out.stderr.strip() == "error: [unit] parent = 'NOPE': no unit has this id"
