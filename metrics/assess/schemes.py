"""Assessment schemes: data/schemes/*.toml, loaded into frozen dataclasses and validated (DESIGN §5).

A scheme is configuration, never code: weights, methods, targets, bonus/deduction rules,
grade bands, the minimum volume and the period all come from the TOML file. Every
validation error names the file and the field, e.g. ``beijing-3rates.toml: indicators[2].weight: ...``.
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from metrics.core.levels import RANKED_LEVELS
from metrics.core.registry import BY_ID, DEFAULT_PARAMS

SCHEMES_DIR = Path(__file__).resolve().parents[2] / "data" / "schemes"
DEFAULT_SCHEME = "beijing-3rates"

Method = Literal["direct", "target", "minmax", "percentile"]
METHODS: tuple[str, ...] = ("direct", "target", "minmax", "percentile")
VOLUME_BASES: tuple[str, ...] = ("visited", "requests")
DIRECTIONS: tuple[str, ...] = ("higher", "lower")
# grades = "quartiles": four bands cut at the quartiles of the ranked units' scores, best first
QUARTILE_GRADES: tuple[tuple[str, str, float, float], ...] = (
    ("优秀", "Excellent", 75.0, 100.0), ("良好", "Good", 50.0, 75.0),
    ("一般", "Fair", 25.0, 50.0), ("较差", "Poor", 0.0, 25.0))
WEIGHT_TOLERANCE = 1e-9

class SchemeError(ValueError):
    """A scheme file that cannot be used; the message names the file and the field."""


def known_metric_ids() -> frozenset[str]:
    """Metric ids a scheme may name: the registry's (all of DESIGN §4)."""
    return frozenset(BY_ID)


@dataclass(frozen=True)
class PeriodSpec:
    kind: Literal["month", "window"]
    start_day: int = 1       # window: the 19th of the previous month .. the 18th of this month


@dataclass(frozen=True)
class MinVolume:
    basis: str               # 'visited' (valid return visits), 'requests', or a rate id (its denominator)
    n: int


@dataclass(frozen=True)
class Indicator:
    metric: str
    weight: float
    method: Method
    target: float | None = None   # method 'target' only
    cap: float = 1.0              # method 'target': value/target (target/value if lower) is capped at this
    direction: Literal["higher", "lower"] = "higher"   # which way is better (default: the registry's)


@dataclass(frozen=True)
class Rule:
    """Bonus or deduction points: min(cap, per × max(0, value − above)); NULL value → 0 points
    (applied by ``metrics.assess.engine.score_units``)."""

    metric: str
    per: float
    cap: float
    above: float = 0.0
    note: str = ""


@dataclass(frozen=True)
class Grade:
    name_zh: str
    name_en: str
    min: float               # inclusive (quartile grades: the percentile of units, 75/50/25/0)
    max: float               # exclusive, except the top band, which includes 100


@dataclass(frozen=True)
class Scheme:
    name: str
    version: str
    title_zh: str
    title_en: str
    author: str
    created: str
    note: str
    level: str
    period: PeriodSpec
    basic_credit: float
    min_volume: MinVolume
    tie_break: Literal["volume"]
    indicators: tuple[Indicator, ...]
    bonus: tuple[Rule, ...]
    deductions: tuple[Rule, ...]
    grades: tuple[Grade, ...]    # highest band first
    red_list_n: int
    black_list_n: int
    assessable_only: bool
    path: str
    require_all: bool = False    # refuse to score when an indicator is not in the data (else renormalise)
    grades_by: Literal["bands", "quartiles"] = "bands"

    @property
    def metric_ids(self) -> tuple[str, ...]:
        """Every metric the scheme reads: indicators, then rule metrics (no duplicates)."""
        ids = [i.metric for i in self.indicators] + [r.metric for r in self.bonus + self.deductions]
        return tuple(dict.fromkeys(ids))

    def grade_of(self, score: float) -> Grade | None:
        """The band of a score (band grades; quartile grades are cut by the engine over the units)."""
        if score is None or math.isnan(score):
            return None
        return next((g for g in self.grades if score >= g.min), self.grades[-1])


