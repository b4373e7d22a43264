"""When requests arrive: the window of months, daily volume and the hour of day."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

# 春节 (first day of the lunar new year).
SPRING_FESTIVAL = {
    2018: "2018-02-16", 2019: "2019-02-05", 2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01",
    2023: "2023-01-22", 2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17", 2027: "2027-02-06",
    2028: "2028-01-26", 2029: "2029-02-13", 2030: "2030-02-03", 2031: "2031-01-23", 2032: "2032-02-11",
}
# Multiplier on daily volume by offset from 春节: quiet from 除夕 to the 6th day of the holiday.
FESTIVAL_DIP = {-3: 0.85, -2: 0.75, -1: 0.45, 0: 0.4, 1: 0.4, 2: 0.42, 3: 0.45, 4: 0.5, 5: 0.55, 6: 0.65,
                7: 0.8, 8: 0.9}
WEEKDAY = np.array([1.12, 1.08, 1.05, 1.05, 1.02, 0.85, 0.78])  # Monday first

_HOTLINE = [0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.5, 1.5, 3.5, 5.5, 6.0, 5.5,
            6.5, 6.0, 5.0, 5.0, 4.8, 4.5, 4.5, 5.6, 5.8, 4.5, 2.5, 1.0]
_PATROL = [0] * 8 + [3, 5, 6, 5, 2, 3, 5, 5, 4, 2] + [0] * 6
_NIGHT = [2.0, 1.2, 0.6, 0.3, 0.2, 0.2, 0.5, 1.0, 1.5, 2.0, 2.5, 2.5,
          3.0, 3.0, 2.5, 2.5, 2.5, 2.5, 3.0, 4.5, 6.0, 7.0, 7.0, 4.5]
HOUR_PROFILES = np.array([_HOTLINE, _PATROL, _NIGHT], dtype=float)  # citizen, patrol, night (noise)


def last_full_month(today: dt.date | None = None) -> dt.date:
    """First day of the month before today's month."""
    first = (today or dt.date.today()).replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Window:
    """``months`` calendar months ending with the month starting at ``end``."""

    end: dt.date
    months: int

    @property
    def first(self) -> dt.date:
        return add_months(self.end, -(self.months - 1))

    @property
    def stop(self) -> dt.date:
        """First day after the window."""
        return add_months(self.end, 1)

    def seconds(self, day: dt.date) -> int:
        return int((day - dt.date(1970, 1, 1)).days) * 86_400

    def days(self) -> np.ndarray:
        return np.arange(np.datetime64(self.first, "D"), np.datetime64(self.stop, "D"))


def festival_factor(days: np.ndarray) -> np.ndarray:
    """Daily multiplier for the Spring Festival dip, 1 elsewhere."""
    factor = np.ones(len(days))
    years = days.astype("datetime64[Y]").astype(int) + 1970
    for year in np.unique(years):
        festival = np.datetime64(SPRING_FESTIVAL.get(int(year), f"{year}-02-05"), "D")
        offset = (days - festival).astype(int)
        for off, mult in FESTIVAL_DIP.items():
            factor[offset == off] = mult
    return factor


def calendar(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(month index within the window, month of year 0-11, weekday 0=Monday) for each day."""
    month = days.astype("datetime64[M]")
    month_index = (month - month[0]).astype(int)
    month_of_year = month.astype(int) % 12
    weekday = (days.astype(int) + 3) % 7  # 1970-01-01 was a Thursday
    return month_index, month_of_year, weekday


def daily_weights(days: np.ndarray, seasonal_volume: np.ndarray) -> np.ndarray:
    """Relative volume per day: weekday, Spring Festival, season (per month of year), slow growth."""
    month_index, month_of_year, weekday = calendar(days)
    growth = 1.0 + 0.15 * np.arange(len(days)) / max(len(days) - 1, 1)
    w = WEEKDAY[weekday] * festival_factor(days) * seasonal_volume[month_of_year] * growth
    return w / w.sum()


def sample_hours(rng: np.random.Generator, profile: np.ndarray) -> np.ndarray:
    """An hour 0-23 for each request from its profile index into HOUR_PROFILES."""
    cum = np.cumsum(HOUR_PROFILES, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(len(profile))
    hours = np.zeros(len(profile), dtype=np.int64)
    for p in range(len(HOUR_PROFILES)):
        sel = profile == p
        hours[sel] = np.searchsorted(cum[p], u[sel], side="right")
    return np.minimum(hours, 23)
