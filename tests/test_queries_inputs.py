"""Periods, filters and masking: the inputs and outputs of the query layer."""
from __future__ import annotations

import datetime as dt

import pytest

from metrics.core import periods
from metrics.core.filters import Filters
from metrics.core.masking import mask_address, mask_frame, mask_name, mask_phone, mask_text
from metrics.core.periods import parse_period, previous, same_period_last_year

D = dt.date


@pytest.mark.parametrize("text, start, end, kind", [
    ("2026-10", D(2026, 10, 1), D(2026, 11, 1), "month"),
    ("2026-12", D(2026, 12, 1), D(2027, 1, 1), "month"),
    ("2026-Q3", D(2026, 7, 1), D(2026, 10, 1), "quarter"),
    ("2026-Q4", D(2026, 10, 1), D(2027, 1, 1), "quarter"),
    ("2026", D(2026, 1, 1), D(2027, 1, 1), "year"),
    ("W2026-10", D(2026, 9, 19), D(2026, 10, 19), "window"),
    ("W2026-01", D(2025, 12, 19), D(2026, 1, 19), "window"),
    ("2026-10-01..2026-10-31", D(2026, 10, 1), D(2026, 11, 1), "custom"),
    ("2026-10-05..2026-10-05", D(2026, 10, 5), D(2026, 10, 6), "custom"),
])
def test_parse_period_round_trips(text, start, end, kind):
    period = parse_period(text)
    assert (period.start, period.end, period.kind) == (start, end, kind)
    assert parse_period(period.label) == period


@pytest.mark.parametrize("text, prev, last_year", [
    ("2026-01", "2025-12", "2025-01"),
    ("2026-Q1", "2025-Q4", "2025-Q1"),
    ("2026", "2025", "2025"),
    ("W2026-01", "W2025-12", "W2025-01"),
    ("2026-10-10..2026-10-19", "2026-09-30..2026-10-09", "2025-10-10..2025-10-19"),
    ("2024-02-29..2024-03-01", "2024-02-27..2024-02-28", "2023-02-28..2023-03-01"),
])
def test_previous_and_last_year(text, prev, last_year):
    period = parse_period(text)
    assert previous(period) == parse_period(prev)
    assert same_period_last_year(period) == parse_period(last_year)


def test_window_ending_other_start_day():
    window = periods.window_ending(2026, 3, start_day=26)
    assert (window.start, window.end) == (D(2026, 2, 26), D(2026, 3, 26))
    assert parse_period(window.label) == window


@pytest.mark.parametrize("bad", ["2026-13", "2026-Q5", "26-10", "2026-10-31..2026-10-01", "last month", ""])
def test_bad_periods_are_named(bad):
    with pytest.raises(ValueError, match="period"):
        parse_period(bad)


def test_parse_month_stays_strict():
    assert periods.parse_month("2026-10") == periods.month(2026, 10)
    with pytest.raises(ValueError, match="not a month"):
        periods.parse_month("2026-Q3")


def test_filters_sql_binds_values_not_text():
    f = Filters(categories=("噪音扰民", "x' OR 1=1 --"), channels=("12345",), unit_id="S1")
    sql, params = f.where_sql(), f.params()
    assert "OR 1=1" not in sql and "噪音" not in sql and "S1" not in sql
    assert params == {"f_categories": ["x' OR 1=1 --", "噪音扰民"], "f_channels": ["12345"], "f_unit": "S1"}
    assert Filters().where_sql() == "TRUE" and Filters().params() == {}


@pytest.mark.parametrize("filters", [
    Filters(), Filters(categories=("噪音扰民", "供暖")), Filters(sources=("proactive",), unit_id="S01"),
    Filters(channels=("app", "12345"), urgencies=("urgent",)),
])
def test_filters_url_round_trip(filters):
    assert Filters.from_query(filters.to_query()) == filters


def test_filters_from_streamlit_style_query():
    f = Filters.from_query({"cat": ["噪音扰民", "供暖"], "unit": "S1", "other": "x"})
    assert f == Filters(categories=("供暖", "噪音扰民"), unit_id="S1")
    assert hash(f) == hash(Filters(categories=("噪音扰民", "供暖", "供暖"), unit_id="S1"))


@pytest.mark.parametrize("fn, raw, masked", [
    (mask_name, "张三明", "张*明"), (mask_name, "欧阳娜娜", "欧**娜"), (mask_name, "李四", "李*"), (mask_name, None, None),
    (mask_phone, "13812345678", "138****5678"), (mask_phone, "138-1234-5678", "138****5678"),
    (mask_phone, "010-62345678", "010****5678"), (mask_phone, "12345", "*****"),
    (mask_address, "东城区一街道甲社区3号楼2单元501", "东城区一街道甲社区***"),
    (mask_address, "朝阳路18号院", "朝阳路***"), (mask_address, "幸福村5组", "幸福村***"),
    (mask_text, "请联系13812345678或010-62345678", "请联系138****5678或010-****5678"),
    (mask_text, "身份证110101199003071234", "身份证110101********1234"), (mask_text, "无号码", "无号码"),
])
def test_masking(fn, raw, masked):
    assert fn(raw) == masked


def test_mask_frame_touches_only_personal_columns():
    import pandas as pd
    frame = pd.DataFrame({"request_id": ["R1"], "citizen_phone": ["13812345678"], "category": ["噪音扰民"]})
    out = mask_frame(frame)
    assert out.loc[0, "citizen_phone"] == "138****5678" and out.loc[0, "category"] == "噪音扰民"
    assert frame.loc[0, "citizen_phone"] == "13812345678"


@pytest.mark.parametrize("text", ["0001-01", "9999-12", "W0001-01", "1899-Q4", "3000", "0001-01-01..2026-01-01"])
def test_periods_outside_the_supported_years_are_refused_by_name(text):
    with pytest.raises(ValueError, match=f"period '{text}' is outside the years 1900–2999"):
        parse_period(text)


def test_the_edges_of_the_supported_years_have_neighbours():
    first, last = parse_period("1900-01"), parse_period("2999-12")
    assert previous(first).label == "1899-12" and same_period_last_year(last).label == "2998-12"
    assert periods.parse_month("2999-12") == last
