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
NEVER_CLOSED = "(r.closed_at IS NULL AND coalesce(r.status, 'open') <> 'closed')"
"""No closing time and not marked closed: open at every moment after it was received."""
OPEN_AT_END = f"{ASSESSABLE} AND r.received_at < $end AND (r.closed_at >= $end OR {NEVER_CLOSED})"
"""Open at the period end ($end): received before it and not closed by then (a row marked
closed without a time counts as closed)."""


def stock_events(opens: str) -> tuple[str, str]:
    """A stock "opened at ``opens``, not closed by $end" as two additive per-row events.

    A row is counted at $end (a midnight) iff ``opens < $end <= closed_at`` (or never closed):
    that is [day(opens) < day($end)] − [day(closed_at) < day($end)] when it opens at most when it
    closes, and never otherwise. So the roll-ups count an *open* event on the day of ``opens`` and
    a *close* event on the day of ``closed_at``, and the stock at $end is the sum of both over the
    days before $end. Returns (open condition, close condition); ``opens`` NULL: never counted.
    """
    counted = f"{ASSESSABLE} AND ({opens}) IS NOT NULL"
    return (f"{counted} AND ({NEVER_CLOSED} OR r.closed_at >= ({opens}))",
            f"{counted} AND r.closed_at >= ({opens})")
