"""The metric registry: one definition per metric for the whole app (DESIGN §4).

Each metric carries its SQL next to its human description, so the glossary shows the
formula that ran. All SQL is over ``requests r`` and portable (DESIGN §10); the few
DuckDB spellings come from :mod:`metrics.core.sqldialect`.

Kinds:
- ``count``: Σ of the numerator terms over requests received in the period.
- ``rate``: Σ weight × count(term condition) / count(denominator condition); NULL on a zero denominator.
  Numerators are split into terms so that roll-up tables can store plain counts and a
  scheme parameter (e.g. ``basic_credit``) is applied after aggregation.
- ``quantile``: ``quantile_cont`` of a per-row duration in hours (NULL rows ignored).
- ``stock``: counted at the period end over every request received before it (not only in the period).
- ``per_10k``: a count (``requests``) or the unit's ``staff``, divided by the unit's population × 10 000.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from metrics.core import sqldialect as sd
from metrics.core.conditions import ASSESSABLE, CLOSED, OPEN_AT_END, VISITED

Unit = Literal["count", "rate", "hours", "per_10k", "score"]
Kind = Literal["count", "rate", "quantile", "stock", "per_10k"]

RESPONSE_HOURS = sd.hours_between("r.received_at", "r.first_contact_at")
CLOSE_HOURS = sd.hours_between("r.received_at", "r.closed_at")

# Fixed log-spaced edges (hours) of the duration histograms in the roll-up tables:
# bin 0 = below 1 minute (negative durations included), bin k = [EDGES[k-1], EDGES[k]),
# last bin = EDGES[-1] and above. 24 bins per decade: each edge is 10^(1/24) ≈ 1.1007 × the one before.
BINS_PER_DECADE = 24
HOUR_BIN_EDGES: tuple[float, ...] = tuple(
    (1 / 60) * 10 ** (i / BINS_PER_DECADE) for i in range(6 * BINS_PER_DECADE + 1)
)
BIN_RATIO = 10 ** (1 / BINS_PER_DECADE)
BINNED_NOTE_EN = (
    "Exact (quantile_cont over the rows). With binned=True it is read from the roll-up histogram: "
    f"{len(HOUR_BIN_EDGES) + 1} bins, below 1 minute, then log-spaced edges from 1 minute to "
    f"{HOUR_BIN_EDGES[-1]:.0f} h, {BINS_PER_DECADE} per decade (ratio {BIN_RATIO:.4f}), interpolated "
    f"within the bin; the error is at most one bin width: ≤ {100 * (BIN_RATIO - 1):.1f} % of the value "
    f"(≤ 1 minute below 1 minute; above {HOUR_BIN_EDGES[-1]:.0f} h the value is that edge)."
)
BINNED_NOTE_ZH = (
    "精确值（对明细 quantile_cont）。binned=True 时取自汇总表直方图：1 分钟以下一档，之后 1 分钟至 "
    f"{HOUR_BIN_EDGES[-1]:.0f} 小时按对数等分（每十倍 {BINS_PER_DECADE} 档），档内线性插值；"
    f"误差不超过一档宽度，即数值的 {100 * (BIN_RATIO - 1):.1f}% 以内。"
)


def hour_bin_sql(hours: str) -> str:
    """The histogram bin index (0 … len(HOUR_BIN_EDGES)) of an hours expression, in portable SQL.

    The log is rounded to 9 decimals before the floor: at a decade (exactly 1 000 minutes) one engine's
    log10 gives 3 and another's the double below it, which would put the same request in two bins."""
    top = len(HOUR_BIN_EDGES)
    return (
        f"CASE WHEN {hours} < {HOUR_BIN_EDGES[0]!r} THEN 0 WHEN {hours} >= {HOUR_BIN_EDGES[-1]!r} THEN {top}"
        f" ELSE 1 + CAST(floor(round({BINS_PER_DECADE} * log10({hours} * 60), 9)) AS INTEGER) END"
    )


@dataclass(frozen=True)
class Term:
    """count(condition) × weight, where weight is 1 or a scheme parameter (``$name``)."""

    condition: str
    weight: str | None = None


