"""Rates broken down by unit x request category (case-mix adjustment, scorecard category drags)."""
from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from metrics.core.access import SCOPE_PREDICATE, Viewer
from metrics.core.conditions import IN_PERIOD
from metrics.core.periods import Period
from metrics.query.tables import run
from metrics.query.build import rate_count_columns
from metrics.core.sqlfiles import read_sql


def unit_category_rates(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, level: str, period: Period,
    rates: Sequence[str], *, basic_credit: float,
) -> pd.DataFrame:
    """Per unit of ``level`` x category: ``requests`` and, per rate, ``<rate>_num`` and ``<rate>_den``.

    The numerator is the rate's credit sum (e.g. 满意率 counts 基本满意 as ``basic_credit``).
    """
    cols = ["CAST(count(*) AS DOUBLE) AS requests", *rate_count_columns(rates)]
    sql = read_sql("unit_category").format(aggregates=",\n    ".join(cols), in_period=IN_PERIOD, scope=SCOPE_PREDICATE)
    return run(con, sql, {**period.params(), **viewer.scope_params(), "level": level, "basic_credit": basic_credit})
