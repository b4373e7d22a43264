"""A hand-built city of ~20 requests covering the metric edge cases (STYLE: Tests 2).

Period of interest: October 2026 (and the window W2026-10 = 2026-09-19 … 2026-10-18).
Edge cases: a request at exactly midnight on 1 October and one a second before; no visit;
an excluded (not assessable) request; deadlines missing; open requests, overdue ones, one
closed after the period end; a street (S3), community (C3) and grid (G3) without requests;
a request with no unit but a department; NULL booleans.
"""
from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from metrics.store.snapshots import create_schema, rebuild_closure

UNITS = [
    # unit_id, name, name_en, level, parent_id, population, staff
    ("CITY", "示范市", "Demo City", "city", None, 100_000, 150),
    ("D1", "东城区", "East", "district", "CITY", 60_000, 90),
    ("D2", "西城区", "West", "district", "CITY", 40_000, 60),
    ("S1", "一街道", "Street 1", "street", "D1", 30_000, 50),
    ("S2", "二街道", "Street 2", "street", "D1", 30_000, 40),
    ("S3", "三街道", "Street 3", "street", "D2", 40_000, None),
    ("C1", "甲社区", "Community 1", "community", "S1", 20_000, 30),
    ("C2", "乙社区", "Community 2", "community", "S1", 10_000, 20),
    ("C3", "丙社区", "Community 3", "community", "S2", None, 10),
    ("G1", "网格1", "Grid 1", "grid", "C1", 10_000, 5),
    ("G2", "网格2", "Grid 2", "grid", "C1", 10_000, 5),
    ("G3", "网格3", "Grid 3", "grid", "C2", 10_000, 5),
    ("P1", "城管委", "Urban management", "department", "CITY", None, None),
    ("P2", "水务局", "Water", "department", "CITY", None, None),
]


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


DEFAULTS = dict(
    channel="12345", category="噪音扰民", subcategory=None, source="citizen", unit_id="G1", dept_id="P1",
    lat=None, lon=None, urgency="normal", respond_by=None, resolve_by=None, first_contact_at=None,
    closed_at=None, status="open", status_detail=None, returned_count=0, extended=False, is_repeat=False,
    assessable=True, exclusion_reason=None, visited=None, contacted=None, resolved=None, satisfaction=None,
    description="楼上噪音，请联系13812345678处理", address="东城区一街道甲社区3号楼2单元501",
    citizen_name="张三明", citizen_phone="13812345678", import_id="fixture",
)


def row(request_id: str, received: str, **kw: object) -> dict[str, object]:
    out = {"request_id": request_id, "received_at": ts(received), **DEFAULTS, **kw}
    for key in ("respond_by", "resolve_by", "first_contact_at", "closed_at"):
        if isinstance(out[key], str):
            out[key] = ts(out[key])
    return out


def closed(at: str, **kw: object) -> dict[str, object]:
    return {"closed_at": at, "status": "closed", **kw}


def visit(contacted: bool | None, resolved: bool | None, satisfaction: str | None) -> dict[str, object]:
    return {"visited": True, "contacted": contacted, "resolved": resolved, "satisfaction": satisfaction}


