"""Headline KPIs for one period with month-on-month change (the Overview tiles)."""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from metrics.access import SCOPE_PREDICATE, Viewer
from metrics.periods import Period, previous_month
from metrics.registry import BY_ID

KPI_IDS = ("requests", "response_rate", "resolution_rate", "satisfaction_rate")
BASIC_CREDIT = 0.9   # DESIGN §5 default; schemes may override


@dataclass(frozen=True)
class Kpi:
    metric_id: str
    value: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        """Rates: difference in percentage points (as a fraction); counts: relative change."""
        if self.value is None or self.previous is None:
            return None
        if BY_ID[self.metric_id].unit == "rate":
            return self.value - self.previous
        return (self.value - self.previous) / self.previous if self.previous else None


def _kpi_sql(metric_ids: tuple[str, ...]) -> str:
    cols = ",\n    ".join(f"{BY_ID[m].sql()} AS {m}" for m in metric_ids)
    return f"""
SELECT
    CASE WHEN r.received_at >= $start THEN 'current' ELSE 'previous' END AS which,
    {cols}
FROM requests r
WHERE r.received_at >= $prev_start AND r.received_at < $end
  AND {SCOPE_PREDICATE}
GROUP BY 1
"""


def overview_kpis(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period,
    metric_ids: tuple[str, ...] = KPI_IDS, basic_credit: float = BASIC_CREDIT,
) -> list[Kpi]:
    """The KPIs of ``period`` and of the month before it, for the viewer's scope."""
    prev = previous_month(period)
    params = {
        **period.params(), "prev_start": prev.params()["start"],
        **viewer.scope_params(), "basic_credit": basic_credit,
    }
    rows = con.execute(_kpi_sql(metric_ids), params).fetchall()
    by_which = {row[0]: row[1:] for row in rows}
    empty = tuple(0 if BY_ID[m].unit == "count" else None for m in metric_ids)
    cur, before = by_which.get("current", empty), by_which.get("previous", empty)
    return [Kpi(m, cur[i], before[i]) for i, m in enumerate(metric_ids)]
