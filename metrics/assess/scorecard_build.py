"""Fill a :class:`ScorecardBook` from the store, with the assessment engine's own numbers.

Scores, ranks, grades and the insufficient flag come from :func:`metrics.assess.engine.assess`
unchanged, so an export equals ``python -m metrics scores`` for the same store, period and
scheme. Added here: change since the previous period, a 6-period trend, Wilson intervals,
city values, each unit's rank per indicator, red / black lists, and the categories that
pull a unit's rates down.

Points lost to a category: for every rate indicator, weight × 100 × (den − num) of the category
÷ the unit's den — the composite points the category's uncredited answers cost under rate×100
scoring. Summed over categories it equals Σ weight × 100 × (1 − rate) for those indicators.
"""
from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from metrics.core.access import Viewer
from metrics.query.breakdown import unit_category_rates
from metrics.assess.engine import assess
from metrics.assess.lists import black_list, red_list, score_change
from metrics.assess.fairness import add_wilson
from metrics.core.periods import Period, previous
from metrics.query.tables import scope_totals
from metrics.core.registry import BY_ID
from metrics.assess.schemes import Scheme
from metrics.assess.scorecard import (CategoryDrag, IndicatorLine, ScorecardBook, TrendPoint, UnitCard,
                               definitions_for, missing)

TREND_PERIODS = 6
TOP_DRAGS = 5


def _rate_ids(scheme: Scheme) -> tuple[str, ...]:
    return tuple(i.metric for i in scheme.indicators if i.metric in BY_ID and BY_ID[i.metric].kind == "rate")


def _trend(con, viewer: Viewer, scheme: Scheme, level: str, known: dict[Period, pd.DataFrame],
           period: Period, n: int = TREND_PERIODS) -> tuple[tuple[str, ...], dict[str, list[TrendPoint]]]:
    """Score and rank of every unit over the n periods ending with ``period`` (oldest first).

    ``known`` holds periods already assessed (this one and the previous); the others are assessed here.
    """
    periods = [period]
    while len(periods) < n:
        periods.append(previous(periods[-1]))
    periods.reverse()
    out: dict[str, list[TrendPoint]] = {}
    for p in periods:
        scored = known[p] if p in known else assess(con, viewer, scheme, p, level)
        ranked = scored[scored["rank"].notna()]
        city = float(ranked["score"].mean()) if len(ranked) else None
        for uid, score, rank in zip(scored["unit_id"], scored["score"], scored["rank"]):
            out.setdefault(uid, []).append(TrendPoint(
                p.label, None if missing(score) else float(score), None if pd.isna(rank) else int(rank), city))
    return tuple(p.label for p in periods), out


def _indicator_ranks(scored: pd.DataFrame, metric: str) -> pd.Series:
    """Rank 1..n on the indicator's value among ranked units (best first, ties share the best rank)."""
    better = BY_ID[metric].higher_is_better if metric in BY_ID else True
    ranked = scored["rank"].notna() & scored[metric].notna()
    values = scored[metric].where(ranked)
    return values.rank(ascending=not better, method="min")


def category_breakdown(con: duckdb.DuckDBPyConnection, viewer: Viewer, scheme: Scheme, period: Period,
                       level: str) -> pd.DataFrame:
    """Per unit × category: requests, and num / den of each rate indicator (one query)."""
    return unit_category_rates(con, viewer, level, period, _rate_ids(scheme), basic_credit=scheme.basic_credit)


def _drags(breakdown: pd.DataFrame, scored: pd.DataFrame, scheme: Scheme, top: int = TOP_DRAGS
           ) -> dict[str, tuple[CategoryDrag, ...]]:
    rates = _rate_ids(scheme)
    if breakdown.empty or not rates:
        return {}
    weights = {i.metric: i.weight for i in scheme.indicators}
    dens = scored.set_index("unit_id")[[f"{m}_den" for m in rates]]
    work = breakdown.join(dens.add_suffix("_unit"), on="unit_id")
    lost = np.zeros(len(work))
    for m in rates:
        unit_den = work[f"{m}_den_unit"].to_numpy(dtype=float)
        miss = (work[f"{m}_den"] - work[f"{m}_num"]).to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            lost += np.nan_to_num(weights[m] * 100.0 * miss / unit_den, nan=0.0, posinf=0.0)
    work["points_lost"] = lost
    work = work[work["points_lost"] > 0].sort_values(["unit_id", "points_lost"], ascending=[True, False])
    out: dict[str, list[CategoryDrag]] = {}
    for r in work.groupby("unit_id", sort=False).head(top).to_dict("records"):
        out.setdefault(r["unit_id"], []).append(CategoryDrag(
            r["category"] or "—", int(r["requests"]), int(r[f"{rates[0]}_den"]), float(r["points_lost"]),
            tuple((m, r[f"{m}_num"] / r[f"{m}_den"] if r[f"{m}_den"] else None) for m in rates)))
    return {uid: tuple(drags) for uid, drags in out.items()}