def scheme_path(name_or_path: str | Path) -> Path:
    """A path as given if it names a file, else data/schemes/NAME.toml."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        return path
    return SCHEMES_DIR / f"{name_or_path}.toml"


def list_schemes() -> list[str]:
    """Names of the shipped schemes, the default first."""
    names = sorted(p.stem for p in SCHEMES_DIR.glob("*.toml"))
    return sorted(names, key=lambda n: n != DEFAULT_SCHEME)


def load_scheme(name_or_path: str | Path) -> Scheme:
    """Load and validate a scheme by name (data/schemes/NAME.toml) or by path."""
    path = scheme_path(name_or_path)
    if not path.is_file():
        known = ", ".join(list_schemes())
        raise SchemeError(f"unknown scheme {str(name_or_path)!r}: no file {path} (shipped: {known})")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SchemeError(f"{path.name}: not valid TOML: {exc}") from exc
    return parse_scheme(raw, path.name)


class _Fields:
    """Typed access to one TOML table, raising SchemeError naming the file and field."""

    def __init__(self, raw: dict[str, Any], file: str, prefix: str = "") -> None:
        self.raw, self.file, self.prefix = raw, file, prefix

    def error(self, field: str, message: str) -> SchemeError:
        return SchemeError(f"{self.file}: {self.prefix}{field}: {message}")

    def get(self, field: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if field not in self.raw:
            if default is not ...:
                return default
            raise self.error(field, "missing")
        value = self.raw[field]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = "/".join(k.__name__ for k in kinds)
            raise self.error(field, f"expected {names}, got {value!r}")
        return value

    def number(self, field: str, default: Any = ..., lo: float = -math.inf, hi: float = math.inf,
               lo_open: bool = False) -> float:
        value = self.get(field, float, default)
        if value is None:
            return value
        if not math.isfinite(value) or value < lo or value > hi or (lo_open and value <= lo):
            bound = f"> {lo}" if lo_open else f">= {lo}"
            raise self.error(field, f"{value!r} out of range (must be {bound} and <= {hi})")
        return value

    def table(self, field: str) -> _Fields:
        return _Fields(self.get(field, dict, {}), self.file, f"{self.prefix}{field}.")

    def tables(self, field: str) -> list[_Fields]:
        items = self.get(field, list, [])
        if not all(isinstance(i, dict) for i in items):
            raise self.error(field, "expected an array of tables ([[...]])")
        return [_Fields(item, self.file, f"{self.prefix}{field}[{k}].") for k, item in enumerate(items)]


def _metric(f: _Fields, field: str = "metric") -> str:
    metric = f.get(field, str)
    if metric not in known_metric_ids():
        raise f.error(field, f"unknown metric {metric!r} (known: {', '.join(sorted(known_metric_ids()))})")
    return metric


def _indicator(f: _Fields) -> Indicator:
    metric = _metric(f)
    method = f.get("method", str, "direct")
    if method not in METHODS:
        raise f.error("method", f"unknown method {method!r} (known: {', '.join(METHODS)})")
    target = f.number("target", None, lo=0.0, lo_open=True)
    if method == "target" and target is None:
        raise f.error("target", "required when method = 'target'")
    cap = f.number("cap", 1.0, lo=1.0, hi=2.0)
    entry = BY_ID[metric]
    direction = f.get("direction", str, "higher" if entry.higher_is_better else "lower")
    if direction not in DIRECTIONS:
        raise f.error("direction", f"unknown direction {direction!r} (known: higher, lower: which way is better)")
    if method == "direct" and entry.unit != "rate":
        raise f.error("method", f"'direct' scores a rate × 100; {metric} is a {entry.unit}: use target/minmax/percentile")
    return Indicator(metric, f.number("weight", lo=0.0, hi=1.0, lo_open=True), method, target, cap, direction)


def _rule(f: _Fields) -> Rule:
    return Rule(_metric(f), f.number("per", lo=0.0, lo_open=True), f.number("cap", lo=0.0, hi=100.0),
                f.number("above", 0.0), f.get("note", str, ""))


def _grades(f: _Fields) -> tuple[Grade, ...]:
    if f.raw.get("grades") == "quartiles":
        return tuple(Grade(*g) for g in QUARTILE_GRADES)
    if isinstance(f.raw.get("grades"), str):
        raise f.error("grades", f"unknown grades {f.raw['grades']!r} (an array of [[grades]] bands, or \"quartiles\")")
    grades = [Grade(g.get("name_zh", str), g.get("name_en", str), g.number("min", lo=0.0, hi=100.0),
                    g.number("max", lo=0.0, hi=100.0)) for g in f.tables("grades")]
    if not grades:
        raise f.error("grades", "at least one grade band is required")
    for k, g in enumerate(grades):
        if g.min >= g.max:
            raise f.error(f"grades[{k}]", f"min {g.min:g} must be below max {g.max:g}")
    bands = sorted(grades, key=lambda g: g.min)
    if bands[0].min != 0:
        raise f.error("grades", f"the lowest band starts at {bands[0].min:g}; bands must cover 0-100 from 0")
    if bands[-1].max != 100:
        raise f.error("grades", f"the highest band ends at {bands[-1].max:g}; bands must reach 100")
    for low, high in zip(bands, bands[1:]):
        if high.min < low.max:
            raise f.error("grades", f"bands {low.name_en!r} [{low.min:g}, {low.max:g}) and "
                          f"{high.name_en!r} [{high.min:g}, {high.max:g}) overlap")
        if high.min > low.max:
            raise f.error("grades", f"gap between {low.name_en!r} (ends {low.max:g}) and "
                          f"{high.name_en!r} (starts {high.min:g})")
    return tuple(reversed(bands))


def _period(f: _Fields) -> PeriodSpec:
    kind = f.get("kind", str, "month")
    if kind == "month":
        return PeriodSpec("month")
    if kind == "window":
        day = f.get("start_day", int, 19)
        if not 2 <= day <= 28:
            raise f.error("start_day", f"{day} out of range (2..28; 1 is the calendar month)")
        return PeriodSpec("window", day)
    raise f.error("kind", f"unknown period kind {kind!r} (known: month, window)")


def _min_volume(f: _Fields) -> MinVolume:
    basis = f.get("metric", str, "visited")
    rate_ids = {m for m in known_metric_ids() if m.endswith("_rate")}
    if basis not in VOLUME_BASES and basis not in rate_ids:
        raise f.error("metric", f"unknown volume basis {basis!r} (known: visited, requests, or a rate id)")
    n = f.get("n", int, 30)
    if n < 1:
        raise f.error("n", f"{n} must be a positive whole number")
    return MinVolume(basis, n)


def parse_scheme(raw: dict[str, Any], file: str = "<scheme>") -> Scheme:
    """Validate a parsed TOML document into a Scheme; raise SchemeError naming file and field."""
    f = _Fields(raw, file)
    indicators = tuple(_indicator(i) for i in f.tables("indicators"))
    if not indicators:
        raise f.error("indicators", "at least one [[indicators]] table is required")
    metrics = [i.metric for i in indicators]
    if len(set(metrics)) != len(metrics):
        raise f.error("indicators", f"a metric appears twice: {metrics}")
    total = math.fsum(i.weight for i in indicators)
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise f.error("indicators.weight", f"weights sum to {total!r}, not 1")
    level = f.get("level", str, "street")
    if level not in RANKED_LEVELS:
        raise f.error("level", f"unknown level {level!r} (known: {', '.join(RANKED_LEVELS)})")
    tie_break = f.get("tie_break", str, "volume")
    if tie_break != "volume":
        raise f.error("tie_break", f"unknown tie-break {tie_break!r} (known: volume)")
    exclusions = f.table("exclusions")
    assessable_only = exclusions.get("assessable_only", bool, True)
    if not assessable_only:
        raise exclusions.error("assessable_only", "rates always count assessable requests only (DESIGN §4)")
    lists = [f.get(k, int, 3) for k in ("red_list_n", "black_list_n")]
    for key, n in zip(("red_list_n", "black_list_n"), lists):
        if n < 0:
            raise f.error(key, f"{n} must be zero or more")
    return Scheme(
        name=f.get("name", str), version=str(f.get("version", (str, int, float))),
        title_zh=f.get("title_zh", str), title_en=f.get("title_en", str),
        author=f.get("author", str, ""), created=str(f.get("created", object, "")),
        note=f.get("note", str, "").strip(), level=level, period=_period(f.table("period")),
        basic_credit=f.number("basic_credit", DEFAULT_PARAMS["basic_credit"], lo=0.0, hi=1.0),
        min_volume=_min_volume(f.table("min_volume")), tie_break="volume",
        indicators=indicators, bonus=tuple(_rule(r) for r in f.tables("bonus")),
        deductions=tuple(_rule(r) for r in f.tables("deductions")), grades=_grades(f),
        red_list_n=lists[0], black_list_n=lists[1], assessable_only=True, path=file,
        require_all=f.get("require_all", bool, False),
        grades_by="quartiles" if raw.get("grades") == "quartiles" else "bands",
    )
