"""大屏 Wall: everything the unattended wall display shows, assembled from the metrics layer.

Pure Python (no streamlit). Only aggregates leave this module: KPIs of the latest full month
(the same numbers as :func:`metrics.present.kpi.overview_kpis`), the composite score of the default
scheme, a 12-month trend, the category hot list, the best and worst streets, this week's alerts
(spikes, overdue backlog) and the map's features. No request rows, names, phones or addresses.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import duckdb
import pandas as pd

from metrics.present import geo
from metrics.present import pages as pages_data
from metrics.core.access import Viewer
from metrics.assess.alerts import Alert
from metrics.assess.engine import assess
from metrics.core.filters import Filters
from metrics.core.formats import fmt_value
from metrics.present.kpi import Kpi, overview_kpis
from metrics.present.common import PAGE_CREDIT, data_range
from metrics.core.periods import Period, custom, latest_full_month, parse_month, previous
from metrics.query.tables import scope_totals
from metrics.query.detail import category_top
from metrics.core.registry import BY_ID
from metrics.core.sqlfiles import read_sql
from metrics.assess.schemes import DEFAULT_SCHEME, load_scheme

TREND_METRICS = ("requests", "response_rate", "resolution_rate", "satisfaction_rate")
RATES = TREND_METRICS[1:]
MAP_METRICS = ("score", "satisfaction_rate")
MAP_LEVELS = ("street", "district")
RANK_N = 5
CATEGORY_N = 8
ALERT_KINDS = ("spike", "overdue")
# The screen the wall is laid out for; ?scale=N (2 on 3840×2160) multiplies its pixel sizes.
BASE_SCREEN = (1920, 1080)
SCALE_RANGE = (0.75, 4.0)
# Columns that would identify a person or a single request; none may reach the wall.
PERSONAL_FIELDS = frozenset({
    "request_id", "citizen_name", "citizen_phone", "address", "description", "lat", "lon",
    "received_at", "first_contact_at", "closed_at", "status_detail",
})

STRINGS: dict[str, tuple[str, str]] = {
    "title": ("网格治理效能 · 一屏观全域", "Grid governance at a glance"),
    "kpis": ("{period} 核心指标", "Key figures · {period}"),
    "score": ("综合得分", "Composite score"),
    "mom": ("环比", "MoM"),
    "as_of": ("数据截至", "Data as of"),
    "updated": ("刷新于", "Refreshed"),
    "trend": ("近12个月走势", "Last 12 months"),
    "map.score": ("{level}综合得分（{scheme}）", "{level} composite score ({scheme})"),
    "map.satisfaction_rate": ("{level}满意率", "{level} satisfaction"),
    "level.street": ("街道", "Street"),
    "level.district": ("区", "District"),
    "city": ("全市", "City"),
    "map.better": ("优于全市", "Better than city"),
    "map.worse": ("低于全市", "Below city"),
    "map.no_data": ("样本不足/无数据", "Insufficient / no data"),
    "week": ("本周态势（{first} 至 {last}）", "This week ({first} – {last})"),
    "week.requests": ("本周诉求", "Requests this week"),
    "week.change": ("较上周", "vs last week"),
    "week.backlog": ("在办", "Open"),
    "week.overdue": ("超期", "Overdue"),
    "week.alerts": ("预警", "Alerts"),
    "panel.ranking": ("街道排名（{scheme}）", "Street ranking ({scheme})"),
    "panel.categories": ("诉求热点类别", "Top request categories"),
    "panel.alerts": ("本周预警", "Alerts this week"),
    "best": ("前 {n} 名", "Top {n}"),
    "worst": ("后 {n} 名", "Bottom {n}"),
    "no_ranked": ("样本不足，暂无排名", "Too few samples to rank"),
    "no_alerts": ("本周无预警", "No alerts this week"),
    "spike": ("{name}：近7天 {n} 件，超出阈值 {threshold}", "{name}: {n} in 7 days, threshold {threshold}"),
    "overdue": ("{name}：超期 {n} 件", "{name}: {n} overdue"),
    "kind.spike": ("激增", "Spike"),
    "kind.overdue": ("超期", "Overdue"),
    "no_data": ("暂无数据", "No data"),
    "empty": ("数据库中还没有工单数据。", "The store holds no requests yet."),
    "pinned": ("固定", "pinned"),
}


def wt(key: str, lang: str, **fmt: object) -> str:
    """The wall's string for key in lang (zh / en); a missing key shows itself."""
    pair = STRINGS.get(key)
    text = key if pair is None else pair[0 if lang == "zh" else 1]
    return text.format(**fmt) if fmt else text


