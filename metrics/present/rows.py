"""The Requests page's CSV: the masked rows behind a number, as UTF-8 with a BOM (Excel opens it in Chinese)."""
from __future__ import annotations

import duckdb

from metrics.core.access import Viewer
from metrics.core.csvsafe import safe_frame
from metrics.core.filters import Filters
from metrics.core.periods import Period
from metrics.query.detail import drill_rows

CSV_LIMIT = 200_000


def rows_csv(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, filters: Filters, metric_id: str | None,
    order_by: str = "received_at", descending: bool = True, headers: dict[str, str] | None = None,
    limit: int = CSV_LIMIT, *, basic_credit: float,
) -> bytes:
    """Up to ``limit`` rows (personal fields masked by the query layer unless the viewer may see them)."""
    rows, _ = drill_rows(con, viewer, period, filters, None, metric_id, order_by, descending, 1, limit,
                         basic_credit=basic_credit)
    if headers:
        rows = rows.rename(columns=headers)
    return safe_frame(rows).to_csv(index=False).encode("utf-8-sig")  # no formula cells
