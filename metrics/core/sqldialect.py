"""The few DuckDB-specific SQL spellings the metric queries use (DESIGN §9, §10).

Everything else in metrics/ is portable SQL. To run the same definitions on another
engine (Spark via SQLGlot), change these functions, not the queries. Arguments are SQL
expressions or bound-parameter names built by our own code, never user values.
"""
from __future__ import annotations

GRAINS: tuple[str, ...] = ("day", "week", "month", "quarter", "year")


def hours_between(start: str, end: str) -> str:
    """Hours from ``start`` to ``end`` as DOUBLE: ``epoch(b) - epoch(a)``, never ``epoch(b - a)``."""
    return f"((epoch({end}) - epoch({start})) / 3600)"


QUANTILE_DIGITS = 9
"""Decimals a percentile is rounded to (hours: 3.6 µs). Engines interpolate between the same two
order statistics with differently ordered float arithmetic (DuckDB and Spark differ in the last bit);
over whole-second durations the exact value is k / 36000 h for fractions p of one or two decimals,
never near a rounding tie at 9 decimals, so the rounded percentile is the same on every engine."""


def quantile(expr: str, p: float) -> str:
    """Continuous (interpolated) quantile, rounded to :data:`QUANTILE_DIGITS`; NULLs ignored.
    ``quantile_cont`` only (DESIGN §10)."""
    return f"round(quantile_cont({expr}, {float(p)!r}), {QUANTILE_DIGITS})"


def truncate(grain: str, expr: str) -> str:
    """The first day of the ``grain`` containing ``expr``, as DATE (weeks start on Monday)."""
    if grain not in GRAINS:
        raise ValueError(f"grain {grain!r} is not one of {', '.join(GRAINS)}")
    return f"CAST(date_trunc('{grain}', {expr}) AS DATE)"


def to_date(expr: str) -> str:
    return f"CAST({expr} AS DATE)"


def in_list(column: str, param: str) -> str:
    """``column`` is one of the values of the bound list parameter ``$param``."""
    return f"list_contains(${param}, {column})"


def rows_from_lists(columns: dict[str, str]) -> str:
    """A SELECT zipping bound list parameters into rows: ``{"key": "b_key"}`` -> one ``key`` per element."""
    return "SELECT " + ", ".join(f"unnest(${param}) AS {name}" for name, param in columns.items())


def hour_of_day(expr: str) -> str:
    return f"hour({expr})"


def iso_weekday(expr: str) -> str:
    """1 = Monday … 7 = Sunday."""
    return f"isodow({expr})"
