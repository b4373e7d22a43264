"""The monthly bulletin (月度通报) as data: every figure its writers print, from the pages' own calls.

Totals and their changes come from :func:`metrics.query.tables.totals_with_comparisons` (the
Overview's KPI tiles), scores, ranks, grades and lists from :func:`metrics.assess.engine.assess`
(= ``python -m metrics scores``), floors and overdue units from :mod:`metrics.assess.alerts`,
category moves from :func:`metrics.query.detail.category_top` and the volume trend from
:func:`metrics.query.tables.time_series`. The writers (metrics/export/bulletin_*.py) lay these
values out and write sentences around them; they never compute a figure.

A metric the data does not hold (NULL: e.g. no return visits) stays None here and the writers leave
its sentence out or print a dash; it is never shown as 0.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from metrics.assess.alerts import Alert, floor_alerts
from metrics.assess.engine import assess
from metrics.assess.lists import black_list, red_list, score_change
from metrics.assess.schemes import Scheme
from metrics.assess.scorecard import Definition, definitions_for, missing
from metrics.core.access import Viewer
from metrics.core.periods import Period, month, previous, same_period_last_year
from metrics.core.registry import BY_ID
from metrics.query.coverage import metric_coverage
from metrics.query.detail import category_top
from metrics.query.tables import time_series, totals_with_comparisons

THREE_RATES = ("response_rate", "resolution_rate", "satisfaction_rate")
TIMELINESS = ("on_time_response_rate", "on_time_close_rate")
TOTAL_IDS = ("requests", *THREE_RATES, *TIMELINESS, "proactive_share", "backlog", "overdue")
TREND_MONTHS = 12
TOP_CATEGORIES = 5
ALL_CATEGORIES = 1000


@dataclass(frozen=True)
class Row:
    """One unit of the ranking table."""

    unit_id: str
    name: str
    name_en: str | None
    parent: str | None                                # the parent unit's name (street names repeat)
    parent_en: str | None
    requests: int
    values: tuple[tuple[str, float | None], ...]     # (metric, value) per scheme indicator
    score: float | None
    score_change: float | None                        # vs the previous period
    rank: int | None
    grade_zh: str | None
    grade_en: str | None
    insufficient: bool
    insufficient_reason: str
    on_list: str | None                               # 'red' | 'black' | None
    overdue: int

    def display_name(self, lang: str) -> str:
        return self.name if lang == "zh" or not self.name_en else self.name_en

    def parent_name(self, lang: str) -> str:
        return (self.parent if lang == "zh" or not self.parent_en else self.parent_en) or ""

    def grade(self, lang: str) -> str | None:
        return self.grade_zh if lang == "zh" else self.grade_en


@dataclass(frozen=True)
class CategoryMove:
    category: str
    requests: int
    previous: int

    @property
    def increase(self) -> int:
        return self.requests - self.previous

    @property
    def change(self) -> float | None:
        """Relative change vs the previous period (None when the previous period had none)."""
        return (self.requests - self.previous) / self.previous if self.previous else None


@dataclass(frozen=True)
class Bulletin:
    scheme: Scheme
    period: Period
    level: str
    issue: int                                        # 第 N 期: the month of the year
    generated_at: dt.datetime
    now: dict[str, float | None]                      # TOTAL_IDS for the period
    before: dict[str, float | None]                   # ... for the previous period
    last_year: dict[str, float | None]
    rows: tuple[Row, ...]                             # ranked units in rank order, then unranked ones
    red: tuple[str, ...]                              # unit ids, best first
    black: tuple[str, ...]                            # unit ids, worst first
    floors: tuple[Alert, ...]                         # units below a floor or in the bottom band
    rising: tuple[CategoryMove, ...]                  # the categories that rose most (by count)
    trend: tuple[tuple[str, int], ...]                # (YYYY-MM, requests), oldest first, ending with the period
    definitions: tuple[Definition, ...]

    @property
    def rates(self) -> tuple[str, ...]:
        """The three rates the data holds; if it holds none, the timeliness rates it holds."""
        held = tuple(m for m in THREE_RATES if not missing(self.now.get(m)))
        return held or tuple(m for m in TIMELINESS if not missing(self.now.get(m)))

    @property
    def ranked(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.rank is not None)

    @property
    def unranked(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.rank is None)

    def row(self, unit_id: str) -> Row:
        return next(r for r in self.rows if r.unit_id == unit_id)


def _num(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _text(value: object) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _names(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, tuple[str, str | None]]:
    rows = con.execute("SELECT unit_id, name, name_en FROM units WHERE unit_id IN (SELECT unnest($ids))",
                       {"ids": ids}).fetchall()
    return {u: (zh, en) for u, zh, en in rows}


def _trend(con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, scheme: Scheme
           ) -> tuple[tuple[str, int], ...]:
    """Requests per calendar month, the TREND_MONTHS months ending with the period's last month."""
    last = month(period.last_day.year, period.last_day.month)
    first = last
    for _ in range(TREND_MONTHS - 1):
        first = previous(first)
    span = Period(first.start, last.end, f"{first.label}..{last.label}")
    series = time_series(con, viewer, ["requests"], span, grain="month", basic_credit=scheme.basic_credit)
    return tuple((f"{pd.Timestamp(b):%Y-%m}", int(n or 0)) for b, n in zip(series["bucket"], series["requests"]))


