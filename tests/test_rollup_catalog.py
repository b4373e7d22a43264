"""The roll-up catalogue: every table equals the detail wherever it claims to answer, the planner
picks the smallest such table, and per-day refreshes after imports, updates and rollbacks leave
exactly what a full rebuild would."""
from __future__ import annotations

import functools
import random
import shutil

import duckdb
import pandas as pd
import pytest

from metrics.core.access import DEMO_VIEWER, Viewer
from metrics.core.filters import Filters
from metrics.core.periods import parse_period
from metrics.ingest import import_files
from metrics.query.source import RollupMissing, count_source
from metrics.query.tables import scope_totals, time_series, unit_table
from metrics.store import history
from metrics.store import snapshots as store
from metrics.store import rollup
from metrics.store.rollup import refresh_rollups, rollup_sizes
from metrics.store.rollup_catalog import BY_NAME, CATALOG, FINEST, pick_table
from tests import fixtures_requests as fx
from tests import ingest_fixtures as ifx
from tests.test_queries import CASE_IDS, CASES


@functools.cache
def fixture_store():
    return fx.build_store()


def _table(level, period, viewer, filters, source):
    frame = unit_table(fixture_store(), viewer, level, parse_period(period), filters, basic_credit=0.9, source=source)
    return frame.set_index("unit_id")


@pytest.mark.parametrize("name", [t.name for t in CATALOG])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_every_table_equals_detail_where_it_answers(case, name):
    level, period, viewer, filters = case
    try:
        count_source(fixture_store(), viewer, filters, (parse_period(period),), source=name, level=level)
    except RollupMissing:
        with pytest.raises(RollupMissing):
            _table(*case, source=name)
        return
    pd.testing.assert_frame_equal(_table(*case, source=name), _table(*case, source="detail"), check_exact=True)


def test_every_table_answers_some_cases_and_refuses_others():
    answered = {t.name: 0 for t in CATALOG}
    for level, period, viewer, filters in CASES:
        for t in CATALOG:
            try:
                count_source(fixture_store(), viewer, filters, (parse_period(period),), source=t.name, level=level)
                answered[t.name] += 1
            except RollupMissing:
                pass
    assert answered[FINEST.name] == len(CASES)
    for name, n in answered.items():
        assert 0 < n, name
        assert name == FINEST.name or n < len(CASES), name


SERIES = ["requests", "response_rate", "satisfaction_rate", "backlog", "overdue"]


@pytest.mark.parametrize("name", [t.name for t in CATALOG])
@pytest.mark.parametrize("viewer", [DEMO_VIEWER, Viewer("unit", "S1"), Viewer("unit", "D1")], ids=["all", "S1", "D1"])
def test_totals_and_monthly_series_equal_detail(name, viewer):
    con = fixture_store()
    year = parse_period("2026")
    for grain in ("month", "quarter", "day"):
        try:
            got = time_series(con, viewer, SERIES, year, grain, basic_credit=0.9, source=name)
        except RollupMissing:
            assert BY_NAME[name].time == "month" and grain == "day"
            continue
        want = time_series(con, viewer, SERIES, year, grain, basic_credit=0.9, source="detail")
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    got = scope_totals(con, viewer, parse_period("2026-10"), basic_credit=0.9, source=name)
    assert got == scope_totals(con, viewer, parse_period("2026-10"), basic_credit=0.9, source="detail")


