"""Headline KPIs for one period with month-on-month change and last year's value (the Overview tiles)."""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from metrics.core.access import Viewer
from metrics.core.filters import Filters
from metrics.core.periods import Period
from metrics.query.tables import change, totals_with_comparisons

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


def overview_kpis(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period,
    metric_ids: tuple[str, ...] = KPI_IDS, filters: Filters | None = None, *, basic_credit: float,
) -> list[Kpi]:
    """The KPIs of ``period``, the previous period and the same period last year, for the viewer's scope."""
    now, before, last = totals_with_comparisons(con, viewer, period, filters, metric_ids, basic_credit=basic_credit)
    return [Kpi(m, now[m], before[m], last[m]) for m in metric_ids]
