"""Fair evaluation (DESIGN §5): Wilson intervals, funnel limits, case-mix adjustment, rank stability.

Conventions and assumptions:

* **Wilson 95 % interval** from ``<rate>_num`` / ``<rate>_den``. 满意率's numerator is a credit sum
  (satisfied + 0.9 × basic), not a count of successes; it is used as the success count all the
  same, which treats a basic-satisfied answer as 0.9 of a success. The interval is then approximate
  (slightly too wide, since credits vary less than 0/1 outcomes).
* **Funnel limits** around the overall rate p for volume n use the normal approximation to the
  binomial, p ± z·√(p(1−p)/n), clipped to [0, 1], with z for 95 % (1.96) and 99.8 % (3.09) two-sided.
  It is close to the exact binomial limits for n ≳ 30 (our minimum volume) and p not at 0 or 1.
* **Case-mix adjustment** by indirect standardisation over request categories: p_c is the overall
  rate of category c, expected_u = Σ_c den_uc × p_c, adjusted_u = observed_u / expected_u × overall,
  with observed_u = Σ_c num_uc. A unit whose category mix equals the overall mix gets its raw rate.
* **Rank stability**: each weight is multiplied by an independent U(1 − δ, 1 + δ) factor (δ = 0.2),
  the weights are renormalised to sum to 1, and units are re-ranked; 1,000 draws from
  ``numpy.random.default_rng(seed)``. Indicator scores, bonus and deduction stay as scored.
"""
from __future__ import annotations

from statistics import NormalDist

import duckdb
import numpy as np
import pandas as pd

from metrics.core.access import Viewer
from metrics.assess.engine import best_first
from metrics.query.breakdown import unit_category_rates
from metrics.core.periods import Period
from metrics.assess.schemes import Scheme

FUNNEL_LEVELS: tuple[float, ...] = (0.95, 0.998)


def z_two_sided(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2.0)


def _tag(level: float) -> str:
    """Column suffix of a confidence level: 0.95 -> '95', 0.998 -> '99_8'."""
    return f"{level * 100:g}".replace(".", "_")


