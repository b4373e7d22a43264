"""The assessment engine: composite scores, ranks, grades and lists from a unit table (DESIGN §5).

Pure functions over the DataFrame that ``metrics.query.tables.unit_table`` returns (one row per unit,
a column per metric id, ``<rate>_num`` / ``<rate>_den`` for rates, ``requests``), so the same
arithmetic serves the page, the exports and the command line, and is testable on hand-built tables.

Rules, in the order they apply:

* **Sufficiency.** A unit is *insufficient* ("insufficient sample") when its volume (the scheme's
  ``min_volume.metric``: valid return visits by default) is below ``min_volume.n``, or when any
  indicator value is NULL (a zero denominator: no data is not 0 and not 100). Insufficient units keep
  their indicator scores and score where computable, for information, but get no rank and no grade,
  and do not take part in minmax / percentile normalisation.
* **Indicator scores** (0-100, ``<metric>_score``): ``direct`` = value × 100; ``target`` =
  min(value / target, cap) × 100; ``minmax`` = 100 × (value − min) / (max − min) over sufficient
  units, clipped to 0-100 (100 for everyone when all values are equal); ``percentile`` = the mean
  percentile rank of the value among sufficient units, 100 × (#below + ½ #equal) / n.
  A lower-is-better indicator (``direction = "lower"``: close hours, overdue) turns each around:
  ``direct`` = (1 − value) × 100; ``target`` = min(target / value, cap) × 100 as Boston's CityScore
  (a value ≤ 0 earns the cap); ``minmax`` = 100 × (max − value) / (max − min); ``percentile`` =
  100 × (#above + ½ #equal) / n.
* **Not in the data.** An indicator whose value is NULL for every unit (or whose fields the caller
  names as absent) is left out and the other weights are renormalised to sum to 1; the result says
  so (``scored.attrs["left_out"]``, ``["weights"]``; :func:`left_out_note`). A scheme with
  ``require_all = true`` refuses instead (:class:`NotInData`).
* **Score** = clip(Σ weight × indicator score + bonus − deduction, 0, 100); each rule gives
  min(cap, per × max(0, value − above)) points, a NULL rule value gives none.
* **Rank** 1..n among sufficient units by score (rounded to 1e-9 so that float noise never decides),
  ties by volume (requests, larger first), then unit_id. Grades from the scheme's bands, or with
  ``grades = "quartiles"`` cut at the quartiles Q1, median, Q3 of the ranked units' scores (linear
  interpolation): ≥ Q3 the top grade, ≥ median the second, ≥ Q1 the third, below Q1 the last.
"""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from metrics.core import registry
from metrics.core.access import Viewer
from metrics.core.conditions import VISITED
from metrics.core.filters import Filters
from metrics.core.periods import Period, parse_month, window_ending
from metrics.query.tables import unit_table
from metrics.assess.schemes import Indicator, Scheme

SCORE_DECIMALS = 9


def volume(table: pd.DataFrame, basis: str) -> pd.Series:
    """The volume a scheme's minimum applies to: 'requests', 'visited' or a rate's denominator."""
    if basis == "requests":
        return table["requests"].fillna(0)
    if basis == "visited":
        visited = [f"{m.id}_den" for m in registry.METRICS if m.denominator == VISITED]
        candidates = [c for c in visited if c in table]
        if not candidates:
            raise KeyError("the unit table has no denominator column for 'visited' (e.g. resolution_rate_den)")
        return table[candidates[0]].fillna(0)
    return table[f"{basis}_den"].fillna(0)


def volume_column(scheme: Scheme) -> str:
    """The rate whose denominator is the scheme's volume, so callers know which metric to request."""
    basis = scheme.min_volume.basis
    if basis == "requests":
        return "requests"
    if basis == "visited":
        rates = [i.metric for i in scheme.indicators if registry.BY_ID.get(i.metric) is not None
                 and registry.BY_ID[i.metric].denominator == VISITED]
        return rates[0] if rates else "resolution_rate"
    return basis


def required_metrics(scheme: Scheme) -> tuple[str, ...]:
    """The metric ids to ask ``unit_table`` for: the scheme's, its volume rate and ``requests``."""
    return tuple(dict.fromkeys((*scheme.metric_ids, volume_column(scheme), "requests")))


def _values(table: pd.DataFrame, metric: str) -> np.ndarray:
    if metric not in table:
        raise KeyError(f"the unit table has no column {metric!r} (the scheme needs it)")
    return pd.to_numeric(table[metric], errors="coerce").to_numpy(dtype=float)


