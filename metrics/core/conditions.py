"""The per-row rules over ``requests r`` that every query shares, written once (DESIGN §4).

Plain SQL fragments (values stay bound: ``$start``, ``$end``) and pure Python, so the registry,
the query builder, the pages' extra counts and the alerts say "received in the period",
"visited" and "closed" the same way.
"""
from __future__ import annotations


def received_between(lo: str, hi: str, column: str = "r.received_at") -> str:
    """``column`` in the half-open interval [lo, hi): a request belongs to the period it was received in."""
    return f"{column} >= {lo} AND {column} < {hi}"


IN_PERIOD = received_between("$start", "$end")
"""Received in the period [$start, $end)."""
IN_PERIOD_DAYS = received_between("$start_day", "$end_day", "r.day")
"""The same period on the daily roll-up (periods are whole days)."""

ASSESSABLE = "r.assessable"
VISITED = f"{ASSESSABLE} AND r.visited"
"""A valid return visit of an assessable request."""
IS_CLOSED = "(r.closed_at IS NOT NULL OR r.status = 'closed')"
"""Closed: a closing time, or marked closed without one (assessable or not)."""
CLOSED = f"{ASSESSABLE} AND {IS_CLOSED}"
OPEN_AT_END = (
    f"{ASSESSABLE} AND r.received_at < $end"
    " AND (r.closed_at >= $end OR (r.closed_at IS NULL AND coalesce(r.status, 'open') <> 'closed'))"
)
"""Open at the period end ($end): received before it and not closed by then (a row marked
closed without a time counts as closed)."""
