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
    "filters": ("筛选", "Filters"),
    "period.month": ("月度", "Month"),
    "period.quarter": ("季度", "Quarter"),
    "period.year": ("年度", "Year"),
    "period.custom": ("自定义", "Custom"),
    "period.window": ("考核窗口", "Window"),
    "period.range": ("起止日期", "Date range"),
    "unit": ("单位", "Unit"),
    "unit.all": ("全市", "Whole city"),
    "unit.any": ("全部", "All"),
    "level.city": ("市", "City"),
    "level.district": ("区", "District"),
    "level.street": ("街道", "Street"),
    "level.community": ("社区", "Community"),
    "level.grid": ("网格", "Grid"),
    "level.department": ("部门", "Department"),
    "level.shown": ("展示层级", "Level shown"),
    "category": ("诉求类别", "Category"),
    "channel": ("渠道", "Channel"),
    "source": ("来源", "Source"),
    "source.citizen": ("接诉", "Citizen"),
    "source.proactive": ("主动治理", "Proactive"),
    "urgency": ("紧急程度", "Urgency"),
    "urgency.urgent": ("紧急", "Urgent"),
    "urgency.normal": ("一般", "Normal"),
    "no_data.detail": ("暂无数据：当前筛选条件下没有工单。", "No data: no requests match the current filters."),
    "rows_link": ("查看工单明细", "See the requests"),
    "rows_link.short": ("明细", "Rows"),
    "score": ("综合得分", "Composite score"),
    "rank": ("排名", "Rank"),
    "grade": ("等级", "Grade"),
    "rate": ("比率", "Rate"),
    "previous": ("上期", "previous"),
    "overview.score_help": ("考核方案：{scheme}；较上期变化为分差", "Scheme: {scheme}; change vs previous period in points"),
    "overview.trend": ("近12个月趋势", "Last 12 months"),
    "overview.ranking": ("{level}排名（{scheme}）", "{level} ranking ({scheme})"),
    "overview.best": ("前10名（红榜）", "Best 10"),
    "overview.worst": ("后10名（黑榜）", "Worst 10"),
    "overview.no_ranked": ("本期没有样本充足的单位可排名。", "No unit has a sufficient sample to be ranked in this period."),
    "overview.categories": ("诉求类别热度（环比）", "Hot categories (change vs previous period)"),
    "overview.categories_note": ("红色：较上期增长超过 10%。", "Red: up more than 10% on the previous period."),
    "alerts.heading": ("风险预警", "Alerts"),
    "alerts.none": ("本期没有预警。", "No alerts for this period."),
    "alerts.spike": ("突增（近7天超过基线 + 3σ）", "Spikes (last 7 days above baseline + 3σ)"),
    "alerts.floor": ("低于底线", "Below the floor"),
    "alerts.overdue": ("超期积压", "Overdue backlog"),
    "alerts.spike_text": ("{name}：近7天 {n} 件，阈值 {threshold}", "{name}: {n} in the last 7 days, threshold {threshold}"),
    "alerts.floor_text": ("{name}：{metric} {value}，底线 {floor}", "{name}: {metric} {value}, floor {floor}"),
    "alerts.overdue_text": ("{name}：超期 {n} 件", "{name}: {n} overdue"),
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