def indicator_score(values: np.ndarray, indicator: Indicator, reference: np.ndarray) -> np.ndarray:
    """Scores 0-100 for one indicator; ``reference`` = the values of sufficient units (relative methods)."""
    ref = reference[~np.isnan(reference)]
    lower = indicator.direction == "lower"
    if indicator.method == "direct":
        return (1.0 - values if lower else values) * 100.0
    if indicator.method == "target":
        if lower:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(values > 0, indicator.target / np.where(values > 0, values, 1.0), indicator.cap)
            return np.where(np.isnan(values), np.nan, np.minimum(ratio, indicator.cap) * 100.0)
        return np.minimum(values / indicator.target, indicator.cap) * 100.0
    if indicator.method == "minmax":
        if ref.size == 0:
            return np.full_like(values, np.nan)
        low, high = ref.min(), ref.max()
        if high == low:
            return np.where(np.isnan(values), np.nan, 100.0)
        return np.clip(((high - values) if lower else (values - low)) / (high - low), 0.0, 1.0) * 100.0
    if indicator.method == "percentile":
        if ref.size == 0:
            return np.full_like(values, np.nan)
        ref = np.sort(ref)
        below = np.searchsorted(ref, values, side="left")
        at_or_below = np.searchsorted(ref, values, side="right")
        if lower:
            below, at_or_below = ref.size - at_or_below, ref.size - below
        return np.where(np.isnan(values), np.nan, 100.0 * (below + at_or_below) / (2.0 * ref.size))
    raise ValueError(f"unknown method {indicator.method!r}")


def _rule_points(table: pd.DataFrame, rules) -> np.ndarray:
    total = np.zeros(len(table))
    for rule in rules:
        vals = _values(table, rule.metric)
        pts = np.minimum(rule.cap, rule.per * np.maximum(0.0, vals - rule.above))
        total += np.nan_to_num(pts, nan=0.0)
    return total


def _insufficient_reason(table: pd.DataFrame, scheme: Scheme, vol: np.ndarray, used) -> list[str]:
    reasons = []
    missing = {i.metric: np.isnan(_values(table, i.metric)) for i in used}
    n = scheme.min_volume.n
    for k, v in enumerate(vol):
        parts = [f"{scheme.min_volume.basis} {int(v)} < {n}"] if v < n else []
        parts += [f"no data: {m}" for m, miss in missing.items() if miss[k]]
        reasons.append("; ".join(parts))
    return reasons


def best_first(scores: np.ndarray, requests: np.ndarray, unit_id: np.ndarray) -> np.ndarray:
    """Row positions best first: score (rounded to SCORE_DECIMALS) desc, then requests desc, then unit_id.

    The one tie-break of the assessment (the scheme's ``tie_break = "volume"``), shared by
    :func:`rank_order` and the rank-stability draws. ``scores`` is one score per row, or a
    2-D array with one ranking per row of draws (the last axis are the units).
    """
    tie = np.lexsort((np.asarray(unit_id).astype(str), -np.asarray(requests, dtype=float)))
    return tie[np.argsort(-np.round(scores[..., tie], SCORE_DECIMALS), axis=-1, kind="stable")]


