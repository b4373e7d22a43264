"""Tables the assessment page shows, shaped from a scorecard book and the fairness functions.

The page only draws; every number it shows is computed here or in metrics.assess.engine /
metrics.assess.fairness. Rates are given as percentages (0-100) for display, scores as 0-100.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from metrics.core.access import Viewer
from metrics.assess.lists import compare_scored
from metrics.export.text import metric_label, tx
from metrics.assess.fairness import casemix_adjust, category_counts, funnel_points, rank_stability
from metrics.present.common import data_range, periods_between
from metrics.core.periods import Period, latest_full_month
from metrics.core.registry import BY_ID
from metrics.assess.schemes import Scheme
from metrics.assess.scorecard import ScorecardBook, UnitCard, missing


def _pct(value: float | None) -> float | None:
    return None if missing(value) else 100.0 * float(value)


def _shown(metric: str, value: float | None) -> float | None:
    """A metric value for display: rates as percentages, others as they are."""
    m = BY_ID.get(metric)
    return _pct(value) if m is None or m.unit == "rate" else value


def is_rate(metric: str) -> bool:
    return metric in BY_ID and BY_ID[metric].unit == "rate"


def available_months(con: duckdb.DuckDBPyConnection) -> list[str]:
    """YYYY-MM labels of every month with requests, newest first."""
    bounds = data_range(con)
    if bounds is None:
        return []
    return [p.label for p in periods_between(bounds[0].date(), bounds[1].date(), "month")]


def default_month(con: duckdb.DuckDBPyConnection) -> str | None:
    """The newest month whose last day is in the data, else the newest month."""
    months = available_months(con)
    if len(months) < 2:
        return months[0] if months else None
    return latest_full_month(con).label


def ranking_frame(book: ScorecardBook, lang: str, ranked: bool = True) -> pd.DataFrame:
    """One row per ranked (or, with ranked=False, insufficient) unit, columns labelled in lang."""
    rows = []
    for card in book.ranked if ranked else book.insufficient:
        row = {tx("rank", lang): card.rank, tx("unit", lang): card.display_name(lang),
               tx("parent", lang): card.parent, tx("score", lang): card.score,
               tx("grade", lang): card.grade(lang), tx("change", lang): card.change,
               tx("rank_change", lang): card.rank_change,
               tx("list", lang): tx(card.on_list, lang) if card.on_list else ""}
        for line in card.indicators:
            label = metric_label(line.metric, lang)
            row[label] = _shown(line.metric, line.value)
            row[f"{label} · {tx('ci', lang)}"] = _interval(line.ci_low, line.ci_high)
            row[f"{label} · {tx('ind_score', lang)}"] = line.score
        row[tx("bonus", lang)] = card.bonus
        row[tx("deduction", lang)] = card.deduction
        row[tx("volume", lang)] = card.volume
        row[tx("unit_id", lang)] = card.unit_id
        rows.append(row)
    return pd.DataFrame(rows)


def _interval(low: float | None, high: float | None) -> str:
    if missing(low) or missing(high):
        return ""
    return f"{100 * low:.1f}–{100 * high:.1f}%"


def insufficient_frame(book: ScorecardBook, lang: str) -> pd.DataFrame:
    basis = book.scheme.min_volume
    return pd.DataFrame([{tx("unit", lang): c.display_name(lang), tx("parent", lang): c.parent,
                          tx("volume", lang): c.volume, tx("min_volume", lang): basis.n,
                          tx("score", lang): c.score, tx("unit_id", lang): c.unit_id}
                         for c in book.insufficient])


def list_frame(book: ScorecardBook, which: str, lang: str) -> pd.DataFrame:
    cards = [c for c in book.ranked if c.on_list == which]
    cards.sort(key=lambda c: c.rank, reverse=which == "black")
    return pd.DataFrame([{tx("rank", lang): c.rank, tx("unit", lang): c.display_name(lang),
                          tx("score", lang): c.score, tx("grade", lang): c.grade(lang),
                          tx("change", lang): c.change} for c in cards])


def card_frame(book: ScorecardBook, card: UnitCard, lang: str) -> pd.DataFrame:
    """The unit's indicator table: value, interval, score, weight, contribution, city value, rank."""
    return pd.DataFrame([{
        tx("indicator", lang): metric_label(i.metric, lang), tx("value", lang): _shown(i.metric, i.value),
        tx("ci", lang): _interval(i.ci_low, i.ci_high), tx("ind_score", lang): i.score,
        tx("weight", lang): _pct(i.weight), tx("contribution", lang): i.contribution,
        tx("city_value", lang): _shown(i.metric, i.city_value),
        tx("ind_rank", lang): "" if i.rank is None else f"{i.rank} / {i.rank_of}",
    } for i in card.indicators])