def wilson_interval(num, den, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (low, high) for num successes of den; NaN where den is 0 or missing.

    centre = (p + z²/2n) / (1 + z²/n),  half-width = z / (1 + z²/n) · √(p(1−p)/n + z²/4n²).
    """
    x = np.asarray(num, dtype=float)
    n = np.asarray(den, dtype=float)
    z = z_two_sided(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(n > 0, x / n, np.nan)
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2.0 * n)) / denom
        half = z / denom * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
    low = np.where(x == 0, 0.0, np.clip(centre - half, 0.0, 1.0))      # exact ends at 0 and n
    high = np.where(x == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return np.where(n > 0, low, np.nan), np.where(n > 0, high, np.nan)


def add_wilson(table: pd.DataFrame, metric_ids: tuple[str, ...] | None = None, level: float = 0.95) -> pd.DataFrame:
    """A copy with ``<rate>_lo`` and ``<rate>_hi`` for every rate that has _num and _den columns."""
    out = table.copy()
    ids = metric_ids or tuple(c[: -len("_num")] for c in table if c.endswith("_num") and f"{c[:-4]}_den" in table)
    for m in ids:
        out[f"{m}_lo"], out[f"{m}_hi"] = wilson_interval(out[f"{m}_num"], out[f"{m}_den"], level)
    return out


def overall_rate(table: pd.DataFrame, metric: str) -> float:
    """Σ num / Σ den over the units (NaN when nothing was counted)."""
    den = table[f"{metric}_den"].fillna(0).sum()
    return float(table[f"{metric}_num"].fillna(0).sum() / den) if den else float("nan")


def funnel_limits(overall: float, volumes, levels: tuple[float, ...] = FUNNEL_LEVELS) -> pd.DataFrame:
    """Control limits around ``overall`` for each volume: columns volume, lo_95, hi_95, lo_99_8, hi_99_8."""
    n = np.asarray(volumes, dtype=float)
    out = pd.DataFrame({"volume": n})
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(overall * (1.0 - overall) / n)
    for level in levels:
        z = z_two_sided(level)
        out[f"lo_{_tag(level)}"] = np.clip(overall - z * sd, 0.0, 1.0)
        out[f"hi_{_tag(level)}"] = np.clip(overall + z * sd, 0.0, 1.0)
    return out


def funnel_points(table: pd.DataFrame, metric: str, points: int = 100) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per unit (rate, volume, outside 95 % / 99.8 % limits: -1 low, 0 inside, +1 high) and the curve.

    The curve spans volume 1 .. the largest unit volume on a geometric grid of ``points`` volumes.
    """
    p = overall_rate(table, metric)
    den = table[f"{metric}_den"].fillna(0).to_numpy(dtype=float)
    rate = np.where(den > 0, table[f"{metric}_num"].fillna(0).to_numpy(dtype=float) / np.where(den > 0, den, 1), np.nan)
    units = pd.DataFrame({"unit_id": table["unit_id"].to_numpy(), "rate": rate, "volume": den})
    limits = funnel_limits(p, den)
    for level in FUNNEL_LEVELS:
        tag = _tag(level)
        flag = np.where(rate < limits[f"lo_{tag}"], -1, np.where(rate > limits[f"hi_{tag}"], 1, 0))
        units[f"outside_{tag}"] = np.where(den > 0, flag, 0)
    curve = funnel_limits(p, np.unique(np.geomspace(1, max(den.max(initial=1), 2), points).round()))
    curve["overall"] = p
    return units, curve


def casemix_adjust(counts: pd.DataFrame) -> pd.DataFrame:
    """Indirectly standardised rates from per unit × category ``num`` and ``den``.

    ``counts`` has columns unit_id, category, num, den. Returns per unit: observed (Σ num), den,
    raw (observed / den), expected (Σ_c den_uc × p_c), adjusted (observed / expected × overall),
    ratio (observed / expected). Units with den 0 get NaN rates.
    """
    by_cat = counts.groupby("category", dropna=False)[["num", "den"]].sum()
    p_c = (by_cat["num"] / by_cat["den"].where(by_cat["den"] > 0)).fillna(0.0)
    overall = counts["num"].sum() / counts["den"].sum() if counts["den"].sum() else float("nan")
    work = counts.assign(expected=counts["den"] * counts["category"].map(p_c).fillna(0.0).to_numpy())
    per_unit = work.groupby("unit_id", sort=True)[["num", "den", "expected"]].sum()
    out = per_unit.rename(columns={"num": "observed"}).reset_index()
    den = out["den"].where(out["den"] > 0)
    out["raw"] = out["observed"] / den
    out["ratio"] = out["observed"] / out["expected"].where(out["expected"] > 0)
    out["adjusted"] = out["ratio"] * overall
    out.loc[den.isna(), ["ratio", "adjusted"]] = np.nan
    return out


def category_counts(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, level: str, period: Period, metric: str,
    *, basic_credit: float,
) -> pd.DataFrame:
    """Per unit of ``level`` × request category: a rate's credit sum (num) and denominator (den)."""
    table = unit_category_rates(con, viewer, level, period, [metric], basic_credit=basic_credit)
    return table.rename(columns={f"{metric}_num": "num", f"{metric}_den": "den"})[["unit_id", "category", "num", "den"]]


def rank_stability(
    scored: pd.DataFrame, scheme: Scheme, draws: int = 1000, spread: float = 0.2, seed: int = 20261122,
) -> pd.DataFrame:
    """Each ranked unit's rank under weights perturbed ±``spread`` (relative), over ``draws`` draws.

    Returns unit_id, rank, rank_p05, rank_median, rank_p95 (5th / 50th / 95th percentile rank),
    for the units ranked in ``scored`` (the output of ``score_units`` with the same scheme).
    """
    ranked = scored[scored["rank"].notna()]
    scores = np.column_stack([ranked[f"{i.metric}_score"].to_numpy(dtype=float) for i in scheme.indicators])
    weights = np.array([i.weight for i in scheme.indicators])
    rng = np.random.default_rng(seed)
    w = weights * rng.uniform(1.0 - spread, 1.0 + spread, size=(draws, weights.size))
    w /= w.sum(axis=1, keepdims=True)
    extra = (ranked["bonus"] - ranked["deduction"]).to_numpy(dtype=float)
    totals = np.clip(w @ scores.T + extra, 0.0, 100.0)                      # draws × units
    requests = ranked["requests"].fillna(0).to_numpy(dtype=float)
    ids = ranked["unit_id"].to_numpy()
    order = best_first(totals, requests, ids)                               # per draw, best first
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, len(ids) + 1)[None, :].repeat(draws, axis=0), axis=1)
    p05, p50, p95 = np.percentile(ranks, [5, 50, 95], axis=0)
    return pd.DataFrame({"unit_id": ids, "rank": ranked["rank"].to_numpy(),
                         "rank_p05": p05, "rank_median": p50, "rank_p95": p95})


__all__ = ["add_wilson", "casemix_adjust", "category_counts", "funnel_limits", "funnel_points",
           "overall_rate", "rank_stability", "wilson_interval"]
