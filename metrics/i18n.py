"""One table of UI strings in Chinese and English, and language-aware number formats.

Metric labels come from the registry; everything else a page or an export shows comes from here.
"""
from __future__ import annotations

import math

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

STRINGS: dict[str, tuple[str, str]] = {
    "app.title": ("网格治理效能评估看板", "GridScore — grid governance performance"),
    "app.short": ("网格治理效能评估", "GridScore"),
    "lang.label": ("语言", "Language"),
    "nav.overview": ("总览", "Overview"),
    "nav.map": ("网格地图", "Grid map"),
    "nav.response": ("响应时效", "Response"),
    "nav.resolution": ("办结与解决", "Resolution"),
    "nav.satisfaction": ("满意度", "Satisfaction"),
    "nav.requests": ("工单明细", "Requests"),
    "nav.glossary": ("指标说明", "Glossary"),
    "nav.assessment": ("考核评价", "Assessment"),
    "nav.data": ("数据管理", "Data"),
    "nav.wall": ("大屏", "Wall"),
    "nav.group.analysis": ("分析", "Analysis"),
    "nav.group.assessment": ("考核", "Assessment"),
    "nav.group.admin": ("管理", "Admin"),
    "data_as_of": ("数据截至", "Data as of"),
    "period": ("统计周期", "Period"),
    "no_data": ("暂无数据", "No data"),
    "mom": ("环比", "MoM"),
    "yoy": ("同比", "YoY"),
    "pp": ("个百分点", "pp"),
    "overview.heading": ("全域总览", "Territory overview"),
    "overview.kpis": ("核心指标（{period}）", "Key figures ({period})"),
    "overview.vs_prev": ("较上月", "vs previous month"),
    "store.error": ("数据库无法使用", "The data store cannot be used"),
    "store.empty": ("数据库中还没有工单数据。", "The store holds no requests yet."),
}


def t(key: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """The string for key in lang; a missing key shows itself so it is noticed, not hidden."""
    pair = STRINGS.get(key)
    text = key if pair is None else pair[0 if lang == "zh" else 1]
    return text.format(**fmt) if fmt else text


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_count(value: float | None, lang: str = DEFAULT_LANG) -> str:
    """Counts: 12.3万 / 1.2亿 in Chinese, 123,456 in English."""
    if _missing(value):
        return t("no_data", lang)
    n = float(value)
    if lang == "zh":
        if abs(n) >= 1e8:
            return f"{n / 1e8:.2f}亿"
        if abs(n) >= 1e4:
            return f"{n / 1e4:.2f}万"
        return f"{n:,.0f}"
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