@dataclass(frozen=True)
class Week:
    """The last 7 days of data: requests, the 7 days before, open and overdue requests now."""

    period: Period
    requests: float | None
    previous: float | None
    backlog: float | None
    overdue: float | None

    @property
    def change(self) -> float | None:
        if self.requests is None or not self.previous:
            return None
        return (self.requests - self.previous) / self.previous


@dataclass(frozen=True)
class WallData:
    period: Period
    as_of: dt.datetime
    kpis: tuple[Kpi, ...]
    score: dict[str, float | None]
    trend: pd.DataFrame
    categories: pd.DataFrame
    best: pd.DataFrame
    worst: pd.DataFrame
    week: Week
    alerts: tuple[Alert, ...]
    map: dict

    def frames(self) -> dict[str, pd.DataFrame]:
        """Every table the wall draws (for checks that no personal column is among them)."""
        return {"trend": self.trend, "categories": self.categories, "best": self.best, "worst": self.worst}


def wall_period(con: duckdb.DuckDBPyConnection, text: str | None = None) -> Period | None:
    """The month shown: ``text`` (YYYY-MM) when valid, else the latest full month of data."""
    if text:
        try:
            return parse_month(text)
        except ValueError:
            pass
    return latest_full_month(con)


def this_week(con: duckdb.DuckDBPyConnection, viewer: Viewer, last: dt.datetime) -> Week:
    """The 7 days ending with the data's last day, the 7 before, and the open / overdue stock now."""
    week = custom(last.date() - dt.timedelta(days=6), last.date())
    now = scope_totals(con, viewer, week, None, ("requests", "backlog", "overdue"), basic_credit=PAGE_CREDIT)
    before = scope_totals(con, viewer, previous(week), None, ("requests",), basic_credit=PAGE_CREDIT)
    return Week(week, now["requests"], before["requests"], now["backlog"], now["overdue"])


def week_alerts(con: duckdb.DuckDBPyConnection, viewer: Viewer, week: Period, as_of: dt.datetime,
                scheme_name: str = DEFAULT_SCHEME) -> tuple[Alert, ...]:
    """Spikes (categories, grids) in the week and streets with overdue requests at its end, worst first."""
    found = pages_data.alert_list(con, viewer, "street", week, Filters(), as_of, scheme_name)
    kept = [a for a in found if a.kind in ALERT_KINDS]
    return tuple(sorted(kept, key=lambda a: (ALERT_KINDS.index(a.kind), -a.severity)))


def score_map(scored: pd.DataFrame, bounds: pd.DataFrame, metric: str, centre: float | None, lang: str,
              level: str = "street") -> dict:
    """GeoJSON of the units coloured by ``metric`` on a diverging scale around the city value.

    Units flagged "insufficient sample" are grey for the score (they are not ranked either)."""
    table = scored.copy()
    if metric == "score" and "insufficient" in table:
        table.loc[table["insufficient"].astype(bool), "score"] = float("nan")
    scale = geo.make_scale(table[metric], rate=True, centre=centre, higher_is_better=True)
    name_col = "unit_name" if lang == "zh" else "name_en"
    unit = "score" if metric == "score" else BY_ID[metric].unit

    def label(row) -> dict[str, str]:
        name = row.get(name_col) or row.get("unit_name") or row["unit_id"]
        return {"tip": f"{name}\n{fmt_value(row.get(metric), unit, lang)}", "name": str(name)}

    return {"features": geo.feature_collection(bounds, table, metric, scale, label), "scale": scale,
            "view": geo.view_state(bounds, 900, 640), "empty": bounds.empty, "metric": metric,
            "level": level}