@dataclass(frozen=True)
class Metric:
    id: str                  # snake_case = output column = glossary anchor
    zh: str
    en: str
    formula_zh: str
    formula_en: str
    unit: Unit
    higher_is_better: bool
    kind: Kind
    terms: tuple[Term, ...] = ()         # count / rate / stock numerator
    denominator: str | None = None       # rate: per-row condition, counted
    duration: str | None = None          # quantile: per-row hours, NULL where not applicable
    p: float | None = None               # quantile: 0.5, 0.9
    per_10k_of: str | None = None        # per_10k: 'requests' or 'staff'
    opens: str | None = None             # stock: the per-row moment it starts counting (the roll-ups' events)
    parameters: tuple[tuple[str, float], ...] = ()
    note_zh: str = ""
    note_en: str = ""
    # stored request fields the metric needs; "a|b" = either will do (see FIELDS below)
    fields: tuple[str, ...] = ()

    @property
    def additive(self) -> bool:
        """Computable from counts summed over any partition (roll-up tables)."""
        return self.kind in ("count", "rate")

    def term_column(self, i: int) -> str:
        return f"{self.id}__t{i}"

    @property
    def den_column(self) -> str:
        return f"{self.id}__d"

    def count_columns(self) -> list[tuple[str, str]]:
        """(column name, per-row condition) of every count this metric is built from."""
        cols = [(self.term_column(i), t.condition) for i, t in enumerate(self.terms)]
        if self.denominator:
            cols.append((self.den_column, self.denominator))
        return cols

    def numerator_sql(self, prefix: str = "") -> str:
        """Σ weight × term count as DOUBLE, from the count columns (optionally table-qualified)."""
        parts = []
        for i, t in enumerate(self.terms):
            col = f"CAST(coalesce({prefix}{self.term_column(i)}, 0) AS DOUBLE)"
            parts.append(col if t.weight is None else f"CAST(${t.weight} AS DOUBLE) * {col}")
        return " + ".join(parts)

    def from_counts_sql(self, prefix: str = "") -> str:
        """The metric from its count columns (count, rate, stock kinds)."""
        if self.kind == "rate":
            den = f"coalesce({prefix}{self.den_column}, 0)"
            return f"({self.numerator_sql(prefix)}) / nullif({den}, 0)"
        if self.kind in ("count", "stock") and len(self.terms) == 1:
            return f"coalesce({prefix}{self.term_column(0)}, 0)"
        raise ValueError(f"{self.id} is not computed from counts")

    def numerator_agg_sql(self) -> str:
        """Σ weight × count(term condition) over ``requests r``, as DOUBLE (a rate's credit sum)."""
        return " + ".join(
            f"CAST({_count(t.condition)} AS DOUBLE)" if t.weight is None
            else f"CAST(${t.weight} AS DOUBLE) * {_count(t.condition)}"
            for t in self.terms
        )

    def sql(self) -> str:
        """One aggregate SQL expression over ``requests r`` (count, rate, quantile and stock kinds)."""
        if self.kind == "quantile":
            return sd.quantile(self.duration, self.p)
        if self.kind == "per_10k":
            raise ValueError(f"{self.id} needs the unit's population: see metrics.query.tables")
        if self.kind == "rate":
            return f"({self.numerator_agg_sql()}) / nullif({_count(self.denominator)}, 0)"
        return _count(self.terms[0].condition)


def _count(condition: str) -> str:
    """How many rows of ``requests r`` meet ``condition``, as an aggregate."""
    return f"sum(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def _rate(id_, zh, en, fzh, fen, num: str | tuple[Term, ...], den: str, better: bool = True, **kw) -> Metric:
    terms = (Term(num),) if isinstance(num, str) else num
    return Metric(id_, zh, en, fzh, fen, "rate", better, "rate", terms=terms, denominator=den, **kw)


def _quantile(id_, zh, en, fzh, fen, hours: str, cond: str, p: float) -> Metric:
    return Metric(
        id_, zh, en, fzh, fen, "hours", False, "quantile",
        duration=f"CASE WHEN {cond} THEN {hours} END", p=p, note_zh=BINNED_NOTE_ZH, note_en=BINNED_NOTE_EN,
    )


