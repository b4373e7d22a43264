"""Periods: half-open [start, end) ranges of local dates, by received_at (DESIGN §4).

Kinds: calendar ``month``, ``quarter``, ``year``, an assessment ``window`` (the 19th of the
previous month to the 18th of this month inclusive, by default) and a ``custom`` range of
whole days. Each kind knows its previous period and the same period a year earlier, and
:func:`parse_period` reads back every label it writes.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

import duckdb

Kind = Literal["month", "quarter", "year", "window", "custom"]


@dataclass(frozen=True)
class Period:
    start: dt.date   # inclusive
    end: dt.date     # exclusive
    label: str
    kind: Kind = "custom"
    start_day: int = 19   # windows only

    def params(self) -> dict[str, object]:
        return {
            "start": dt.datetime.combine(self.start, dt.time()),
            "end": dt.datetime.combine(self.end, dt.time()),
        }

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)


def month(year: int, month_: int) -> Period:
    start = dt.date(year, month_, 1)
    end = dt.date(year + (month_ == 12), month_ % 12 + 1, 1)
    return Period(start, end, f"{year:04d}-{month_:02d}", "month")


def quarter(year: int, q: int) -> Period:
    if not 1 <= q <= 4:
        raise ValueError(f"quarter {q} is not 1..4")
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1)
    return Period(start, end, f"{year:04d}-Q{q}", "quarter")


def year(year_: int) -> Period:
    return Period(dt.date(year_, 1, 1), dt.date(year_ + 1, 1, 1), f"{year_:04d}", "year")


def custom(first_day: dt.date, last_day: dt.date) -> Period:
    """Whole days ``first_day`` … ``last_day``, both inclusive."""
    if last_day < first_day:
        raise ValueError(f"range {first_day}..{last_day} ends before it starts")
    return Period(first_day, last_day + dt.timedelta(days=1), f"{first_day.isoformat()}..{last_day.isoformat()}")


def window_ending(year_: int, month_: int, start_day: int = 19) -> Period:
    """The assessment window of ``year_-month_``: previous month's ``start_day`` to this month's ``start_day - 1``."""
    if not 2 <= start_day <= 28:
        raise ValueError(f"window start day {start_day} is not 2..28")
    before = dt.date(year_, month_, 1) - dt.timedelta(days=1)
    label = f"W{year_:04d}-{month_:02d}" + ("" if start_day == 19 else f"@{start_day}")
    return Period(dt.date(before.year, before.month, start_day), dt.date(year_, month_, start_day), label,
                  "window", start_day)


def _shift_month(year_: int, month_: int, by: int) -> tuple[int, int]:
    index = year_ * 12 + month_ - 1 + by
    return index // 12, index % 12 + 1


def _same_day_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def previous(period: Period) -> Period:
    """The period of the same kind just before (a custom range: the same number of days before)."""
    if period.kind == "month":
        return month(*_shift_month(period.start.year, period.start.month, -1))
    if period.kind == "quarter":
        y, m = _shift_month(period.start.year, period.start.month, -3)
        return quarter(y, (m - 1) // 3 + 1)
    if period.kind == "year":
        return year(period.start.year - 1)
    if period.kind == "window":
        y, m = _shift_month(period.end.year, period.end.month, -1)
        return window_ending(y, m, period.start_day)
    return custom(period.start - dt.timedelta(days=period.days), period.start - dt.timedelta(days=1))


def same_period_last_year(period: Period) -> Period:
    """The same period one year earlier (year-on-year comparison)."""
    if period.kind == "month":
        return month(period.start.year - 1, period.start.month)
    if period.kind == "quarter":
        return quarter(period.start.year - 1, (period.start.month - 1) // 3 + 1)
    if period.kind == "year":
        return year(period.start.year - 1)
    if period.kind == "window":
        return window_ending(period.end.year - 1, period.end.month, period.start_day)
    return custom(_same_day_year_before(period.start), _same_day_year_before(period.last_day))


_PATTERNS: tuple[tuple[re.Pattern[str], object], ...] = (
    (re.compile(r"(\d{4})-(\d{1,2})"), lambda m: month(int(m[1]), int(m[2]))),
    (re.compile(r"(\d{4})-?Q([1-4])", re.I), lambda m: quarter(int(m[1]), int(m[2]))),
    (re.compile(r"(\d{4})"), lambda m: year(int(m[1]))),
    (re.compile(r"W(\d{4})-(\d{1,2})(?:@(\d{1,2}))?", re.I),
     lambda m: window_ending(int(m[1]), int(m[2]), int(m[3] or 19))),
    (re.compile(r"(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})"),
     lambda m: custom(dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2]))),
)


YEARS = (1900, 2999)   # periods outside are refused: their neighbours (previous, a year before) must exist


def parse_period(text: str) -> Period:
    """'2026-10', '2026-Q3', '2026', 'W2026-10' (19th–18th window) or '2026-10-01..2026-10-31'."""
    cleaned = str(text).strip()
    for pattern, build in _PATTERNS:
        found = pattern.fullmatch(cleaned)
        if found:
            if any(not YEARS[0] <= int(y) <= YEARS[1] for y in re.findall(r"(?<!\d)\d{4}(?!\d)", cleaned)):
                raise ValueError(f"period {text!r} is outside the years {YEARS[0]}–{YEARS[1]}")
            try:
                period = build(found)
            except (ValueError, OverflowError) as exc:
                raise ValueError(f"period {text!r}: {exc}") from exc
            if period.start.year < YEARS[0] or period.last_day.year > YEARS[1]:
                raise ValueError(f"period {text!r} is outside the years {YEARS[0]}–{YEARS[1]}")
            return period
    raise ValueError(
        f"period {text!r} is not one of 2026-10, 2026-Q3, 2026, W2026-10 (19th–18th window) "
        "or 2026-10-01..2026-10-31"
    )


def parse_month(text: str) -> Period:
    """'2026-10' -> the calendar month; raises ValueError naming the text otherwise."""
    period = None
    try:
        period = parse_period(text)
    except ValueError as exc:
        if "outside the years" in str(exc):
            raise
    if period is None or period.kind != "month":
        raise ValueError(f"period {text!r} is not a month like 2026-10")
    return period


def latest_full_month(con: duckdb.DuckDBPyConnection) -> Period | None:
    """The last calendar month whose every day lies within the data, or None if there is no data."""
    last = con.execute("SELECT max(received_at) FROM requests").fetchone()[0]
    if last is None:
        return None
    this = month(last.year, last.month)
    return this if last.date() == this.last_day else previous(this)