def rank_order(score: np.ndarray, requests: np.ndarray, unit_id: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Ranks 1..n for eligible rows (NaN elsewhere), in :func:`best_first` order."""
    rank = np.full(len(score), np.nan)
    idx = np.flatnonzero(eligible)
    if idx.size:
        order = idx[best_first(score[idx], requests[idx], unit_id[idx])]
        rank[order] = np.arange(1, order.size + 1)
    return rank


def score_units(table: pd.DataFrame, scheme: Scheme, absent: tuple[str, ...] = ()) -> pd.DataFrame:
    """The table with indicator scores, bonus, deduction, score, rank, grade and the insufficient flag.

    Added columns: ``<metric>_score`` per indicator, ``volume``, ``bonus``, ``deduction``, ``score``
    (0-100, NaN when an indicator is NULL), ``insufficient`` (bool), ``insufficient_reason``,
    ``rank`` (nullable Int64, <NA> when insufficient), ``grade_zh``, ``grade_en`` (None when unranked),
    ``grade`` (= grade_zh). Rows keep the input order; sort by ``rank`` for a ranking.
    """
    out = table.copy()
    left_out = _left_out(out, scheme, absent)
    used = [i for i in scheme.indicators if i.metric not in left_out] or list(scheme.indicators)
    weights = _weights(scheme, used)
    vol = volume(out, scheme.min_volume.basis).to_numpy(dtype=float)
    reasons = _insufficient_reason(out, scheme, vol, used)
    insufficient = np.array([bool(r) for r in reasons], dtype=bool)
    weighted = np.zeros(len(out))
    for ind in scheme.indicators:
        vals = _values(out, ind.metric)
        s = indicator_score(vals, ind, vals[~insufficient])
        out[f"{ind.metric}_score"] = s
        if ind.metric in weights:
            weighted += weights[ind.metric] * s
    out["volume"] = vol
    out["bonus"] = _rule_points(out, scheme.bonus)
    out["deduction"] = _rule_points(out, scheme.deductions)
    out["score"] = np.clip(weighted + out["bonus"].to_numpy() - out["deduction"].to_numpy(), 0.0, 100.0)
    out["insufficient"] = insufficient
    out["insufficient_reason"] = reasons
    requests = pd.to_numeric(out["requests"], errors="coerce").fillna(0).to_numpy(dtype=float)
    rank = rank_order(out["score"].to_numpy(), requests, out["unit_id"].to_numpy(), ~insufficient)
    out["rank"] = pd.array(np.where(np.isnan(rank), None, rank), dtype="Int64")
    grades = _grades(out["score"].to_numpy(dtype=float), insufficient, scheme)
    out["grade_zh"] = [g.name_zh if g else None for g in grades]
    out["grade_en"] = [g.name_en if g else None for g in grades]
    out["grade"] = out["grade_zh"]
    out.attrs["left_out"] = tuple(i.metric for i in scheme.indicators if i.metric in left_out)
    out.attrs["weights"] = weights
    return out


class NotInData(ValueError):
    """A ``require_all`` scheme asked to score data that lacks one of its indicators."""


def _left_out(table: pd.DataFrame, scheme: Scheme, absent: frozenset[str] | tuple[str, ...]) -> set[str]:
    """Indicators not in the data: named absent, or NULL for every unit (a table with rows)."""
    out = {i.metric for i in scheme.indicators if i.metric in absent
           or (len(table) and np.isnan(_values(table, i.metric)).all())}
    if out and scheme.require_all:
        raise NotInData(f"scheme {scheme.name} sets require_all = true and the data has no values for "
                        f"{', '.join(sorted(out))} in this period: it cannot be scored here")
    return out


def _weights(scheme: Scheme, used: list[Indicator]) -> dict[str, float]:
    """The weights that apply: the scheme's, renormalised to sum to 1 when indicators are left out."""
    if len(used) == len(scheme.indicators):
        return {i.metric: i.weight for i in used}
    total = sum(i.weight for i in used)
    return {i.metric: i.weight / total for i in used}


def _grades(score: np.ndarray, insufficient: np.ndarray, scheme: Scheme) -> list:
    """The grade per unit: the scheme's band, or its quartile among the ranked units; None if unranked."""
    if scheme.grades_by != "quartiles":
        return [scheme.grade_of(s) if not bad else None for s, bad in zip(score, insufficient)]
    ranked = np.round(score[~insufficient], SCORE_DECIMALS)
    if not ranked.size:
        return [None] * len(score)
    cuts = np.quantile(ranked, [0.75, 0.5, 0.25])
    out = []
    for s, bad in zip(np.round(score, SCORE_DECIMALS), insufficient):
        k = next((k for k, c in enumerate(cuts) if s >= c), len(cuts))
        out.append(None if bad else scheme.grades[k])
    return out


def left_out_note(scored: pd.DataFrame, lang: str = "zh") -> str:
    """One line naming the indicators left out and the renormalised weights; '' when none was."""
    return note_text(scored.attrs.get("left_out") or (), scored.attrs.get("weights", {}), lang)


def note_text(left_out: tuple[str, ...], weights: dict[str, float], lang: str = "zh") -> str:
    """The left-out line from its parts (the scorecard book keeps the parts)."""
    if not left_out:
        return ""
    def label(m: str) -> str:
        return registry.BY_ID[m].zh if lang == "zh" else registry.BY_ID[m].en
    names = ", ".join(map(label, left_out))
    weights = ", ".join(f"{label(m)} {100 * w:.1f}%" for m, w in weights.items())
    if lang == "zh":
        return f"本期数据中没有：{names}，已不计入；其余权重按比例调整为：{weights}"
    return f"Not in this period's data: {names}, left out; the other weights renormalised to: {weights}"


def scheme_period(scheme: Scheme, text: str) -> Period:
    """The period a scheme assesses for ``--period YYYY-MM``: the month, or the window ending in it."""
    month_ = parse_month(text)
    if scheme.period.kind == "month":
        return month_
    return window_ending(month_.start.year, month_.start.month, start_day=scheme.period.start_day)


def assess(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, scheme: Scheme, period: Period,
    level: str | None = None, filters: Filters | None = None, extra_metrics: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Score every unit of ``level`` (default: the scheme's) in the viewer's scope for ``period``.

    ``extra_metrics`` are fetched alongside the scheme's own (e.g. the three rates for display).
    """
    metric_ids = list(dict.fromkeys(required_metrics(scheme) + tuple(extra_metrics)))
    table = unit_table(con, viewer, level or scheme.level, period, filters=filters,
                       metric_ids=metric_ids, basic_credit=scheme.basic_credit)
    return score_units(table, scheme, absent_indicators(con, scheme, period))


# Counts that read 0 rather than NULL when the store lacks their field (e.g. overdue without deadlines).
COUNT_NEEDS = {"overdue": "resolve_by"}


def absent_indicators(con: duckdb.DuckDBPyConnection, scheme: Scheme, period: Period) -> tuple[str, ...]:
    """The scheme's count indicators whose field no request received before the period's end holds."""
    out = []
    for ind in scheme.indicators:
        field = COUNT_NEEDS.get(ind.metric)
        if field and not con.execute(f"SELECT count({field}) FROM requests WHERE received_at < ?",
                                     [period.end]).fetchone()[0]:
            out.append(ind.metric)
    return tuple(out)