def _held(con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period,
          totals: dict[str, float | None]) -> dict[str, float | None]:
    """The totals with every metric the period's data does not hold set to None: "not in the data",
    never 0 % (e.g. the proactive share of an export without a source column)."""
    coverage = metric_coverage(con, viewer, period, None, [m for m in totals if m in BY_ID])
    return {m: v if m not in coverage or coverage[m].held else None for m, v in totals.items()}


def build_bulletin(con: duckdb.DuckDBPyConnection, viewer: Viewer, scheme: Scheme, period: Period,
                   level: str | None = None) -> Bulletin:
    """The bulletin of ``period`` under ``scheme`` for the viewer's scope, at ``level`` (default: the scheme's)."""
    level = level or scheme.level
    extra = (*THREE_RATES, "overdue")
    scored = assess(con, viewer, scheme, period, level, extra_metrics=extra)
    prev = assess(con, viewer, scheme, previous(period), level)
    scored = score_change(scored, prev)
    red = tuple(red_list(scored, scheme)["unit_id"])
    black = tuple(u for u in black_list(scored, scheme)["unit_id"] if u not in red)
    parents = _names(con, [p for p in scored["parent_id"].dropna().unique()])
    order = scored.sort_values(["rank", "unit_id"], na_position="last", kind="stable")
    rows = tuple(Row(
        unit_id=str(r["unit_id"]), name=str(r["unit_name"]), name_en=_text(r.get("name_en")),
        parent=parents.get(_text(r.get("parent_id")), (None, None))[0],
        parent_en=parents.get(_text(r.get("parent_id")), (None, None))[1],
        requests=int(_num(r["requests"]) or 0),
        values=tuple((i.metric, _num(r[i.metric])) for i in scheme.indicators),
        score=_num(r["score"]), score_change=_num(r["score_change"]),
        rank=None if pd.isna(r["rank"]) else int(r["rank"]),
        grade_zh=_text(r["grade_zh"]), grade_en=_text(r["grade_en"]), insufficient=bool(r["insufficient"]),
        insufficient_reason=str(r["insufficient_reason"] or ""),
        on_list="red" if r["unit_id"] in red else "black" if r["unit_id"] in black else None,
        overdue=int(_num(r["overdue"]) or 0),
    ) for _, r in order.iterrows())
    totals = totals_with_comparisons(con, viewer, period, metric_ids=list(TOTAL_IDS), basic_credit=scheme.basic_credit)
    now, before, last_year = (_held(con, viewer, p, values) for p, values in
                              zip((period, previous(period), same_period_last_year(period)), totals))
    moves = category_top(con, viewer, period, n=ALL_CATEGORIES)
    rising = sorted((CategoryMove(str(c), int(n), int(p)) for c, n, p in
                     zip(moves["category"], moves["requests"], moves["previous"]) if n > p),
                    key=lambda m: (-m.increase, m.category))[:TOP_CATEGORIES]
    floors = floor_alerts(scored, scheme)
    return Bulletin(
        scheme=scheme, period=period, level=level, issue=period.last_day.month,
        generated_at=dt.datetime.now().replace(microsecond=0), now=now, before=before, last_year=last_year,
        rows=rows, red=red, black=black, floors=tuple(floors), rising=tuple(rising),
        trend=_trend(con, viewer, period, scheme), definitions=definitions_for(scheme.metric_ids),
    )