REQUESTS = [
    # before the period (September): backlog at October's end if still open
    row("R01", "2026-09-30 23:59:59", respond_by="2026-10-01 23:59:59", resolve_by="2026-10-05 00:00:00",
        first_contact_at="2026-10-01 08:00:00"),                                # open, overdue at Oct end
    row("R02", "2026-09-20 10:00:00", unit_id="G2", first_contact_at="2026-09-20 11:00:00",
        **closed("2026-09-25 10:00:00"), **visit(True, True, "satisfied")),      # in the W2026-10 window
    # October
    row("R03", "2026-10-01 00:00:00", respond_by="2026-10-01 12:00:00", resolve_by="2026-10-08 00:00:00",
        first_contact_at="2026-10-01 02:30:00", **closed("2026-10-03 00:00:00"), **visit(True, True, "satisfied")),
    row("R04", "2026-10-02 09:15:00", respond_by="2026-10-02 12:00:00", resolve_by="2026-10-05 00:00:00",
        first_contact_at="2026-10-02 13:00:00", **closed("2026-10-06 09:15:00"), **visit(True, False, "basic"),
        returned_count=1),
    row("R05", "2026-10-03 18:00:00", unit_id="G2", category="供暖", urgency="urgent",
        respond_by="2026-10-03 20:00:00", first_contact_at="2026-10-03 19:00:00", **closed("2026-10-04 18:00:00"),
        **visit(False, False, "unsatisfied"), is_repeat=True),
    row("R06", "2026-10-05 12:00:00", unit_id="G2", source="proactive", channel="patrol",
        first_contact_at="2026-10-05 12:00:00", **closed("2026-10-05 16:00:00")),   # closed, no visit
    row("R07", "2026-10-07 08:00:00", unit_id="G1", assessable=False, exclusion_reason="不合理诉求",
        **closed("2026-10-08 08:00:00"), **visit(True, True, "satisfied")),     # excluded
    row("R08", "2026-10-10 10:00:00", unit_id="C2", dept_id="P2", category="供水排水",
        resolve_by="2026-10-20 00:00:00", first_contact_at="2026-10-11 10:00:00",
        **closed("2026-11-02 10:00:00"), **visit(True, True, "basic")),            # closed after the period end
    row("R09", "2026-10-12 14:00:00", unit_id="G3", dept_id="P2", resolve_by="2026-11-30 00:00:00"),  # open, not yet due
    row("R10", "2026-10-15 23:59:59", unit_id="G3", channel="app", resolve_by="2026-10-20 00:00:00",
        first_contact_at="2026-10-16 09:00:00"),                                # open, overdue
    row("R11", "2026-10-18 23:59:59", unit_id="S2", dept_id=None, first_contact_at="2026-10-19 08:00:00",
        **closed("2026-10-19 10:00:00"), **visit(True, None, "satisfied")),     # last second of the window
    row("R12", "2026-10-19 00:00:00", unit_id="S2", channel="wechat", respond_by="2026-10-19 06:00:00",
        **closed("2026-10-21 00:00:00"), **visit(None, True, "basic")),          # never contacted, on record
    row("R13", "2026-10-20 07:00:00", unit_id=None, dept_id="P2", category="供水排水",
        first_contact_at="2026-10-20 08:00:00", **closed("2026-10-22 07:00:00"), **visit(True, True, "satisfied")),
    row("R14", "2026-10-25 16:45:00", unit_id="G1", status="closed", closed_at=None,
        **visit(True, True, "satisfied")),                                      # closed without a time
    row("R15", "2026-10-28 11:00:00", unit_id="G2", category="供暖", source="proactive", channel="patrol",
        visited=False, first_contact_at="2026-10-28 11:30:00", **closed("2026-10-29 11:00:00"), is_repeat=None),
    row("R16", "2026-10-31 23:59:59", unit_id="C1", resolve_by="2026-10-31 12:00:00",
        first_contact_at="2026-11-01 00:00:01"),                                # open, overdue at the end
    row("R17", "2026-10-31 12:00:00", unit_id="G1", assessable=False, exclusion_reason="重复骚扰",
        resolve_by="2026-10-31 13:00:00"),                                      # excluded, would be overdue
    # after the period
    row("R18", "2026-11-01 00:00:00", unit_id="G1", **closed("2026-11-02 00:00:00"), **visit(True, True, "satisfied")),
    row("R19", "2026-11-05 09:00:00", unit_id="G3"),
    # a year earlier (year-on-year)
    row("R20", "2025-10-15 09:00:00", unit_id="G1", first_contact_at="2025-10-15 10:00:00",
        **closed("2025-10-16 09:00:00"), **visit(True, False, "satisfied")),
]


def requests_frame(rows: list[dict[str, object]] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(REQUESTS if rows is None else rows, columns=["request_id", "received_at", *DEFAULTS])
    for key in ("received_at", "respond_by", "resolve_by", "first_contact_at", "closed_at"):
        frame[key] = pd.to_datetime(frame[key]).astype("datetime64[us]")
    return frame


def units_frame() -> pd.DataFrame:
    frame = pd.DataFrame(UNITS, columns=["unit_id", "name", "name_en", "level", "parent_id", "population", "staff"])
    return frame.astype({"population": "Int64", "staff": "Int64"})


def build_store(requests: pd.DataFrame | None = None, units: pd.DataFrame | None = None,
                *, rollups: bool = True, path: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A store with the schema, the fixture units and requests, the closure and (optionally) roll-ups."""
    con = duckdb.connect(path)
    create_schema(con)
    units_df = units_frame() if units is None else units
    requests_df = requests_frame() if requests is None else requests
    con.register("units_in", units_df)
    con.execute("INSERT INTO units BY NAME SELECT * FROM units_in")
    con.unregister("units_in")
    con.register("requests_in", requests_df)
    con.execute("INSERT INTO requests BY NAME SELECT * FROM requests_in")
    con.unregister("requests_in")
    rebuild_closure(con)
    if rollups:
        from metrics.store.rollup import refresh_rollups
        refresh_rollups(con)
    return con