_ASSESS_ZH = "（仅计可考核诉求）"
METRICS: tuple[Metric, ...] = (
    Metric(
        "requests", "诉求量", "Requests",
        "期内受理的全部诉求数（含不予考核的诉求）", "count of all requests received in the period (excluded ones included)",
        "count", False, "count", terms=(Term("TRUE"),),
    ),
    Metric(
        "requests_per_10k", "万人诉求量", "Requests per 10k residents",
        "诉求量 ÷ 常住人口 × 10 000", "requests / population × 10 000 (the unit's population; NULL if unknown)",
        "per_10k", False, "per_10k", per_10k_of="requests",
    ),
    _rate(
        "proactive_share", "主动治理占比", "Proactive share",
        "来源为主动发现（未诉先办）的诉求数 ÷ 诉求数" + _ASSESS_ZH,
        "source = 'proactive' / requests (assessable requests)",
        f"{ASSESSABLE} AND r.source = 'proactive'", ASSESSABLE,
    ),
    _rate(
        "response_rate", "响应率", "Response rate",
        "回访中表示已被联系的诉求数 ÷ 有效回访的诉求数" + _ASSESS_ZH, "contacted / visited (assessable requests)",
        f"{VISITED} AND r.contacted", VISITED,
    ),
    _rate(
        "on_time_response_rate", "按时响应率", "On-time response rate",
        "首次联系时间 ≤ 响应时限的诉求数 ÷ 有响应时限的诉求数（未联系的计为未按时）" + _ASSESS_ZH,
        "first_contact_at ≤ respond_by / requests with a respond_by (never contacted = not on time; assessable requests)",
        f"{ASSESSABLE} AND r.respond_by IS NOT NULL AND r.first_contact_at <= r.respond_by",
        f"{ASSESSABLE} AND r.respond_by IS NOT NULL",
    ),
    _quantile(
        "response_hours_p50", "响应时长中位数", "Response time, median",
        "受理至首次联系的小时数的中位数（连续分位数）" + _ASSESS_ZH,
        "median hours from received_at to first_contact_at (continuous quantile; assessable, contacted requests)",
        RESPONSE_HOURS, f"{ASSESSABLE} AND r.first_contact_at IS NOT NULL", 0.5,
    ),
    _quantile(
        "response_hours_p90", "响应时长P90", "Response time, 90th percentile",
        "受理至首次联系的小时数的第 90 百分位数（连续分位数）" + _ASSESS_ZH,
        "90th percentile of hours from received_at to first_contact_at (continuous; assessable, contacted requests)",
        RESPONSE_HOURS, f"{ASSESSABLE} AND r.first_contact_at IS NOT NULL", 0.9,
    ),
    _rate(
        "resolution_rate", "解决率", "Resolution rate",
        "回访中表示问题已解决的诉求数 ÷ 有效回访的诉求数" + _ASSESS_ZH, "resolved / visited (assessable requests)",
        f"{VISITED} AND r.resolved", VISITED,
    ),
    _rate(
        "satisfaction_rate", "满意率", "Satisfaction rate",
        "（满意 + 0.9 × 基本满意）÷ 有效回访的诉求数" + _ASSESS_ZH,
        "(satisfied + 0.9 × basic) / visited (assessable requests; 0.9 = basic_credit, a scheme parameter)",
        (Term(f"{VISITED} AND r.satisfaction = 'satisfied'"),
         Term(f"{VISITED} AND r.satisfaction = 'basic'", "basic_credit")),
        VISITED, parameters=(("basic_credit", 0.9),),
    ),
    _rate(
        "on_time_close_rate", "按期办结率", "On-time closure rate",
        "办结时间 ≤ 办结时限的诉求数 ÷ 有办结时限的诉求数（未办结的计为未按期）" + _ASSESS_ZH,
        "closed_at ≤ resolve_by / requests with a resolve_by (not closed = not on time; assessable requests)",
        f"{ASSESSABLE} AND r.resolve_by IS NOT NULL AND r.closed_at <= r.resolve_by",
        f"{ASSESSABLE} AND r.resolve_by IS NOT NULL",
    ),
    _quantile(
        "close_hours_p50", "办结时长中位数", "Time to close, median",
        "受理至办结的小时数的中位数（连续分位数）" + _ASSESS_ZH,
        "median hours from received_at to closed_at (continuous quantile; assessable, closed requests)",
        CLOSE_HOURS, f"{ASSESSABLE} AND r.closed_at IS NOT NULL", 0.5,
    ),
    _quantile(
        "close_hours_p90", "办结时长P90", "Time to close, 90th percentile",
        "受理至办结的小时数的第 90 百分位数（连续分位数）" + _ASSESS_ZH,
        "90th percentile of hours from received_at to closed_at (continuous; assessable, closed requests)",
        CLOSE_HOURS, f"{ASSESSABLE} AND r.closed_at IS NOT NULL", 0.9,
    ),
    Metric(
        "backlog", "在办量", "Backlog",
        "期末仍未办结的诉求数：期末前受理、期末时未办结（含往期受理）" + _ASSESS_ZH,
        "requests received before the period end and not closed by then, whenever received (assessable requests)",
        "count", False, "stock", terms=(Term(OPEN_AT_END),), opens="r.received_at",
        note_zh="期末存量，不是“期内受理”。", note_en="A stock at the period end, not 'received in the period'.",
    ),
    Metric(
        "overdue", "超期量", "Overdue",
        "期末在办且已超过办结时限（resolve_by < 期末）的诉求数" + _ASSESS_ZH,
        "backlog requests whose resolve_by is before the period end (assessable requests)",
        "count", False, "stock", terms=(Term(f"{OPEN_AT_END} AND r.resolve_by < $end"),),
        opens="CASE WHEN r.resolve_by IS NOT NULL THEN greatest(r.received_at, r.resolve_by) END",
        note_zh="期末存量，不是“期内受理”。", note_en="A stock at the period end, not 'received in the period'.",
    ),
    _rate(
        "repeat_rate", "重复率", "Repeat rate",
        "标记为重复诉求的诉求数 ÷ 诉求数" + _ASSESS_ZH, "is_repeat / requests (assessable requests)",
        f"{ASSESSABLE} AND r.is_repeat", ASSESSABLE, better=False,
    ),
    _rate(
        "return_rate", "退单率", "Return rate",
        "退单次数 > 0 的诉求数 ÷ 诉求数" + _ASSESS_ZH, "returned_count > 0 / requests (assessable requests)",
        f"{ASSESSABLE} AND r.returned_count > 0", ASSESSABLE, better=False,
    ),
    _rate(
        "visit_coverage", "回访率", "Return-visit coverage",
        "已办结诉求中有效回访的诉求数 ÷ 已办结的诉求数" + _ASSESS_ZH,
        "visited / closed (closed = closed_at set or status 'closed'; assessable requests)",
        f"{CLOSED} AND r.visited", CLOSED,
    ),
    Metric(
        "staff_per_10k", "每万人工作者", "Staff per 10k residents",
        "工作者人数 ÷ 常住人口 × 10 000（省标准：18）", "staff / population × 10 000 (provincial standard: 18)",
        "per_10k", True, "per_10k", per_10k_of="staff", parameters=(("standard", 18.0),),
        note_zh="取自单位表，与诉求无关。", note_en="From the units table; independent of requests and filters.",
    ),
)