def unit_map(con: duckdb.DuckDBPyConnection, viewer: Viewer, period: Period, level: str, metric: str,
             score: float | None, lang: str, scheme_name: str = DEFAULT_SCHEME) -> dict:
    """The map of ``level`` units coloured by the composite score or the satisfaction rate."""
    scheme = load_scheme(scheme_name)
    scored = assess(con, viewer, scheme, period, level, extra_metrics=RATES)
    bounds = con.execute(read_sql("map_boundaries"), {"ids": scored["unit_id"].tolist()}).df()
    centre = score if metric == "score" else scope_totals(con, viewer, period, None, (metric,),
                                                            basic_credit=scheme.basic_credit)[metric]
    return score_map(scored, bounds, metric, centre, lang, level)


def ranking_columns(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """rank, name, score, grade: what the ranking panel shows of a scored frame."""
    return pd.DataFrame({
        "rank": frame["rank"].astype("Int64"),
        "name": frame["unit_name" if lang == "zh" else "name_en"].fillna(frame["unit_name"]),
        "score": frame["score"],
        "grade": frame["grade_zh" if lang == "zh" else "grade_en"],
    })


def assemble(con: duckdb.DuckDBPyConnection, viewer: Viewer, lang: str, month_text: str | None = None,
             map_metric: str = "score", level: str = "street", scheme_name: str = DEFAULT_SCHEME) -> WallData | None:
    """Everything the wall shows, or None when the store holds no requests."""
    bounds = data_range(con)
    period = wall_period(con, month_text)
    if bounds is None or period is None:
        return None
    as_of = bounds[1]
    kpis = tuple(overview_kpis(con, viewer, period, basic_credit=PAGE_CREDIT))
    score = pages_data.scope_scored(con, viewer, period, Filters(), scheme_name)
    scored = pages_data.scored_units(con, viewer, "street", period, Filters(), scheme_name)
    best, worst = pages_data.best_and_worst(scored, RANK_N)
    week = this_week(con, viewer, as_of)
    return WallData(
        period=period, as_of=as_of, kpis=kpis, score=score,
        trend=pages_data.trend(con, viewer, period, Filters(), TREND_METRICS, basic_credit=PAGE_CREDIT),
        categories=category_top(con, viewer, period, CATEGORY_N)[["category", "requests", "share", "change"]],
        best=ranking_columns(best, lang), worst=ranking_columns(worst, lang),
        week=week, alerts=week_alerts(con, viewer, week.period, as_of, scheme_name),
        map=unit_map(con, viewer, period, level if level in MAP_LEVELS else "street",
                     map_metric if map_metric in MAP_METRICS else "score", score["value"], lang, scheme_name),
    )


def screen_scale(text: object) -> float:
    """The wall's scale factor from the ?scale= parameter: 1 when absent or not a number, else
    clamped to SCALE_RANGE (2 for a 3840×2160 screen, whose pixels are twice 1920×1080's)."""
    try:
        value = float(str(text).strip())
    except (TypeError, ValueError):
        return 1.0
    if not math.isfinite(value):
        return 1.0
    return round(min(SCALE_RANGE[1], max(SCALE_RANGE[0], value)), 2)


def scaled_view(view: dict[str, float], scale: float) -> dict[str, float]:
    """The map view fitted for the 1920×1080 map box, refitted for a box ``scale`` times as many
    pixels wide and high: Web Mercator doubles the pixels per degree with each zoom level."""
    if scale == 1:
        return dict(view)
    return {**view, "zoom": round(view["zoom"] + math.log2(scale), 2)}
