"""Which metrics the data holds: per metric, its stored fields' coverage in a period and scope.

A metric is *missing* ("not in the data") when one of the fields it needs (registry ``fields``)
has no value in the period's requests, or (for fields every request should carry, e.g. deadlines)
a value on fewer than :data:`MIN_SHARE` of them; *partial* when such a field covers only part
of the requests ("based on 62 % of requests"); else *ok*. Fields with a stored default
(``is_repeat``, ``returned_count``) count as held only for rows whose import supplied them
(``import_fields``); rows of an import that recorded no coverage (the demo generator, a store
older than schema 2) hold every field. One function for the pages, the wall and the exports.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import duckdb

from metrics.core.access import SCOPE_PREDICATE, Viewer
from metrics.core.filters import Filters
from metrics.core.periods import Period
from metrics.core.registry import resolve

Status = Literal["ok", "partial", "missing"]

MIN_SHARE = 0.05        # below this share of the period's requests a per-request field counts as absent
FULL_SHARE = 0.995      # from this share on, coverage is complete (no "based on …" note)
# Null for some requests by their nature (open, not contacted, not visited): held when any row has one.
SPARSE = ("visited", "contacted", "resolved", "satisfaction", "first_contact_at", "closed_at", "status")
# Expected on every request when the source has them: their share of requests is the coverage.
PER_REQUEST = ("resolve_by", "respond_by", "source")
# Stored with a default when the source lacks them: held where the import supplied the column.
DEFAULTED = ("is_repeat", "returned_count", "extended")


@dataclass(frozen=True)
class Coverage:
    """How far the period's requests hold a metric's fields."""

    metric_id: str
    status: Status
    share: float | None          # lowest coverage share of the metric's fields (None: no requests)
    missing: tuple[str, ...] = ()  # the fields the data lacks (status 'missing')
    requests: int = 0

    @property
    def held(self) -> bool:
        return self.status != "missing"


_COUNTS_SQL = """
SELECT r.import_id, count(*) AS n, {counts}
FROM requests r
WHERE r.received_at >= $start AND r.received_at < $end AND {scope} AND {filters}
GROUP BY 1
"""


def field_shares(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, filters: Filters | None = None,
) -> tuple[int, dict[str, float]]:
    """(requests in the period and scope, share of them holding each stored field in SPARSE/PER_REQUEST/DEFAULTED)."""
    filters = filters or Filters()
    direct = (*SPARSE, *PER_REQUEST)
    sql = _COUNTS_SQL.format(counts=", ".join(f"count(r.{f}) AS {f}" for f in direct),
                             scope=SCOPE_PREDICATE, filters=filters.where_sql())
    rows = con.execute(sql, {**period.params(), **viewer.scope_params(), **filters.params()}).fetchall()
    total = sum(r[1] for r in rows)
    if not total:
        return 0, {f: 0.0 for f in (*direct, *DEFAULTED)}
    shares = {f: sum(r[2 + i] for r in rows) / total for i, f in enumerate(direct)}
    supplied: dict[str, dict[str, float]] = {}
    for import_id, field, with_value, read in con.execute(
        "SELECT import_id, field, rows_with_value, rows_read FROM import_fields WHERE list_contains($ids, import_id)",
        {"ids": [r[0] for r in rows if r[0] is not None]},
    ).fetchall():
        supplied.setdefault(import_id, {})[field] = with_value / read if read else 0.0
    for f in DEFAULTED:  # an import without coverage rows supplied everything
        shares[f] = sum(r[1] * (supplied[r[0]].get(f, 0.0) if r[0] in supplied else 1.0) for r in rows) / total
    return total, shares


def _field_share(field: str, shares: dict[str, float]) -> float:
    """The share of an ``a|b`` requirement: the better of its alternatives."""
    return max(shares[f] for f in field.split("|"))


def metric_coverage(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, filters: Filters | None = None,
    metric_ids: tuple[str, ...] | list[str] | None = None,
) -> dict[str, Coverage]:
    """Coverage of each metric (all when None) in ``period`` for the viewer's scope and filters."""
    total, shares = field_shares(con, viewer, period, filters)
    return {m.id: judge(m.id, m.fields, total, shares) for m in resolve(metric_ids)}


def judge(metric_id: str, fields: tuple[str, ...], total: int, shares: dict[str, float]) -> Coverage:
    """A metric's coverage from its fields' shares among ``total`` requests."""
    if not total or not fields:
        return Coverage(metric_id, "ok", 1.0 if total else None, requests=total)
    held = {f: _field_share(f, shares) for f in fields}
    # sparse fields: any value will do; the others must reach MIN_SHARE
    missing = tuple(f for f, s in held.items()
                    if s <= 0 or (all(a not in SPARSE for a in f.split("|")) and s < MIN_SHARE))
    graded = [s for f, s in held.items() if all(a not in SPARSE for a in f.split("|"))]
    share = min(graded) if graded else 1.0
    if missing:
        return Coverage(metric_id, "missing", share, missing, total)
    return Coverage(metric_id, "partial" if share < FULL_SHARE else "ok", share, requests=total)
