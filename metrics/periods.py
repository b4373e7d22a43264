"""Periods: half-open [start, end) ranges of local dates, by received_at (DESIGN §4)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class Period:
    start: dt.date   # inclusive
    end: dt.date     # exclusive
    label: str

    def params(self) -> dict[str, object]:
        return {
            "start": dt.datetime.combine(self.start, dt.time()),
            "end": dt.datetime.combine(self.end, dt.time()),
        }


def month(year: int, month_: int) -> Period:
    start = dt.date(year, month_, 1)
    end = dt.date(year + (month_ == 12), month_ % 12 + 1, 1)
    return Period(start, end, f"{year:04d}-{month_:02d}")


def parse_month(text: str) -> Period:
    """'2026-10' -> the calendar month; raises ValueError naming the text otherwise."""
    try:
        year, mon = (int(p) for p in text.split("-"))
        return month(year, mon)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"period {text!r} is not a month like 2026-10") from exc


def previous_month(period: Period) -> Period:
    before = period.start - dt.timedelta(days=1)
    return month(before.year, before.month)


def same_month_last_year(period: Period) -> Period:
    return month(period.start.year - 1, period.start.month)


def latest_full_month(con: duckdb.DuckDBPyConnection) -> Period | None:
    """The last calendar month whose every day lies within the data, or None if there is no data."""
    last = con.execute("SELECT max(received_at) FROM requests").fetchone()[0]
    if last is None:
        return None
    this = month(last.year, last.month)
    return this if last.date() == this.end - dt.timedelta(days=1) else previous_month(this)
