"""Headlines that fit the data: which KPI tiles, trend lines and map metric a page shows, and how a
metric the data lacks is shown ("not in the data", with the reason) or a partial one ("based on 62 %").

Order of preference (:data:`PREFERENCE`): the three survey rates, then on-time closure, close time,
backlog, overdue. The demo city holds all of them, so its pages keep the survey rates.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from metrics.core.access import Viewer
from metrics.core.filters import Filters
from metrics.core.formats import fmt_count
from metrics.core.i18n import t
from metrics.core.periods import Period, previous, same_period_last_year
from metrics.core.registry import BY_ID
from metrics.query.coverage import Coverage, metric_coverage
from metrics.query.tables import compare_periods

PREFERENCE = ("response_rate", "resolution_rate", "satisfaction_rate",
              "on_time_close_rate", "close_hours_p50", "backlog", "overdue")
MIN_TILES = 3       # a page shows at least this many tiles with values when the data holds them


def pick(coverage: dict[str, Coverage], n: int, *, rates_only: bool = False,
         preference: tuple[str, ...] = PREFERENCE) -> tuple[str, ...]:
    """The first ``n`` metrics of ``preference`` the data holds (rates only, for a percent axis)."""
    held = [m for m in preference if coverage[m].held and (not rates_only or BY_ID[m].unit == "rate")]
    return tuple(held[:n])


def headline_ids(con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period,
                 filters: Filters | None = None, n: int = 3) -> tuple[str, ...]:
    """``requests`` and the ``n`` preferred metrics the period's data holds (the Overview / wall tiles)."""
    return ("requests", *pick(metric_coverage(con, viewer, period, filters, PREFERENCE), n))


def trend_rates(con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period,
                filters: Filters | None = None, n: int = 3) -> tuple[str, ...]:
    """The rate lines of a trend chart: the ``n`` preferred rates the data holds."""
    return pick(metric_coverage(con, viewer, period, filters, PREFERENCE), n, rates_only=True)


def map_metric(con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period,
               filters: Filters | None = None) -> str:
    """The map's default colouring: the first preferred metric the data holds, else requests."""
    return (pick(metric_coverage(con, viewer, period, filters, PREFERENCE), 1) or ("requests",))[0]


def page_metrics(con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, own: tuple[str, ...],
                 filters: Filters | None = None) -> tuple[str, ...]:
    """A page's own tiles, then preferred metrics the data holds until ``MIN_TILES`` of them have data."""
    cov = metric_coverage(con, viewer, period, filters, (*own, *PREFERENCE))
    held = sum(cov[m].held for m in own)
    extra = [m for m in ("requests", *PREFERENCE) if m not in own and (m == "requests" or cov[m].held)]
    return (*own, *extra[:max(0, MIN_TILES - held)])


def compared(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, metric_ids: tuple[str, ...],
    filters: Filters | None = None, *, basic_credit: float,
) -> pd.DataFrame:
    """:func:`compare_periods` with coverage: ``status``, ``share`` and ``missing`` per metric; a metric
    the data lacks has no value, and no change against a period that lacked it."""
    frame = compare_periods(con, viewer, period, metric_ids, filters, basic_credit=basic_credit)
    now = metric_coverage(con, viewer, period, filters, metric_ids)
    before = metric_coverage(con, viewer, previous(period), filters, metric_ids)
    last = metric_coverage(con, viewer, same_period_last_year(period), filters, metric_ids)
    rows = []
    for row in frame.to_dict("records"):
        m = row["metric_id"]
        if not now[m].held:
            row.update(value=None, mom=None, yoy=None)
        if not before[m].held:
            row.update(previous=None, mom=None)
        if not last[m].held:
            row.update(last_year=None, yoy=None)
        rows.append({**row, "status": now[m].status, "share": now[m].share, "missing": now[m].missing})
    return pd.DataFrame(rows, columns=[*frame.columns, "status", "share", "missing"])


def field_names(missing: tuple[str, ...], lang: str) -> str:
    """The stored fields a metric lacks, in words ("a|b" alternatives joined by "/")."""
    return "、".join("/".join(t(f"field.{a}", lang) for a in f.split("|")) for f in missing) if lang == "zh" \
        else ", ".join(" / ".join(t(f"field.{a}", lang) for a in f.split("|")) for f in missing)


def not_in_data_reason(missing: tuple[str, ...], lang: str) -> str:
    """Why a metric is not in the data: the stored fields it needs and the data lacks."""
    return t("coverage.reason", lang, fields=field_names(missing, lang))


def empty_message(coverage: Coverage, lang: str) -> str | None:
    """What an empty chart of this metric lacks ("100 requests exist but have no response times"), or None
    when the period has no requests or the metric is in the data (the generic "no requests" applies)."""
    if not coverage.requests or coverage.held:
        return None
    return t("no_data.missing", lang, n=fmt_count(coverage.requests, lang), fields=field_names(coverage.missing, lang))


def coverage_note(status: str, share: float | None, lang: str) -> str | None:
    """"based on 62 % of requests" for partial coverage, else None."""
    if status != "partial" or share is None:
        return None
    return t("coverage.partial", lang, share=f"{100 * share:.0f}")

