"""The scheme arithmetic of the independent score references (bench/ref_pandas.py, bench/ref_polars.py).

Written from DESIGN §5 and the scheme TOML files, not from metrics.assess: the scheme is read with
tomllib, and a street table (one row per street: ``requests``, ``<rate>_num``, ``<rate>_den``) becomes
indicator scores, a score, the insufficient flag, a rank and a grade. Only what the three-rate
schemes use is supported (monthly period, ``direct`` / ``target`` indicators over rates, band grades,
no bonus or deduction rules); anything else is refused rather than scored differently.

Each reference computes the street table in its own library; this module is the small, shared
last step over ~300 rows.
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCHEME = "beijing-3rates"
# The rates a reference can compute: id -> the satisfaction credit applies (the others count 0/1 per row).
RATES = ("response_rate", "resolution_rate", "satisfaction_rate")
# Columns compared with the engine: counts exactly, the rest within 1e-9.
COUNT_COLUMNS = ("requests", *(f"{r}_den" for r in RATES), "response_rate_num", "resolution_rate_num")
VALUE_COLUMNS = ("satisfaction_rate_num", *RATES, *(f"{r}_score" for r in RATES), "score")


@dataclass(frozen=True)
class RefScheme:
    name: str
    basic_credit: float
    min_visited: int
    indicators: tuple[tuple[str, float, str, float, float], ...]   # metric, weight, method, target, cap
    grades: tuple[tuple[str, float], ...]                           # (name_zh, min), best first


def load_scheme(name: str = DEFAULT_SCHEME) -> RefScheme:
    """data/schemes/NAME.toml, read here (not through metrics.assess.schemes)."""
    raw = tomllib.loads((ROOT / "data" / "schemes" / f"{name}.toml").read_text(encoding="utf-8"))
    unsupported = [k for k in ("bonus", "deductions") if raw.get(k)]
    if raw.get("level") != "street" or raw.get("period", {}).get("kind") != "month" or unsupported:
        raise ValueError(f"scheme {name}: the references score monthly street schemes without rules only")
    volume = raw.get("min_volume", {})
    if volume.get("metric") != "visited" or raw.get("grades") == "quartiles":
        raise ValueError(f"scheme {name}: the references need min_volume on 'visited' and band grades")
    indicators = []
    for ind in raw["indicators"]:
        if ind["metric"] not in RATES or ind.get("method", "direct") not in ("direct", "target") \
                or ind.get("direction", "higher") != "higher":
            raise ValueError(f"scheme {name}: indicator {ind['metric']} is not supported by the references")
        indicators.append((ind["metric"], float(ind["weight"]), ind.get("method", "direct"),
                           float(ind.get("target", 1.0)), float(ind.get("cap", 1.0))))
    grades = tuple(sorted(((g["name_zh"], float(g["min"])) for g in raw["grades"]), key=lambda g: -g[1]))
    return RefScheme(name, float(raw.get("basic_credit", 0.9)), int(volume.get("n", 0)), tuple(indicators), grades)


def score_streets(table: pd.DataFrame, scheme: RefScheme) -> pd.DataFrame:
    """Scores, insufficient flag, rank (1..n among sufficient streets) and grade, indexed by unit_id.

    ``table``: one row per street, indexed by unit_id, with requests and the rates' num/den.
    """
    out = table.copy()
    for rate in RATES:
        den = out[f"{rate}_den"].astype(float)
        out[rate] = (out[f"{rate}_num"].astype(float) / den).where(den > 0)
    total = pd.Series(0.0, index=out.index)
    for metric, weight, method, target, cap in scheme.indicators:
        value = out[metric]
        out[f"{metric}_score"] = 100.0 * (value if method == "direct" else np.minimum(value / target, cap))
        total = total + weight * out[f"{metric}_score"]
    out["score"] = total.clip(0.0, 100.0)
    visited = out["resolution_rate_den"]
    out["insufficient"] = (visited < scheme.min_visited) | out[[m for m, *_ in scheme.indicators]].isna().any(axis=1)
    ranked = out[~out["insufficient"]].assign(_key=lambda f: f["score"].round(9), _id=lambda f: f.index)
    ranked = ranked.sort_values(["_key", "requests", "_id"], ascending=[False, False, True])
    out["rank"] = pd.Series(range(1, len(ranked) + 1), index=ranked.index, dtype="Int64")
    out["grade"] = [None if bad or math.isnan(s) else next((n for n, low in scheme.grades if s >= low),
                                                             scheme.grades[-1][0])
                    for s, bad in zip(out["score"], out["insufficient"])]
    return out.sort_index()


def differences(engine: pd.DataFrame, reference: pd.DataFrame) -> list[str]:
    """Where the reference differs from the engine: counts exact, values within 1e-9 (relative or absolute).

    Both indexed by unit_id. Returns human-readable lines (empty = equal).
    """
    problems = []
    if set(engine.index) != set(reference.index):
        problems.append(f"streets differ: {sorted(set(engine.index) ^ set(reference.index))[:5]}")
        return problems
    ref = reference.loc[engine.index]
    for column in (*COUNT_COLUMNS, *VALUE_COLUMNS, "insufficient", "grade", "rank"):   # causes before effects
        if column not in engine or column not in ref:
            continue
        a, b = engine[column].astype(object).to_numpy(), ref[column].astype(object).to_numpy()
        for unit, x, y in zip(engine.index, a, b):
            if not _same(x, y, exact=column not in VALUE_COLUMNS):
                problems.append(f"{unit} {column}: engine {x!r}, reference {y!r}")
    return problems


def _missing(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _same(x: object, y: object, exact: bool) -> bool:
    if _missing(x) or _missing(y):
        return _missing(x) and _missing(y)
    if isinstance(x, str) or isinstance(y, str):
        return x == y
    if exact:
        return float(x) == float(y)
    return math.isclose(float(x), float(y), rel_tol=1e-9, abs_tol=1e-9)