def _parents(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = con.execute("SELECT unit_id, name FROM units WHERE unit_id IN (SELECT unnest($ids))",
                       {"ids": ids}).fetchall()
    return dict(rows)


def _num(value: object) -> float | None:
    return None if pd.isna(value) else float(value)


def _text(value: object) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def build_book(con: duckdb.DuckDBPyConnection, viewer: Viewer, scheme: Scheme, period: Period,
               level: str | None = None, unit_ids: list[str] | None = None, generated_by: str = "",
               scored: pd.DataFrame | None = None, trend_periods: int = TREND_PERIODS) -> ScorecardBook:
    """The book for every unit of ``level`` (default: the scheme's) in the viewer's scope.

    ``scored`` may pass an already computed ``assess`` result for the same inputs (the page's cache).
    """
    level = level or scheme.level
    if scored is None:
        scored = assess(con, viewer, scheme, period, level)
    left_out, weights = tuple(scored.attrs.get("left_out", ())), dict(scored.attrs.get("weights", {}))
    rates = _rate_ids(scheme)
    scored = add_wilson(scored, rates) if rates else scored
    before = previous(period)
    prev = assess(con, viewer, scheme, before, level)
    scored = score_change(scored, prev)
    labels, trends = _trend(con, viewer, scheme, level, {period: scored, before: prev}, period, trend_periods)
    city = scope_totals(con, viewer, period, metric_ids=list(scheme.metric_ids), basic_credit=scheme.basic_credit)
    drags = _drags(category_breakdown(con, viewer, scheme, period, level), scored, scheme)
    ind_rank = {i.metric: _indicator_ranks(scored, i.metric) for i in scheme.indicators}
    red = set(red_list(scored, scheme)["unit_id"])
    black = set(black_list(scored, scheme)["unit_id"]) - red
    parents = _parents(con, [p for p in scored["parent_id"].dropna().unique()])
    n_ranked = int(scored["rank"].notna().sum())
    order = scored.sort_values(["rank", "unit_id"], na_position="last", kind="stable")
    cards = []
    for k, row in order.iterrows():
        uid = row["unit_id"]
        lines = tuple(IndicatorLine(
            metric=i.metric, weight=weights.get(i.metric, i.weight if not left_out else 0.0), method=i.method, value=_num(row[i.metric]),
            numerator=_num(row.get(f"{i.metric}_num")), denominator=_num(row.get(f"{i.metric}_den")),
            ci_low=_num(row.get(f"{i.metric}_lo")), ci_high=_num(row.get(f"{i.metric}_hi")),
            score=_num(row[f"{i.metric}_score"]), city_value=city.get(i.metric),
            rank=None if pd.isna(ind_rank[i.metric][k]) else int(ind_rank[i.metric][k]), rank_of=n_ranked,
        ) for i in scheme.indicators)
        rank = None if pd.isna(row["rank"]) else int(row["rank"])
        cards.append(UnitCard(
            unit_id=uid, name=str(row["unit_name"]), name_en=_text(row.get("name_en")),
            parent=parents.get(_text(row.get("parent_id"))), requests=int(_num(row["requests"]) or 0),
            volume=int(row["volume"]), score=_num(row["score"]), bonus=float(row["bonus"]),
            deduction=float(row["deduction"]), grade_zh=_text(row["grade_zh"]), grade_en=_text(row["grade_en"]),
            rank=rank, insufficient=bool(row["insufficient"]), previous_score=_num(row["score_prev"]),
            previous_rank=None if pd.isna(row["rank_prev"]) else int(row["rank_prev"]),
            on_list="red" if uid in red else "black" if uid in black else None,
            indicators=lines, trend=tuple(trends.get(uid, ())), drags=drags.get(uid, ()),
        ))
    book = ScorecardBook(
        scheme=scheme, period_label=period.label, period_start=period.start, period_end=period.end,
        level=level, generated_at=dt.datetime.now().replace(microsecond=0), generated_by=generated_by,
        ranking=tuple(cards), city=tuple(city.items()), definitions=definitions_for(scheme.metric_ids),
        trend_labels=labels, left_out=left_out, weights=tuple(weights.items()),
    )
    return book.for_units(unit_ids) if unit_ids else book
