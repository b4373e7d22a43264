"""Headline KPIs for one period with month-on-month and year-on-year change (the Overview tiles)."""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from metrics.access import Viewer
from metrics.filters import Filters
from metrics.periods import Period, previous, same_period_last_year
from metrics.queries import BASIC_CREDIT, change, scope_totals

KPI_IDS = ("requests", "response_rate", "resolution_rate", "satisfaction_rate")


@dataclass(frozen=True)
class Kpi:
    metric_id: str
    value: float | None
    previous: float | None
    last_year: float | None = None

    @property
    def change(self) -> float | None:
        """vs the previous period. Rates: difference in percentage points (as a fraction); others: relative."""
        return change(self.metric_id, self.value, self.previous)

    @property
    def yoy_change(self) -> float | None:
        """vs the same period a year earlier, as :attr:`change`."""
        return change(self.metric_id, self.value, self.last_year)


def overview_kpis(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period,
    metric_ids: tuple[str, ...] = KPI_IDS, basic_credit: float = BASIC_CREDIT,
    filters: Filters | None = None,
) -> list[Kpi]:
    """The KPIs of ``period``, the previous period and the same period last year, for the viewer's scope."""
    now = scope_totals(con, viewer, period, filters, metric_ids, basic_credit)
    before = scope_totals(con, viewer, previous(period), filters, metric_ids, basic_credit)
    last = scope_totals(con, viewer, same_period_last_year(period), filters, metric_ids, basic_credit)
    return [Kpi(m, now[m], before[m], last[m]) for m in metric_ids]