def card_bars(book: ScorecardBook, card: UnitCard, lang: str) -> pd.DataFrame:
    """Long table for the unit-vs-city bar chart: indicator, series, value (display units)."""
    rows = []
    for i in card.indicators:
        label = metric_label(i.metric, lang)
        rows.append({"indicator": label, "series": tx("this_unit", lang), "value": _shown(i.metric, i.value)})
        rows.append({"indicator": label, "series": tx("city_value", lang), "value": _shown(i.metric, i.city_value)})
    return pd.DataFrame(rows)


def card_trend(card: UnitCard, lang: str) -> pd.DataFrame:
    rows = []
    for p in card.trend:
        rows.append({"period": p.label, "series": tx("this_unit", lang), "score": p.score})
        rows.append({"period": p.label, "series": tx("city_avg", lang), "score": p.city_score})
    return pd.DataFrame(rows)


def drag_frame(book: ScorecardBook, card: UnitCard, lang: str) -> pd.DataFrame:
    rows = []
    for d in card.drags:
        row = {tx("category", lang): d.category, tx("requests", lang): d.requests,
               tx("volume", lang): d.visited, tx("points_lost", lang): d.points_lost}
        row.update({metric_label(m, lang): _pct(v) for m, v in d.rates})
        rows.append(row)
    return pd.DataFrame(rows)


def compare_frame(scored_a: pd.DataFrame, scored_b: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Per unit: score and rank under A and B, the rank change (> 0: B ranks it higher), by |change|."""
    both = compare_scored(scored_a, scored_b)
    both["moved"] = both["rank_change"].abs()
    both = both.sort_values(["moved", "rank_a"], ascending=[False, True], na_position="last")
    return pd.DataFrame({
        tx("unit", lang): both.get("unit_name", both["unit_id"]),
        f"A · {tx('rank', lang)}": both["rank_a"], f"B · {tx('rank', lang)}": both["rank_b"],
        tx("rank_change", lang): both["rank_change"],
        f"A · {tx('score', lang)}": both["score_a"], f"B · {tx('score', lang)}": both["score_b"],
        tx("change", lang): both["score_change"], tx("unit_id", lang): both["unit_id"],
    }).reset_index(drop=True)


def funnel_frames(scored: pd.DataFrame, metric: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Funnel plot data (ranked and unranked units alike): units with names, and the limit curves."""
    units, curve = funnel_points(scored, metric)
    units = units.merge(scored[["unit_id", "unit_name"]], on="unit_id")
    units = units[units["volume"] > 0].assign(rate=lambda f: 100 * f["rate"])
    if not units.empty:              # the curve from half the smallest unit's volume on
        curve = curve[curve["volume"] >= units["volume"].min() / 2].copy()
    for col in [c for c in curve if c.startswith(("lo_", "hi_")) or c == "overall"]:
        curve[col] = 100 * curve[col]
    return units, curve


def casemix_frame(con: duckdb.DuckDBPyConnection, viewer: Viewer, scored: pd.DataFrame, scheme: Scheme,
                  period: Period, level: str, metric: str) -> pd.DataFrame:
    """Raw and case-mix adjusted rate per unit (percentages), largest adjustment first."""
    counts = category_counts(con, viewer, level, period, metric, basic_credit=scheme.basic_credit)
    if counts.empty:
        return pd.DataFrame(columns=["unit_id", "unit_name", "raw", "adjusted", "difference", "den"])
    adj = casemix_adjust(counts).merge(scored[["unit_id", "unit_name"]], on="unit_id")
    adj = adj[adj["den"] > 0]
    out = pd.DataFrame({"unit_id": adj["unit_id"], "unit_name": adj["unit_name"], "den": adj["den"],
                        "raw": 100 * adj["raw"], "adjusted": 100 * adj["adjusted"]})
    out["difference"] = out["adjusted"] - out["raw"]
    return out.reindex(out["difference"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def stability_frame(scored: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Rank and its 5 %-95 % range under ±20 % weight perturbation, best rank first."""
    if scored["rank"].notna().sum() == 0:
        return pd.DataFrame(columns=["unit_id", "unit_name", "rank", "rank_p05", "rank_median", "rank_p95"])
    out = rank_stability(scored, scheme).merge(scored[["unit_id", "unit_name"]], on="unit_id")
    out["range"] = out["rank_p95"] - out["rank_p05"]
    out["plus"] = out["rank_p95"] - out["rank_median"]       # error bars around the median rank
    out["minus"] = out["rank_median"] - out["rank_p05"]
    return out.sort_values("rank").reset_index(drop=True)
