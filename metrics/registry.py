"""The metric registry: one definition per metric for the whole app (DESIGN §4).

Each metric carries its SQL next to its human description. Rates are numerator /
denominator over ``requests r``; a zero denominator gives NULL ("no data").
The SQL fragments are aggregate expressions and use only portable SQL (DESIGN §10).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["count", "rate", "hours", "per_10k", "score"]

VISITED = "r.assessable AND r.visited"


@dataclass(frozen=True)
class Metric:
    id: str                  # snake_case = output column = glossary anchor
    zh: str
    en: str
    formula_zh: str
    formula_en: str
    unit: Unit
    higher_is_better: bool
    numerator: str           # rates: per-row credit (0..1) summed; counts: an aggregate expression
    denominator: str | None  # rates: per-row boolean, counted; counts: None

    def sql(self) -> str:
        """An aggregate SQL expression over ``requests r`` computing this metric.

        Parameters it may use: ``$basic_credit`` (the 满意率 credit for 基本满意).
        """
        if self.denominator is None:
            return self.numerator
        den = f"sum(CASE WHEN {self.denominator} THEN 1 ELSE 0 END)"
        return f"sum({self.numerator}) / nullif({den}, 0)"


def credit(condition: str) -> str:
    """1.0 when the condition holds, else 0.0, as DOUBLE (no decimal literals, DESIGN §10)."""
    return f"CAST(CASE WHEN {condition} THEN 1 ELSE 0 END AS DOUBLE)"


METRICS: tuple[Metric, ...] = (
    Metric(
        "requests", "诉求量", "Requests",
        "受理的全部诉求数（含不予考核的诉求）", "count of all requests received (excluded ones included)",
        "count", False, "count(*)", None,
    ),
    Metric(
        "response_rate", "响应率", "Response rate",
        "回访中表示已被联系的诉求数 ÷ 有效回访的诉求数", "contacted / visited (assessable requests)",
        "rate", True, credit(f"{VISITED} AND r.contacted"), VISITED,
    ),
    Metric(
        "resolution_rate", "解决率", "Resolution rate",
        "回访中表示问题已解决的诉求数 ÷ 有效回访的诉求数", "resolved / visited (assessable requests)",
        "rate", True, credit(f"{VISITED} AND r.resolved"), VISITED,
    ),
    Metric(
        "satisfaction_rate", "满意率", "Satisfaction rate",
        "（满意 + 0.9 × 基本满意）÷ 有效回访的诉求数", "(satisfied + 0.9 × basic) / visited (assessable requests)",
        "rate", True,
        f"CASE WHEN {VISITED} AND r.satisfaction = 'satisfied' THEN CAST(1 AS DOUBLE)"
        f" WHEN {VISITED} AND r.satisfaction = 'basic' THEN CAST($basic_credit AS DOUBLE)"
        " ELSE CAST(0 AS DOUBLE) END",
        VISITED,
    ),
)

BY_ID: dict[str, Metric] = {m.id: m for m in METRICS}