# The stored request fields each metric needs (``a|b``: either). A metric whose fields the data does not
# hold is "not in the data" (metrics.query.coverage), never 0 %. Survey fields: visited, contacted, resolved,
# satisfaction; timing: respond_by, resolve_by, first_contact_at, closed_at, status.
FIELDS: dict[str, tuple[str, ...]] = {
    "requests": (), "requests_per_10k": (), "staff_per_10k": (),
    "proactive_share": ("source",),
    "response_rate": ("visited", "contacted"),
    "on_time_response_rate": ("respond_by", "first_contact_at"),
    "response_hours_p50": ("first_contact_at",),
    "response_hours_p90": ("first_contact_at",),
    "resolution_rate": ("visited", "resolved"),
    "satisfaction_rate": ("visited", "satisfaction"),
    "on_time_close_rate": ("resolve_by", "closed_at|status"),
    "close_hours_p50": ("closed_at",),
    "close_hours_p90": ("closed_at",),
    "backlog": ("closed_at|status",),
    "overdue": ("resolve_by", "closed_at|status"),
    "repeat_rate": ("is_repeat",),
    "return_rate": ("returned_count",),
    "visit_coverage": ("visited", "closed_at|status"),
}
METRICS = tuple(replace(m, fields=FIELDS[m.id]) for m in METRICS)
BY_ID: dict[str, Metric] = {m.id: m for m in METRICS}
RATE_IDS: tuple[str, ...] = tuple(m.id for m in METRICS if m.kind == "rate")
DEFAULT_PARAMS: dict[str, float] = {k: v for m in METRICS for k, v in m.parameters if k == "basic_credit"}


def resolve(metric_ids: tuple[str, ...] | list[str] | None) -> tuple[Metric, ...]:
    """Registry entries for ids (all when None); raises ValueError naming an unknown id."""
    if metric_ids is None:
        return METRICS
    unknown = [m for m in metric_ids if m not in BY_ID]
    if unknown:
        raise ValueError(f"unknown metric id(s): {', '.join(unknown)}")
    return tuple(BY_ID[m] for m in metric_ids)

