"""The scorecard data: what every export (xlsx, pdf, csv) and the page's unit card show.

A :class:`ScorecardBook` is one assessment run — a scheme, a period, a level — with a
:class:`UnitCard` per unit (ranked units first, then those with too small a sample). Writers
only lay these values out; they never compute. :func:`metrics.assess.scorecard_build.build_book`
fills a book from the store.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace

from metrics.core.registry import BY_ID
from metrics.assess.schemes import Scheme


def missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@dataclass(frozen=True)
class Definition:
    """A metric as the registry defines it (the formula that ran)."""

    metric: str
    zh: str
    en: str
    formula_zh: str
    formula_en: str
    unit: str
    higher_is_better: bool

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def formula(self, lang: str) -> str:
        return self.formula_zh if lang == "zh" else self.formula_en


@dataclass(frozen=True)
class IndicatorLine:
    """One indicator of one unit: value, score, weight and where the unit stands on it."""

    metric: str
    weight: float
    method: str
    value: float | None          # a rate as a fraction 0..1, or a count
    numerator: float | None
    denominator: float | None
    ci_low: float | None          # Wilson 95 % interval of a rate
    ci_high: float | None
    score: float | None           # the indicator's score 0..100
    city_value: float | None      # the whole territory's value
    rank: int | None              # the unit's rank on this indicator's value among ranked units
    rank_of: int

    @property
    def contribution(self) -> float | None:
        """Points of the composite score this indicator brings: weight × score."""
        return None if missing(self.score) else self.weight * self.score

    @property
    def gap(self) -> float | None:
        """Value minus city value, signed so that positive is better."""
        if missing(self.value) or missing(self.city_value):
            return None
        better = BY_ID[self.metric].higher_is_better if self.metric in BY_ID else True
        diff = self.value - self.city_value
        return diff if better else -diff


@dataclass(frozen=True)
class CategoryDrag:
    """A request category and the composite points its failures cost the unit."""

    category: str
    requests: int
    visited: int
    points_lost: float            # Σ weight × 100 × (failed credit in this category) / unit's denominator
    rates: tuple[tuple[str, float | None], ...]   # (metric, the category's rate in this unit)


@dataclass(frozen=True)
class TrendPoint:
    label: str                    # period label, e.g. 2026-09
    score: float | None
    rank: int | None
    city_score: float | None      # mean score of the ranked units that period


@dataclass(frozen=True)
class UnitCard:
    unit_id: str
    name: str
    name_en: str | None
    parent: str | None
    requests: int
    volume: int                   # the scheme's volume basis (e.g. valid return visits)
    score: float | None
    bonus: float
    deduction: float
    grade_zh: str | None
    grade_en: str | None
    rank: int | None              # None when the sample is insufficient
    insufficient: bool
    previous_score: float | None
    previous_rank: int | None
    on_list: str | None           # 'red' (红榜), 'black' (黑榜) or None
    indicators: tuple[IndicatorLine, ...]
    trend: tuple[TrendPoint, ...] = ()
    drags: tuple[CategoryDrag, ...] = ()

    def display_name(self, lang: str) -> str:
        return self.name if lang == "zh" or not self.name_en else self.name_en

    def grade(self, lang: str) -> str | None:
        return self.grade_zh if lang == "zh" else self.grade_en

    @property
    def change(self) -> float | None:
        """Score minus the previous period's score."""
        if missing(self.score) or missing(self.previous_score):
            return None
        return self.score - self.previous_score

    @property
    def rank_change(self) -> int | None:
        """Places moved up since the previous period (positive = better)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    def _by_gap(self) -> list[IndicatorLine]:
        return sorted((i for i in self.indicators if i.gap is not None), key=lambda i: i.gap)

    @property
    def strongest(self) -> IndicatorLine | None:
        """The indicator on which the unit is furthest ahead of the city."""
        ranked = self._by_gap()
        return ranked[-1] if ranked else None

    @property
    def weakest(self) -> IndicatorLine | None:
        """The indicator on which the unit is furthest behind the city."""
        ranked = self._by_gap()
        return ranked[0] if ranked else None


@dataclass(frozen=True)
class ScorecardBook:
    """One assessment run: every unit of a level, and which of them to print cards for."""

    scheme: Scheme
    period_label: str
    period_start: dt.date         # inclusive
    period_end: dt.date           # exclusive
    level: str
    generated_at: dt.datetime
    generated_by: str
    ranking: tuple[UnitCard, ...]            # ranked units by rank, then insufficient ones
    city: tuple[tuple[str, float | None], ...]
    definitions: tuple[Definition, ...]
    trend_labels: tuple[str, ...] = ()
    unit_ids: tuple[str, ...] | None = None  # cards to print; None = all
    left_out: tuple[str, ...] = ()           # indicators not in the data, left out of the score
    weights: tuple[tuple[str, float], ...] = ()   # the weights that applied (renormalised if any left out)

    def left_out_note(self, lang: str) -> str:
        """The line every export and the page show when indicators were left out ('' otherwise)."""
        from metrics.assess.engine import note_text
        return note_text(self.left_out, dict(self.weights), lang)

    @property
    def cards(self) -> tuple[UnitCard, ...]:
        if self.unit_ids is None:
            return self.ranking
        wanted = set(self.unit_ids)
        return tuple(c for c in self.ranking if c.unit_id in wanted)

    @property
    def ranked(self) -> tuple[UnitCard, ...]:
        return tuple(c for c in self.ranking if not c.insufficient)

    @property
    def insufficient(self) -> tuple[UnitCard, ...]:
        return tuple(c for c in self.ranking if c.insufficient)

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(i.metric for i in self.scheme.indicators)

    @property
    def period_last_day(self) -> dt.date:
        return self.period_end - dt.timedelta(days=1)

    def city_value(self, metric: str) -> float | None:
        return dict(self.city).get(metric)

    def definition(self, metric: str) -> Definition | None:
        return next((d for d in self.definitions if d.metric == metric), None)

    def unit_of(self, metric: str) -> str:
        """The metric's registry unit ('rate', 'count', ...); 'rate' when it has no definition."""
        d = self.definition(metric)
        return d.unit if d else "rate"

    def for_units(self, unit_ids: list[str] | tuple[str, ...]) -> ScorecardBook:
        """The same run, printing cards only for these units (the ranking stays whole)."""
        known = {c.unit_id for c in self.ranking}
        unknown = [u for u in unit_ids if u not in known]
        if unknown:
            raise KeyError(f"unit(s) not assessed at level {self.level!r}: {', '.join(unknown)}")
        return replace(self, unit_ids=tuple(unit_ids))


def definitions_for(metric_ids: tuple[str, ...] | list[str]) -> tuple[Definition, ...]:
    """Registry definitions of the metrics a scheme reads (unknown ids get a bare entry)."""
    out = []
    for mid in dict.fromkeys(metric_ids):
        m = BY_ID.get(mid)
        if m is None:
            out.append(Definition(mid, mid, mid, "", "", "rate" if mid.endswith(("_rate", "_share")) else "count", True))
        else:
            out.append(Definition(m.id, m.zh, m.en, m.formula_zh, m.formula_en, m.unit, m.higher_is_better))
    return tuple(out)
