"""Language-aware formats of numbers, rates, durations and periods, for pages and exports.

A missing value (None or NaN) shows as the UI's "no data" string, never as 0.
"""
from __future__ import annotations

import math

from metrics.core.i18n import DEFAULT_LANG, t


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_count(value: float | None, lang: str = DEFAULT_LANG) -> str:
    """Counts: 12.3万 / 1.2亿 in Chinese, 123,456 in English."""
    if _missing(value):
        return t("no_data", lang)
    n = float(value)
    if lang == "zh" and abs(n) >= 1e8:
        return f"{n / 1e8:.2f}亿"
    if lang == "zh" and abs(n) >= 1e4:
        return f"{n / 1e4:.2f}万"
    return f"{n:,.0f}"


def fmt_rate(value: float | None, lang: str = DEFAULT_LANG, digits: int = 1) -> str:
    """A fraction 0..1 shown as a percentage."""
    return t("no_data", lang) if _missing(value) else f"{100 * float(value):.{digits}f}%"


def fmt_pp(change: float | None, lang: str = DEFAULT_LANG) -> str | None:
    """A change of a rate (fraction) in percentage points, signed."""
    if _missing(change):
        return None
    return f"{100 * float(change):+.1f} {t('pp', lang)}"


def fmt_relative(change: float | None, lang: str = DEFAULT_LANG) -> str | None:
    """A relative change (0.05 = +5.0%)."""
    return None if _missing(change) else f"{100 * float(change):+.1f}%"


def fmt_period(period, lang: str = DEFAULT_LANG) -> str:
    """A period for people: 2026年9月 / Sep 2026, 2026年第3季度 / 2026 Q3, 2026年 / 2026, or a date range."""
    kind, start = period.kind, period.start
    if kind == "month":
        return f"{start.year}年{start.month}月" if lang == "zh" else start.strftime("%b %Y")
    if kind == "quarter":
        q = (start.month - 1) // 3 + 1
        return f"{start.year}年第{q}季度" if lang == "zh" else f"{start.year} Q{q}"
    if kind == "year":
        return f"{start.year}年" if lang == "zh" else f"{start.year}"
    last = period.last_day
    sep = " 至 " if lang == "zh" else " – "
    return f"{start.isoformat()}{sep}{last.isoformat()}"


def fmt_hours(value: float | None, lang: str = DEFAULT_LANG) -> str:
    """Hours: 5.2 小时 / 5.2 h; two days and more also in days."""
    if _missing(value):
        return t("no_data", lang)
    h = float(value)
    if h < 1:
        return f"{h * 60:.0f} 分钟" if lang == "zh" else f"{h * 60:.0f} min"
    if h >= 48:
        return f"{h / 24:.1f} 天" if lang == "zh" else f"{h / 24:.1f} d"
    return f"{h:.1f} 小时" if lang == "zh" else f"{h:.1f} h"


def fmt_value(value: float | None, unit: str, lang: str = DEFAULT_LANG) -> str:
    """Any metric value by its registry unit."""
    if unit == "rate":
        return fmt_rate(value, lang)
    if unit == "hours":
        return fmt_hours(value, lang)
    if unit in ("per_10k", "score"):
        return t("no_data", lang) if _missing(value) else f"{float(value):.1f}"
    return fmt_count(value, lang)
