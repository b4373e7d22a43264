"""大屏 Wall (/wall): one dark full screen for an unattended 1920×1080 or 3840×2160 display.

Headline KPIs of the latest full month with MoM and the composite score (beijing-3rates), the
street map coloured by that score, the 12-month trend, this week's situation, and a panel that
rotates between the street ranking, the category hot list and this week's alerts. Aggregates only.

URL: ?lang=en, ?rotate=SECONDS (rotation speed, default 20), ?panel=N (1-based: pin one panel),
?period=YYYY-MM (show another month), ?map=satisfaction_rate, ?level=district,
?scale=N (pixel sizes of the charts and the map's zoom relative to 1920×1080).
Screen size: no parameter is needed. Layout and text scale with the viewport (vh); plotly and deck.gl
size in pixels, so on its first load the page compares the window with 1920×1080 and, when they
differ by a quarter or more, reloads itself once with ?scale=<factor> (?scale=2 on 3840×2160).
A ?scale= in the URL is kept as given (set it by hand if a screen should be treated otherwise).
The page checks the store every minute (?watch=SECONDS, 2..3600) and redraws itself when an
import published new data, and at least every REFRESH_S seconds. When the store cannot be read
(moved, being replaced by hand, a disk problem), the wall keeps showing the last data it drew
with a small "stale" marker, and recovers by itself when the store is back. Every parameter is
validated once (views.state.url_param); a bad value shows a small notice and the default.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import time
from html import escape

import duckdb
import pydeck as pdk
import streamlit as st

from metrics.present import wall
from metrics.core.formats import fmt_period, fmt_value
from metrics.core.periods import parse_month
from metrics.core.registry import BY_ID
from metrics.assess.schemes import DEFAULT_SCHEME, load_scheme
from views import ui
from views import wall_parts as parts
from views.state import StoreError, int_check, lang, session_snapshot, store_version, tr, url_param, viewer

ROTATE_S, ROTATE_MIN = 20, 5
REFRESH_S, WATCH_S = 300, 60
PANELS = ("ranking", "categories", "alerts")


def _int_param(name: str, low: int, high: int, default: int | None = None) -> int | None:
    text = url_param(name, check=int_check(low, high), default=None if default is None else str(default))
    return None if text is None else int(text)


def _scale_ok(text: str) -> bool:
    value = float(text)
    return wall.SCALE_RANGE[0] <= value <= wall.SCALE_RANGE[1]


def _stale_html(text: str) -> str:
    """The small marker shown while the wall keeps its last data because the store cannot be read."""
    return f"<br><span class='wall-stale' style='color:#f5a524;font-size:0.8em'>● {escape(text)}</span>"


def _version_or_none() -> object:
    try:
        return store_version()
    except OSError:
        return None


@st.cache_data(show_spinner=False, max_entries=4, ttl=REFRESH_S)
def _assemble(_con, version: object, who, language: str, month: str | None, map_metric: str, level: str):
    return wall.assemble(_con, who, language, month, map_metric, level)


def _watch(version: object, drawn_at: float) -> None:
    """Redraw the whole page when the store changed (or came back) or the wall has shown the same data for REFRESH_S."""
    if _version_or_none() != version or time.monotonic() - drawn_at >= REFRESH_S:
        st.rerun()


def _panel(data: wall.WallData, language: str, rotate: int, pinned: int | None, scheme_title: str,
           scale: float) -> None:
    index = pinned if pinned is not None else int(time.time() // rotate) % len(PANELS)
    name = PANELS[index]
    titles = [escape(wall.wt(f"panel.{p}", language, scheme=scheme_title)) for p in PANELS]
    st.html(f"<div class='wall' style='display:flex;justify-content:space-between;align-items:baseline'>"
            f"<h3>{titles[index]}</h3>{parts.dots_html(titles, index, pinned is not None, language)}</div>")
    if name == "ranking":
        st.html(parts.ranking_html(data.best, data.worst, language, wall.RANK_N))
    elif name == "alerts":
        st.html(parts.alerts_html(data.alerts, language))
    elif data.categories.empty:
        st.html(f"<div class='wall muted'>{wall.wt('no_data', language)}</div>")
    else:
        with st.container(key="wall_panel_chart"):
            st.plotly_chart(ui.plain_figure(parts.categories_figure(data.categories, language, scale)), theme=None,
                            height="stretch", config={"displayModeBar": False, "staticPlot": True}, key="wall-categories")


def _map(data: wall.WallData, language: str, scheme_title: str, scale: float) -> None:
    layer = data.map
    metric = layer["metric"]
    level = wall.wt(f"level.{layer['level']}", language)
    label = "" if metric not in BY_ID else BY_ID[metric].zh if language == "zh" else BY_ID[metric].en
    title = wall.wt(f"map.{metric}" if metric in ("score", "satisfaction_rate") else "map.metric", language,
                    level=level, scheme=scheme_title, metric=label)
    st.html(f"<div class='wall'><h3>{escape(title)}</h3></div>")
    if layer["empty"]:
        st.html(f"<div class='wall muted'>{wall.wt('no_data', language)}</div>")
        return
    deck = pdk.Deck(
        layers=[pdk.Layer("GeoJsonLayer", parts.darken_no_data(layer["features"]), id="wall-units",
                          pickable=False, stroked=True, filled=True, get_fill_color="properties.fill",
                          get_line_color=[6, 16, 29, 255],
                          line_width_min_pixels=1)],
        initial_view_state=pdk.ViewState(**wall.scaled_view(layer["view"], scale)), map_provider="carto",
        map_style=parts.dark_basemap(),
    )
    with st.container(key="wall_map"):
        st.pydeck_chart(deck, height="stretch", key="wall-deck")
    centre = layer["centre"]
    unit = "score" if metric == "score" else BY_ID[metric].unit
    city = f"{wall.wt('city', language)} {fmt_value(centre, unit, language)}"
    st.html(parts.legend_html(layer["scale"], city, language, lambda v: fmt_value(v, unit, language)))


language = lang()
me = dataclasses.replace(viewer(), role="display", may_see_personal=False)
rotate = _int_param("rotate", ROTATE_MIN, 24 * 3600, ROTATE_S)
pinned = _int_param("panel", 1, len(PANELS))
pinned = pinned - 1 if pinned is not None else None
watch = _int_param("watch", 2, 3600, WATCH_S)
scale = wall.screen_scale(url_param("scale", check=_scale_ok))
month_text = url_param("period", check=lambda text: parse_month(text) is not None)
map_metric = url_param("map", allowed=wall.MAP_METRICS, default="score")
map_level = url_param("level", allowed=wall.MAP_LEVELS, default="street")
scheme = load_scheme(DEFAULT_SCHEME)
scheme_title = scheme.title_zh if language == "zh" else scheme.title_en

st.html(parts.CSS)
now = dt.datetime.now()
stale_since: dt.datetime | None = None
try:
    con, version = session_snapshot()
    data = _assemble(con, version, me, language, month_text, map_metric, map_level)
    st.session_state["_wall_last"] = (data, now, (language, month_text, map_metric, map_level))
except (StoreError, OSError, duckdb.Error) as exc:
    last = st.session_state.get("_wall_last")
    if last is None or last[2] != (language, month_text, map_metric, map_level):
        st.error(f"{tr('store.error')}: {exc}")
        st.fragment(_watch, run_every=watch)(None, time.monotonic())
        st.stop()
    data, stale_since, _ = last
    version = None
st.fragment(_watch, run_every=watch)(version, time.monotonic())

if data is None:
    with st.container(key="wall_head"):
        st.html(parts.head_html(wall.wt("title", language), wall.wt("empty", language), now))
    st.stop()

labels = {m: (BY_ID[m].zh if language == "zh" else BY_ID[m].en) for m in data.trend.columns if m in BY_ID}
meta = (f"{wall.wt('kpis', language, period=fmt_period(data.period, language))}<br>"
        f"{wall.wt('as_of', language)} {data.as_of:%Y-%m-%d %H:%M}")
if stale_since is not None:
    meta += _stale_html(tr("wall.stale", time=f"{stale_since:%H:%M:%S}"))
with st.container(key="wall_head"):
    st.html(parts.head_html(wall.wt("title", language), meta, now) + parts.CLOCK_JS + parts.SCALE_JS,
            unsafe_allow_javascript=True)
with st.container(key="wall_kpis"):
    st.html(parts.kpis_html(data.kpis, data.score, language))

left, centre, right = st.columns([5, 8, 5], wrap=False)
with left, st.container(key="wall_left"):
    st.html(f"<div class='wall'><h3>{wall.wt('trend', language)}</h3></div>")
    with st.container(key="wall_trend"):
        st.plotly_chart(ui.plain_figure(parts.trend_figure(data.trend, labels, language, scale)), theme=None,
                        height="stretch",
                        config={"displayModeBar": False, "staticPlot": True}, key="wall-trend")
    st.html(parts.week_html(data.week, len(data.alerts), language))
with centre, st.container(key="wall_centre"):
    _map(data, language, scheme_title, scale)
with right, st.container(key="wall_right"):
    panel = _panel if pinned is not None else st.fragment(_panel, run_every=rotate)
    panel(data, language, rotate, pinned, scheme_title, scale)
