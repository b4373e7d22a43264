"""One table of UI strings in Chinese and English, and language-aware number formats.

Metric labels come from the registry; everything else a page or an export shows comes from here.
"""
from __future__ import annotations

import math

from metrics.core.i18n_auth import AUTH_STRINGS

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
    "chart.click_rows": ("点击图形查看对应工单。", "Click the chart to see the requests behind it."),
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
    "map.metric": ("着色指标", "Colour by"),
    "map.layer": ("图层", "Layer"),
    "map.layer.units": ("单位区域", "Unit areas"),
    "map.layer.hex": ("六边形密度", "Hexagon density"),
    "map.layer.points": ("工单点位", "Request points"),
    "map.resolution": ("H3 分辨率", "H3 resolution"),
    "map.up": ("返回上一级", "Up one level"),
    "map.density": ("诉求密度（件/格）", "Requests per hexagon"),
    "map.no_boundaries": ("{level}没有地理边界，无法在地图上显示。", "{level} units have no boundaries to map."),
    "map.diverging": ("以全域值 {city} 为中点：绿色优于全域，红色劣于全域。", "Centred on the selection's value {city}: green is better, red worse."),
    "map.click_hint": ("点击区域下钻到下一级。", "Click an area to drill down one level."),
    "map.bottom_hint": ("已是最低层级（网格）。", "Lowest level (grids)."),
    "map.selection_value": ("{metric}（当前选择整体）", "{metric}, whole selection"),
    "channel.hotline": ("12345热线", "12345 hotline"),
    "channel.app": ("移动应用", "App"),
    "channel.wechat": ("微信", "WeChat"),
    "channel.web": ("网站", "Web"),
    "channel.letter": ("来信", "Letter"),
    "channel.visit": ("来访", "Visit"),
    "channel.mailbox": ("信箱", "Mailbox"),
    "channel.patrol": ("网格巡查", "Grid patrol"),
    "satisfaction.satisfied": ("满意", "satisfied"),
    "satisfaction.basic": ("基本满意", "basically satisfied"),
    "satisfaction.unsatisfied": ("不满意", "unsatisfied"),
    "status.open": ("在办", "open"),
    "status.closed": ("已办结", "closed"),
    "count": ("件数", "Count"),
    "hours": ("小时", "Hours"),
    "hours_log": ("时长（小时，对数刻度）", "Duration (hours, log scale)"),
    "hour_of_day": ("时段（时）", "Hour of day"),
    "age.band": ("{lo}–{hi}天", "{lo}–{hi} d"),
    "age.over": ("{lo}天以上", "over {lo} d"),
    "unit.count": ("件", "count"),
    "unit.rate": ("比率", "rate"),
    "unit.hours": ("小时", "hours"),
    "unit.per_10k": ("每万人", "per 10k residents"),
    "unit.score": ("分", "points"),
    "funnel.received": ("受理", "Received"),
    "funnel.contacted": ("已联系", "Contacted"),
    "funnel.closed": ("已办结", "Closed"),
    "funnel.visited": ("有效回访", "Return-visited"),
    "funnel.resolved": ("已解决", "Resolved"),
    "funnel.satisfied": ("满意/基本满意", "Satisfied / basic"),
    "response.which": ("时长", "Duration"),
    "response.response": ("响应时长", "Time to respond"),
    "response.close": ("办结时长", "Time to close"),
    "response.by_unit": ("各{level}时长（P50 / P90）", "Durations by {level} (p50 / p90)"),
    "response.top30": ("仅显示 P90 最长的 30 个单位。", "Only the 30 units with the longest p90 are shown."),
    "response.distribution": ("时长分布", "Distribution"),
    "response.heatmap": ("受理时段分布（星期 × 小时）", "Requests by weekday × hour"),
    "response.by_group": ("按渠道、类别、紧急程度", "By channel, category and urgency"),
    "response.on_time_by_unit": ("各{level}按时率", "On-time rates by {level}"),
    "resolution.funnel": ("办理漏斗", "Handling funnel"),
    "resolution.funnel_note": ("已联系：有首次联系记录；已办结：有办结时间或状态为办结；有效回访及之后为可考核诉求的回访结果。",
                               "Contacted: a first contact is recorded; closed: a closing time or status; return-visited and after: what citizens said on valid return visits (assessable requests)."),
    "resolution.ageing": ("在办工单账龄（截至 {end}）", "Backlog age (at {end})"),
    "resolution.within": ("未超期", "Within deadline"),
    "resolution.days_open": ("已办理天数", "Days open"),
    "resolution.overdue_list": ("超期工单（最久的在前）", "Overdue requests (oldest first)"),
    "resolution.no_overdue": ("期末没有超期工单。", "No overdue requests at the period end."),
    "resolution.all_overdue": ("查看全部 {n} 件超期工单", "See all {n} overdue requests"),
    "resolution.by_unit": ("各{level}办结、重复与退单", "Closure, repeat and return by {level}"),
    "resolution.by_category": ("各类别重复率与退单率", "Repeat and return rates by category"),
    "satisfaction.trend": ("近12个月满意率与回访率", "Satisfaction and return-visit coverage, last 12 months"),
    "satisfaction.vs_response": ("满意率与响应时长", "Satisfaction by response time"),
    "satisfaction.visited": ("有效回访数", "Valid return visits"),
    "satisfaction.response_band": ("响应时长区间", "Response time band"),
    "satisfaction.by_unit": ("各{level}满意率（95% 置信区间）", "Satisfaction by {level} (95% Wilson interval)"),
    "satisfaction.overall": ("整体", "overall"),
    "satisfaction.wilson_note": ("显示满意率最低的 {n} 个单位（共 {total} 个有数据）；误差线为 Wilson 95% 区间，样本越小区间越宽。",
                                 "The {n} units with the lowest satisfaction of {total} with data; bars are Wilson 95% intervals, wider for smaller samples."),
    "satisfaction.coverage": ("各{level}回访率（最低20个）", "Return-visit coverage by {level} (lowest 20)"),
    "satisfaction.lowest_categories": ("满意率最低的类别", "Categories with the lowest satisfaction"),
    "satisfaction.min_visits": ("仅含有效回访不少于 {n} 件的类别。", "Only categories with at least {n} valid return visits."),
    "requests.metric": ("指标（显示构成该指标的工单）", "Metric (show the rows behind it)"),
    "requests.all_rows": ("期内受理的全部工单", "All requests received in the period"),
    "requests.sort": ("排序", "Sort by"),
    "requests.desc": ("降序", "Descending"),
    "requests.page": ("页码（共 {pages} 页）", "Page (of {pages})"),
    "requests.page_of": ("第 {page} / {pages} 页，每页 50 条", "Page {page} of {pages}, 50 rows a page"),
    "requests.total": ("共 **{n}** 条工单", "**{n}** requests"),
    "requests.masked": ("个人信息已脱敏", "personal data masked"),
    "requests.csv": ("下载 CSV（{n} 条，已脱敏）", "Download CSV ({n} rows, masked)"),
    "requests.csv_limit": ("CSV 最多导出 {n} 条。", "The CSV holds at most {n} rows."),
    "requests.rows_rate": ("显示该比率的分母工单，“得分”列为每条工单计入分子的值（1、0.9 或 0）。",
                           "Rows are the rate's denominator; the credit column is what each row adds to the numerator (1, 0.9 or 0)."),
    "requests.rows_quantile": ("显示有该时长的工单，“时长”列为小时数。", "Rows with this duration; the hours column holds it."),
    "requests.rows_stock": ("显示期末时仍在办的工单（含往期受理）。", "Rows open at the period end (received at any time before it)."),
    "requests.rows_count": ("显示期内受理的工单。", "Rows received in the period."),
    "requests.rows_per_10k": ("显示期内受理的工单（分子）。", "Rows received in the period (the numerator)."),
    "col.request_id": ("工单编号", "Request"),
    "col.received_at": ("受理时间", "Received"),
    "col.closed_at": ("办结时间", "Closed"),
    "col.first_contact_at": ("首次联系", "First contact"),
    "col.resolve_by": ("办结时限", "Resolve by"),
    "col.respond_by": ("响应时限", "Respond by"),
    "col.category": ("诉求类别", "Category"),
    "col.subcategory": ("子类", "Subcategory"),
    "col.channel": ("渠道", "Channel"),
    "col.source": ("来源", "Source"),
    "col.unit_id": ("单位编码", "Unit id"),
    "col.unit_name": ("属地单位", "Unit"),
    "col.dept_id": ("部门编码", "Department id"),
    "col.dept_name": ("承办部门", "Department"),
    "col.urgency": ("紧急程度", "Urgency"),
    "col.status": ("状态", "Status"),
    "col.status_detail": ("状态明细", "Status detail"),
    "col.visited": ("已回访", "Visited"),
    "col.contacted": ("已联系", "Contacted"),
    "col.resolved": ("已解决", "Resolved"),
    "col.satisfaction": ("满意度", "Satisfaction"),
    "col.is_repeat": ("重复", "Repeat"),
    "col.returned_count": ("退单次数", "Returns"),
    "col.extended": ("延期", "Extended"),
    "col.assessable": ("可考核", "Assessable"),
    "col.exclusion_reason": ("不予考核原因", "Exclusion reason"),
    "col.credit": ("得分", "Credit"),
    "col.hours": ("时长（小时）", "Hours"),
    "col.citizen_name": ("姓名", "Name"),
    "col.citizen_phone": ("电话", "Phone"),
    "col.address": ("地址", "Address"),
    "col.description": ("诉求内容", "Description"),
    "glossary.intro": ("本页由指标注册表自动生成，页面和导出使用的正是这里的公式。",
                       "Generated from the metric registry: the formulas here are the ones the pages and exports run."),
    "glossary.metric": ("指标", "Metric"),
    "glossary.other_language": ("英文名", "Chinese name"),
    "glossary.unit": ("单位", "Unit"),
    "glossary.direction": ("方向", "Direction"),
    "glossary.higher": ("越高越好", "higher is better"),
    "glossary.lower": ("越低越好", "lower is better"),
    "glossary.formula": ("公式", "Formula"),
    "glossary.kind": ("计算类型", "kind"),
    "glossary.parameters": ("参数", "Parameters"),
    "glossary.notes": ("说明与近似", "Notes and approximations"),
    "glossary.details": ("详情", "Details"),
    "alerts.heading": ("风险预警", "Alerts"),
    "alerts.none": ("本期没有预警。", "No alerts for this period."),
    "alerts.spike": ("突增（近7天超过基线 + 3σ）", "Spikes (last 7 days above baseline + 3σ)"),
    "alerts.floor": ("低于底线", "Below the floor"),
    "alerts.overdue": ("超期积压", "Overdue backlog"),
    "alerts.spike_text": ("{name}：近7天 {n} 件，阈值 {threshold}", "{name}: {n} in the last 7 days, threshold {threshold}"),
    "alerts.floor_text": ("{name}：{metric} {value}，底线 {floor}", "{name}: {metric} {value}, floor {floor}"),
    "alerts.overdue_text": ("{name}：超期 {n} 件", "{name}: {n} overdue"),
}
STRINGS.update(AUTH_STRINGS)


def code_label(kind: str, code: object, lang: str = DEFAULT_LANG) -> object:
    """A coded value (channel, source, urgency, status, satisfaction) in words; unknown codes as they are."""
    if code is None or (isinstance(code, float) and math.isnan(code)):
        return code
    pair = STRINGS.get(f"{kind}.{code}")
    return code if pair is None else pair[0 if lang == "zh" else 1]


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