END = "2026-11-01 00:00:00"   # the end of October, the stock's moment
STOCK_ROWS = [  # (id, received, closed_at, status, resolve_by): open / overdue at END?
    ("K01", "2026-10-10 08:00:00", END, "closed", "2026-10-20 00:00:00"),        # closed exactly at END: open, overdue
    ("K02", "2026-10-10 08:00:00", "2026-10-31 23:59:59", "closed", None),     # closed a second before: neither
    ("K03", END, None, "open", "2026-10-01 00:00:00"),                           # received at END: neither
    ("K04", "2026-10-10 08:00:00", "2026-10-09 08:00:00", "closed", None),     # closed before received: never
    ("K05", "2026-10-10 08:00:00", None, "closed", "2026-10-12 00:00:00"),     # closed without a time: neither
    ("K06", "2026-10-10 08:00:00", None, "open", END),                           # due exactly at END: open, not overdue
    ("K07", "2026-10-10 08:00:00", None, None, "2026-10-31 23:59:59"),         # due a second before: overdue
    ("K08", "2026-10-10 08:00:00", None, "open", None),                          # no deadline: open, never overdue
    ("K09", "2026-10-10 08:00:00", "2026-11-03 00:00:00", "closed", "2026-11-05 00:00:00"),  # due after closing
    ("K10", "2026-10-10 08:00:00", "2026-12-01 00:00:00", "closed", "2026-10-05 00:00:00"),  # due before received
    ("K11", "2025-01-01 00:00:00", None, "open", "2025-01-02 00:00:00"),       # long open, long overdue
    ("K12", "2026-10-10 08:00:00", "2026-10-10 08:00:00", "closed", "2026-10-10 08:00:00"),  # closed as received
]


@pytest.mark.parametrize("name", [t.name for t in CATALOG])
def test_stocks_from_open_and_close_events_equal_detail_on_every_boundary(name):
    rows = [fx.row(i, r, closed_at=c, status=s, resolve_by=d, unit_id="G1") for i, r, c, s, d in STOCK_ROWS]
    con = fx.build_store(fx.requests_frame(rows))
    for period in ("2026-10", "2026-09", "2026-11", "2026-10-15..2026-10-31", "2026-11-01..2026-11-02", "2026"):
        p = parse_period(period)
        for level in ("city", "street", "grid"):
            try:
                got = unit_table(con, DEMO_VIEWER, level, p, metric_ids=["backlog", "overdue"], basic_credit=0.9,
                                 source=name)
            except RollupMissing:
                continue
            want = unit_table(con, DEMO_VIEWER, level, p, metric_ids=["backlog", "overdue"], basic_credit=0.9,
                              source="detail")
            pd.testing.assert_frame_equal(got, want, check_exact=True)
    # the hand count at the end of October: K01, K06, K07, K08, K09, K10, K11 open; K01, K07, K10, K11 overdue
    totals = scope_totals(con, DEMO_VIEWER, parse_period("2026-10"), metric_ids=["backlog", "overdue"], basic_credit=0.9,
                          source=name)
    assert (totals["backlog"], totals["overdue"]) == (7, 4)


def test_month_tables_refuse_periods_that_are_not_whole_months():
    con = fixture_store()
    for text in ("W2026-10", "2026-10-01..2026-10-01", "2026-10-02..2026-10-31"):
        with pytest.raises(RollupMissing):
            count_source(con, DEMO_VIEWER, Filters(), (parse_period(text),), source="rollup_unit_month")
    assert count_source(con, DEMO_VIEWER, Filters(), (parse_period("2026-10-01..2026-10-31"),),
                        source="rollup_unit_month") == "rollup_unit_month"


def test_the_planner_takes_the_smallest_table_that_answers():
    sizes = (10_000, {"rollup_daily": 5000, "rollup_unit_month": 400, "rollup_street_month": 100,
                      "rollup_street_month_ways": 300, "rollup_street_day": 200})
    def pick(**kw):
        t = pick_table(sizes, **{"unit_level": None, "month_ok": True, "dims": frozenset(), **kw})
        return t and t.name
    assert pick() == "rollup_street_month"
    assert pick(unit_level="street") == "rollup_street_month"
    assert pick(unit_level="community") == "rollup_unit_month"
    assert pick(dims=frozenset({"channel"})) == "rollup_street_month_ways"
    assert pick(dims=frozenset({"channel", "category"})) is None   # only the finest answers, and it does not pay
    assert pick(dims=frozenset({"channel", "category"}), forced=True) == "rollup_daily"
    assert pick(month_ok=False) == "rollup_street_day"
    assert pick(month_ok=False, unit_level="grid") is None
    # exactly MIN_COMPRESSION (3) times smaller pays; one row more does not
    assert pick_table((600, {**sizes[1], "rollup_street_month": 200}), unit_level=None, month_ok=True,
                      dims=frozenset()).name == "rollup_street_month"
    assert pick_table((600, {**sizes[1], "rollup_street_month": 201, "rollup_street_month_ways": 900,
                             "rollup_unit_month": 900, "rollup_street_day": 900}), unit_level=None, month_ok=True, dims=frozenset()) is None


