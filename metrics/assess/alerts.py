"""风险预警: what the Overview flags, each alert naming the page and filters that explain it.

Three kinds:
- ``floor``: a unit (with a sufficient sample under the scheme) whose composite score falls in the
  scheme's bottom grade band, or one of whose rates is below its floor (FLOORS);
- ``spike``: a category, or a grid, whose requests in the last 7 days exceed the mean of the
  8 weeks before by more than 3 standard deviations (and by at least MIN_SPIKE requests);
- ``overdue``: units with requests open past their deadline at the period end.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from metrics.core.access import SCOPE_PREDICATE, Viewer
from metrics.core.conditions import received_between
from metrics.core.filters import Filters
from metrics.assess.schemes import Scheme
from metrics.core.sqlfiles import read_sql

# Minimum standards seen in practice (DOMAIN.md): reply rate ≥ 92 %, satisfaction ≥ 85 %.
FLOORS: dict[str, float] = {"response_rate": 0.92, "resolution_rate": 0.80, "satisfaction_rate": 0.85}
BASELINE_WEEKS = 8
SIGMAS = 3.0
MIN_SPIKE = 10


@dataclass(frozen=True)
class Alert:
    kind: str                 # floor | spike | overdue
    subject: str              # unit_id or category
    name_zh: str
    name_en: str
    metric: str               # the metric that triggered it (registry id, or 'score')
    value: float
    threshold: float
    page: str                 # the view that explains it
    query: dict[str, str] = field(default_factory=dict)

    @property
    def severity(self) -> float:
        """How far past the threshold, relative to it (for ordering)."""
        return abs(self.value - self.threshold) / (abs(self.threshold) or 1.0)


def floor_alerts(scored: pd.DataFrame, scheme: Scheme, floors: dict[str, float] | None = None) -> list[Alert]:
    """Units graded in the scheme's bottom band, or below a rate floor; insufficient samples are skipped."""
    floors = FLOORS if floors is None else floors
    bottom = min(scheme.grades, key=lambda g: g.min)
    passing = min(g.min for g in scheme.grades if g is not bottom) if len(scheme.grades) > 1 else bottom.max
    out: list[Alert] = []
    ok = scored[~scored["insufficient"].astype(bool)] if "insufficient" in scored else scored
    if scheme.grades_by == "quartiles":     # the bottom band starts below the ranked units' first quartile
        scores = pd.to_numeric(ok["score"], errors="coerce").dropna().round(9) if "score" in ok else pd.Series()
        passing = float(np.quantile(scores, 0.25)) if len(scores) else -math.inf
    for row in ok.itertuples(index=False):
        base = dict(subject=row.unit_id, name_zh=row.unit_name, name_en=row.name_en or row.unit_name)
        score = getattr(row, "score", float("nan"))
        if score is not None and not math.isnan(score) and score < passing:
            out.append(Alert("floor", metric="score", value=float(score), threshold=float(passing),
                             page="resolution", query={"unit": row.unit_id}, **base))
        for metric, floor in floors.items():
            value = getattr(row, metric, None)
            if value is not None and not pd.isna(value) and value < floor:
                page = "satisfaction" if metric == "satisfaction_rate" else "resolution"
                out.append(Alert("floor", metric=metric, value=float(value), threshold=floor,
                                 page=page, query={"unit": row.unit_id}, **base))
    return out


def weekly_counts(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, end: dt.datetime, by: str, filters: Filters | None = None,
) -> pd.DataFrame:
    """Requests per subject (category, or grid) and week before ``end``: subject, weeks_ago (0 = last 7 days), n."""
    filters = filters or Filters()
    if by == "category":
        key, join, extra = "r.category", "", "AND r.category IS NOT NULL"
    elif by == "grid":
        key, extra = "r.unit_id", ""
        join = "JOIN units gu ON gu.unit_id = r.unit_id AND gu.level = 'grid'"
    else:
        raise ValueError(f"spikes by {by!r}: expected 'category' or 'grid'")
    sql = read_sql("weekly_counts").format(key=key, join=join, received=received_between("$since", "$end"),
                                           scope=SCOPE_PREDICATE, filters=filters.where_sql(), extra=extra)
    since = end - dt.timedelta(weeks=BASELINE_WEEKS + 1)
    return con.execute(sql, {"end": end, "since": since, **viewer.scope_params(), **filters.params()}).df()


def find_spikes(weekly: pd.DataFrame, sigmas: float = SIGMAS, min_count: int = MIN_SPIKE) -> pd.DataFrame:
    """Subjects whose week 0 exceeds mean + sigmas × sd of weeks 1..BASELINE_WEEKS (missing weeks = 0).

    Columns: subject, n (this week), mean, sd, threshold; ordered by how far above the threshold.
    """
    cols = ["subject", "n", "mean", "sd", "threshold"]
    if weekly.empty:
        return pd.DataFrame(columns=cols)
    grid = weekly.pivot_table(index="subject", columns="weeks_ago", values="n", aggfunc="sum", fill_value=0)
    grid = grid.reindex(columns=range(BASELINE_WEEKS + 1), fill_value=0)
    base = grid[list(range(1, BASELINE_WEEKS + 1))].to_numpy(dtype=float)
    now = grid[0].to_numpy(dtype=float)
    mean, sd = base.mean(axis=1), base.std(axis=1, ddof=1)
    threshold = mean + sigmas * sd
    hit = (now > threshold) & (now - mean >= min_count)
    out = pd.DataFrame({"subject": grid.index[hit], "n": now[hit], "mean": mean[hit], "sd": sd[hit],
                        "threshold": threshold[hit]})
    return out.assign(_excess=(out["n"] - out["threshold"]) / np.maximum(out["sd"], 1.0)).sort_values(
        "_excess", ascending=False).drop(columns="_excess").reset_index(drop=True)


def spike_alerts(spikes: pd.DataFrame, by: str, names: dict[str, tuple[str, str]], end: dt.datetime) -> list[Alert]:
    """Alerts for spikes; the link opens the requests of the last 7 days."""
    first = (end - dt.timedelta(days=7)).date()
    last = (end - dt.timedelta(days=1)).date()
    window = f"{first.isoformat()}..{last.isoformat()}"
    out = []
    for row in spikes.itertuples(index=False):
        zh, en = names.get(row.subject, (row.subject, row.subject))
        query = {"period": window, "cat" if by == "category" else "unit": row.subject}
        out.append(Alert("spike", row.subject, zh, en, "requests", float(row.n), float(row.threshold),
                         "requests", query))
    return out


def overdue_alerts(table: pd.DataFrame, limit: int = 10) -> list[Alert]:
    """Units with overdue requests at the period end, most overdue first."""
    if "overdue" not in table:
        return []
    hit = table[pd.to_numeric(table["overdue"], errors="coerce").fillna(0) > 0]
    hit = hit.sort_values("overdue", ascending=False).head(limit)
    return [
        Alert("overdue", r.unit_id, r.unit_name, r.name_en or r.unit_name, "overdue", float(r.overdue), 0.0,
              "requests", {"unit": r.unit_id, "metric": "overdue"})
        for r in hit.itertuples(index=False)
    ]
