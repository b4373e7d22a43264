"""What is read off scored units (the output of :func:`metrics.assess.engine.score_units`): the
ranking, the red and black lists, and comparisons between two schemes or two periods."""
from __future__ import annotations

import pandas as pd

from metrics.assess.engine import score_units
from metrics.assess.schemes import Scheme


def ranking(scored: pd.DataFrame) -> pd.DataFrame:
    """Scored units in rank order, insufficient units last (by unit_id)."""
    return scored.sort_values(["rank", "unit_id"], na_position="last", kind="stable").reset_index(drop=True)


def red_list(scored: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """红榜: the top ``red_list_n`` ranked units, best first."""
    ranked = scored[scored["rank"].notna()].sort_values("rank")
    return ranked.head(scheme.red_list_n).reset_index(drop=True)


def black_list(scored: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """黑榜: the bottom ``black_list_n`` ranked units, worst first."""
    ranked = scored[scored["rank"].notna()].sort_values("rank", ascending=False)
    return ranked.head(scheme.black_list_n).reset_index(drop=True)


def compare_scored(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Per unit: score and rank under A and B; ``rank_change`` = rank_a − rank_b (> 0: B ranks it higher)."""
    keep = ["unit_id", "score", "rank", "grade_zh", "grade_en", "insufficient"]
    names = a[["unit_id", "unit_name"]] if "unit_name" in a else a[["unit_id"]]
    merged = names.merge(a[keep], on="unit_id").merge(b[keep], on="unit_id", how="outer", suffixes=("_a", "_b"))
    merged["score_change"] = merged["score_b"] - merged["score_a"]
    merged["rank_change"] = (merged["rank_a"] - merged["rank_b"]).astype("Int64")
    return merged.sort_values(["rank_a", "unit_id"], na_position="last").reset_index(drop=True)


def compare_schemes(table: pd.DataFrame, scheme_a: Scheme, scheme_b: Scheme) -> pd.DataFrame:
    """Score one unit table under two schemes (same period and credit) and compare ranks.

    For schemes whose period or basic credit differ, build a table per scheme, score each with
    :func:`score_units` and call :func:`compare_scored`.
    """
    return compare_scored(score_units(table, scheme_a), score_units(table, scheme_b))


def score_change(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Change since the last period, per unit of ``current``: score, rank and grade then and now.

    ``score_change`` = score − score_prev; ``rank_change`` = rank_prev − rank (> 0: moved up).
    """
    prev = previous[["unit_id", "score", "rank", "grade_zh"]].rename(
        columns={"score": "score_prev", "rank": "rank_prev", "grade_zh": "grade_zh_prev"})
    out = current.merge(prev, on="unit_id", how="left")
    out["score_change"] = out["score"] - out["score_prev"]
    out["rank_change"] = (out["rank_prev"] - out["rank"]).astype("Int64")
    return out