# --- per-day refreshes: a random sequence of imports (new rows, updates, unchanged rows) and rollbacks

MONTHS = ("2026-01", "2026-02", "2026-03")


def _rows(rng: random.Random, ids: list[str]) -> list[list[str]]:
    cells = [ifx.cell(i, j) for i in range(4) for j in range(4)]
    out = []
    for rid in ids:
        c = rng.choice(cells)
        month = rng.choice(MONTHS)
        # the first and last second of a month sometimes, so a change moves a row across months
        moment = rng.choice([f"{month}-01 00:00:00", f"{month}-28 23:59:59",
                             f"{month}-{rng.randrange(1, 29):02d} {rng.randrange(24):02d}:{rng.randrange(60):02d}:00"])
        closed = rng.random() < 0.7
        names = c["names"] if rng.random() < 0.8 else ("", "", "")
        lon = f"{c['center'][0]:.6f}" if not names[0] else ""
        lat = f"{c['center'][1]:.6f}" if lon else ""
        out.append([rid, moment, rng.choice(["12345热线", "网格巡查"]), rng.choice(ifx.CATEGORIES), "问题", *names,
                    rng.choice(ifx.DEPARTMENTS), moment if rng.random() < 0.9 else "", moment if closed else "",
                    "已办结" if closed else "办理中", "是" if closed else "", rng.choice(["是", "否", ""]),
                    rng.choice(["满意", "基本满意", "不满意", ""]) if closed else "", moment if closed else "", lon, lat])
    return out


def _assert_rollups_match_a_full_rebuild(path, tmp_path):
    copy = tmp_path / "rebuilt.duckdb"
    shutil.copyfile(path, copy)
    con = duckdb.connect(str(copy))
    try:
        before = {t: con.execute(f"SELECT * FROM {t}").df() for t in [*BY_NAME, "rollup_hist"]}
        assert rollup_sizes(con) is not None
        refresh_rollups(con)
        for name, frame in before.items():
            want = con.execute(f"SELECT * FROM {name}").df()
            key = list(want.columns)
            pd.testing.assert_frame_equal(
                frame.sort_values(key, na_position="first").reset_index(drop=True),
                want.sort_values(key, na_position="first").reset_index(drop=True), check_exact=True, obj=name)
    finally:
        con.close()
        copy.unlink()


@pytest.mark.parametrize("share", [float("inf"), rollup.FULL_REBUILD_SHARE], ids=["per-day", "default"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_per_day_refreshes_equal_a_full_rebuild_after_random_writes(tmp_path, seed, share, monkeypatch):
    monkeypatch.setattr(rollup, "FULL_REBUILD_SHARE", share)   # inf: never fall back to a full rebuild
    rng = random.Random(seed)
    path = ifx.build_tiny_store(tmp_path / "s.duckdb")
    pool = [f"W{n:05d}" for n in range(60)]
    done = 0
    for step in range(7):
        if done and rng.random() < 0.3:
            history.rollback(path)
            done -= 1
        else:
            ids = rng.sample(pool, rng.randrange(1, 25))
            rows = _rows(rng, ids)
            csv = ifx.write_csv(tmp_path / f"step{step}.csv", ifx.HEADER, rows)
            [result] = import_files(path, [csv])
            assert result.error is None
            done += 1
        _assert_rollups_match_a_full_rebuild(path, tmp_path)
    con = store.open_read(path)
    try:
        assert con.execute("SELECT count(*) FROM requests").fetchone()[0] > 0
    finally:
        con.close()
