"""Drawing pieces of the wall (大屏): the dark full-screen CSS, HTML tiles and lists, plotly figures.

Sizes are in viewport units (vh) with clamp(), so the same page fills 1920×1080 and 3840×2160.
Plotly and deck.gl size in pixels, so the figures and the map view take a ``scale`` factor (the
?scale= parameter, which SCALE_JS sets from the window size on the first load).
Everything here formats data already assembled by metrics/wall.py; nothing queries.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from html import escape
from urllib.parse import quote

import pandas as pd
import plotly.graph_objects as go

from metrics.present import geo
from metrics.assess.alerts import Alert
from metrics.core.formats import fmt_count, fmt_pp, fmt_rate, fmt_relative
from metrics.present.kpi import Kpi
from metrics.core.registry import BY_ID
from metrics.present.wall import BASE_SCREEN, SCALE_RANGE, Week, wt
from views.ui import FONT

NO_DATA_RGBA = [58, 72, 92, 230]   # "insufficient sample / no data" on the dark map
BG, PANEL, LINE, TEXT, MUTED = "#06101d", "#0d1b2e", "#1d3352", "#e8f1fb", "#8fa7c4"
GOOD, BAD, NEUTRAL, ACCENT = "#3ddc97", "#ff6b6b", "#9fb3c8", "#4fc3f7"
RATE_COLOURS = {"response_rate": "#4fc3f7", "resolution_rate": "#ffd166", "satisfaction_rate": "#3ddc97"}
# Heights of the three bands, in vh; the rest goes to padding and gaps (≤ 100vh in all).
HEAD_VH, KPI_VH, MAIN_VH = 6.5, 15.0, 72.5

CSS = f"""
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], footer {{ display: none !important; }}
html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {{
  background: {BG} !important; color: {TEXT}; overflow: hidden !important; }}
[data-testid="stMainBlockContainer"] {{ padding: 1.2vh 1.2vw 0 1.2vw !important; max-width: 100% !important; }}
[data-testid="stMain"] [data-testid="stVerticalBlock"] {{ gap: 0.9vh; }}
[data-testid="stMain"] [data-testid="stHorizontalBlock"] {{ gap: 0.9vw; }}
.st-key-wall_head {{ height: {HEAD_VH}vh !important; flex: 0 0 auto !important; }}
.st-key-wall_kpis {{ height: {KPI_VH}vh !important; flex: 0 0 auto !important; }}
.st-key-wall_trend {{ height: {MAIN_VH * 0.55}vh !important; flex: 0 0 auto !important; }}
.st-key-wall_panel_chart {{ height: {MAIN_VH - 8}vh !important; flex: 0 0 auto !important; }}
.maplibregl-ctrl, .mapboxgl-ctrl, .maplibregl-ctrl-attrib, .mapboxgl-ctrl-attrib {{ display: none !important; }}
.st-key-wall_map {{ height: {MAIN_VH - 10}vh !important; flex: 0 0 auto !important; }}
.st-key-wall_left, .st-key-wall_centre, .st-key-wall_right {{
  height: {MAIN_VH}vh !important; flex: 0 0 auto !important; box-sizing: border-box; flex-wrap: nowrap !important;
  background: {PANEL}; border: 1px solid {LINE}; border-radius: 0.8vh; padding: 1vh 0.8vw; overflow: hidden; }}
.wall {{ font-family: {FONT}; color: {TEXT}; line-height: 1.25; }}
.wall h3 {{ font-size: clamp(14px, 2.1vh, 64px); font-weight: 600; margin: 0 0 0.6vh 0; color: {TEXT}; padding: 0; }}
.wall .muted {{ color: {MUTED}; }}
.wall-head {{ display: flex; align-items: center; justify-content: space-between; height: {HEAD_VH}vh; }}
.wall-head .title {{ font-size: clamp(20px, 3.6vh, 110px); font-weight: 700; letter-spacing: 0.15vw; }}
.wall-head .meta {{ font-size: clamp(12px, 1.8vh, 56px); color: {MUTED}; text-align: right; }}
.wall-head .clock {{ font-size: clamp(20px, 3.6vh, 110px); font-weight: 600; color: {TEXT};
  font-variant-numeric: tabular-nums; margin-left: 1.2vw; }}
.wall-kpis {{ display: grid; grid-template-columns: repeat(5, 1fr); gap: 0.9vw; height: {KPI_VH}vh; }}
.wall-kpi {{ background: {PANEL}; border: 1px solid {LINE}; border-radius: 0.8vh; padding: 1.2vh 1vw;
  display: flex; flex-direction: column; justify-content: space-between; }}
.wall-kpi .label {{ font-size: clamp(13px, 2.1vh, 64px); color: {MUTED}; }}
.wall-kpi .value {{ font-size: clamp(30px, 6.4vh, 200px); font-weight: 700; font-variant-numeric: tabular-nums;
  line-height: 1.05; }}
.wall-kpi .delta {{ font-size: clamp(12px, 1.9vh, 60px); }}
.wall-list {{ list-style: none; margin: 0; padding: 0; font-size: clamp(12px, 2vh, 60px); }}
.wall-list li {{ display: flex; justify-content: space-between; gap: 0.6vw; padding: 0.55vh 0;
  border-bottom: 1px solid {LINE}; }}
.wall-list .rank {{ color: {MUTED}; width: 2.6vw; font-variant-numeric: tabular-nums; }}
.wall-list .name {{ flex: 1; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }}
.wall-list .num {{ font-weight: 600; font-variant-numeric: tabular-nums; }}
.wall-week {{ display: grid; grid-template-columns: 1fr 1fr; gap: 1vh 0.8vw; }}
.wall-week .cell .label {{ font-size: clamp(11px, 1.7vh, 52px); color: {MUTED}; }}
.wall-week .cell .value {{ font-size: clamp(20px, 4vh, 124px); font-weight: 700; font-variant-numeric: tabular-nums; }}
.wall-legend {{ display: flex; align-items: center; gap: 0.6vw; white-space: nowrap;
  font-size: clamp(11px, 1.6vh, 50px); color: {MUTED}; }}
.wall-legend .bar {{ width: 10vw; height: 1.2vh; border-radius: 0.6vh; }}
.wall-legend .swatch {{ width: 1.2vh; height: 1.2vh; display: inline-block; border-radius: 0.2vh; }}
.wall-dots {{ font-size: clamp(11px, 1.6vh, 50px); color: {MUTED}; }}
.wall-dots .on {{ color: {ACCENT}; }}
</style>
"""


def _colour(metric_id: str, change: float | None) -> str:
    if change is None or metric_id == "requests" or abs(change) < 1e-12:
        return NEUTRAL
    better = change > 0 if metric_id == "score" or BY_ID[metric_id].higher_is_better else change < 0
    return GOOD if better else BAD


def _arrow(change: float | None) -> str:
    return "" if change is None or abs(change) < 1e-12 else ("▲ " if change > 0 else "▼ ")


def head_html(title: str, meta: str, now: dt.datetime) -> str:
    """Title, the period and data-as-of line, and a clock the browser keeps ticking."""
    return (f"<div class='wall wall-head'><div class='title'>{escape(title)}</div>"
            f"<div style='display:flex;align-items:center'><div class='meta'>{meta}</div>"
            f"<div class='clock' id='wall-clock'>{now:%H:%M:%S}</div></div></div>")


CLOCK_JS = """<script>
(function () {
  if (window.__wallClock) { clearInterval(window.__wallClock); }
  const pad = (n) => String(n).padStart(2, "0");
  window.__wallClock = setInterval(function () {
    const el = document.getElementById("wall-clock");
    if (!el) { return; }
    const d = new Date();
    el.textContent = pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }, 1000);
})();
</script>"""


# On a screen whose size differs from 1920×1080 by a quarter or more, reload once with ?scale=<factor>
# (2 on 3840×2160, rounded to quarters) so plotly fonts and the map zoom follow the vh-sized layout.
# A ?scale= already in the URL (set by hand or by this script) is left alone, so it never loops.
SCALE_JS = f"""<script>
(function () {{
  const url = new URL(window.location.href);
  if (url.searchParams.has("scale")) {{ return; }}
  const raw = Math.min(window.innerWidth / {BASE_SCREEN[0]}, window.innerHeight / {BASE_SCREEN[1]});
  const scale = Math.min({SCALE_RANGE[1]}, Math.max({SCALE_RANGE[0]}, Math.round(raw * 4) / 4));
  if (scale === 1) {{ return; }}
  url.searchParams.set("scale", String(scale));
  window.location.replace(url.toString());
}})();
</script>"""


def kpi_tile(label: str, value: str, delta: str | None, colour: str, note: str) -> str:
    delta_text = escape(delta) if delta else "—"
    return (f"<div class='wall-kpi'><div class='label'>{escape(label)}</div><div class='value'>{escape(value)}</div>"
            f"<div class='delta'><span style='color:{colour}'>{delta_text}</span>"
            f" <span class='muted'>{escape(note)}</span></div></div>")


def kpis_html(kpis: tuple[Kpi, ...], score: dict[str, float | None], lang: str) -> str:
    """Five tiles: the four headline KPIs and the composite score, each with its month-on-month change."""
    tiles = []
    for k in kpis:
        metric = BY_ID[k.metric_id]
        rate = metric.unit == "rate"
        value = fmt_rate(k.value, lang) if rate else fmt_count(k.value, lang)
        delta = fmt_pp(k.change, lang) if rate else fmt_relative(k.change, lang)
        tiles.append(kpi_tile(metric.zh if lang == "zh" else metric.en, value,
                              _arrow(k.change) + delta if delta else None, _colour(k.metric_id, k.change),
                              wt("mom", lang)))
    value = wt("no_data", lang) if score["value"] is None else f"{score['value']:.1f}"
    delta = None if score["mom"] is None else f"{_arrow(score['mom'])}{score['mom']:+.1f}"
    tiles.append(kpi_tile(wt("score", lang), value, delta, _colour("score", score["mom"]), wt("mom", lang)))
    return f"<div class='wall wall-kpis'>{''.join(tiles)}</div>"


def week_html(week: Week, alert_count: int, lang: str) -> str:
    """This week's requests (vs the week before), open and overdue requests now, and the alert count."""
    first, last = week.period.start, week.period.last_day
    title = wt("week", lang, first=f"{first:%m-%d}", last=f"{last:%m-%d}")
    change = fmt_relative(week.change, lang)
    cells = [
        (wt("week.requests", lang), fmt_count(week.requests, lang),
         f"<span style='color:{NEUTRAL}'>{wt('week.change', lang)} {change or '—'}</span>"),
        (wt("week.backlog", lang), fmt_count(week.backlog, lang), ""),
        (wt("week.overdue", lang), fmt_count(week.overdue, lang), ""),
        (wt("week.alerts", lang), fmt_count(alert_count, lang), ""),
    ]
    colours = [TEXT, TEXT, BAD if week.overdue else TEXT, BAD if alert_count else GOOD]
    body = "".join(
        f"<div class='cell'><div class='label'>{escape(label)}</div>"
        f"<div class='value' style='color:{colour}'>{escape(value)}</div><div class='label'>{extra}</div></div>"
        for (label, value, extra), colour in zip(cells, colours)
    )
    return f"<div class='wall'><h3>{escape(title)}</h3><div class='wall-week'>{body}</div></div>"


def ranking_html(best: pd.DataFrame, worst: pd.DataFrame, lang: str, n: int) -> str:
    """Top and bottom streets by composite score, with rank and grade."""
    def rows(frame: pd.DataFrame, colour: str) -> str:
        return "".join(
            f"<li><span class='rank'>{int(r.rank)}</span><span class='name'>{escape(str(r.name))}</span>"
            f"<span class='muted'>{escape(str(r.grade))}</span>"
            f"<span class='num' style='color:{colour}'>{r.score:.1f}</span></li>"
            for r in frame.itertuples(index=False)
        )
    if best.empty:
        return f"<div class='wall'><p class='muted'>{escape(wt('no_ranked', lang))}</p></div>"
    return (f"<div class='wall'><h3 style='color:{GOOD}'>{escape(wt('best', lang, n=n))}</h3>"
            f"<ul class='wall-list'>{rows(best, GOOD)}</ul>"
            f"<h3 style='color:{BAD};margin-top:1.6vh'>{escape(wt('worst', lang, n=n))}</h3>"
            f"<ul class='wall-list'>{rows(worst, BAD)}</ul></div>")


def alerts_html(alerts: tuple[Alert, ...], lang: str, limit: int = 11) -> str:
    """This week's alerts, spikes first, each one line."""
    if not alerts:
        return f"<div class='wall'><p style='color:{GOOD}'>{escape(wt('no_alerts', lang))}</p></div>"
    items = []
    for a in alerts[:limit]:
        name = a.name_zh if lang == "zh" else a.name_en
        if a.kind == "spike":
            text = wt("spike", lang, name=name, n=f"{a.value:.0f}", threshold=f"{a.threshold:.1f}")
        else:
            text = wt("overdue", lang, name=name, n=fmt_count(a.value, lang))
        colour = BAD if a.kind == "overdue" else "#ffd166"
        kind = escape(wt("kind." + a.kind, lang))
        items.append(f"<li><span class='num' style='color:{colour};min-width:4.6vw'>{kind}</span>"
                     f"<span class='name'>{escape(text)}</span></li>")
    more = f"<p class='muted'>+{len(alerts) - limit}</p>" if len(alerts) > limit else ""
    return f"<div class='wall'><ul class='wall-list'>{''.join(items)}</ul>{more}</div>"


def legend_html(scale: geo.Scale, centre_text: str, lang: str) -> str:
    """The map's diverging colour bar (worse … city … better) and the grey "no data" swatch."""
    no_data = (f"<span class='swatch' style='background:{geo.rgb_hex(NO_DATA_RGBA)}'></span>"
               f"<span>{escape(wt('map.no_data', lang))}</span>")
    if scale.kind == "empty":
        return f"<div class='wall wall-legend'>{no_data}</div>"
    colours = [geo.rgb_hex(scale.rgba(scale.low + (scale.high - scale.low) * i / 8)) for i in range(9)]
    return (f"<div class='wall wall-legend'><span>{escape(wt('map.worse', lang))}</span>"
            f"<span class='bar' style='background:linear-gradient(90deg,{','.join(colours)})'></span>"
            f"<span>{escape(wt('map.better', lang))}</span><span>· {escape(centre_text)}</span>{no_data}</div>")


def dark_basemap() -> str:
    """A map style with no remote source, painted in the panel colour (an intranet XYZ tile URL in
    GRIDSCORE_TILE_URL is drawn on top). map_style=None would make Streamlit fetch Carto's style."""
    style = geo.basemap_style(os.environ.get("GRIDSCORE_TILE_URL"))
    style["layers"][0]["paint"]["background-color"] = PANEL
    return "data:application/json;charset=utf-8," + quote(json.dumps(style, separators=(",", ":")))


def darken_no_data(features: dict) -> dict:
    """The map's features with the grey "no data" fill swapped for one that reads on a dark background."""
    out = []
    for f in features["features"]:
        fill = f["properties"]["fill"]
        out.append({**f, "properties": {**f["properties"], "fill": NO_DATA_RGBA if fill == geo.NO_DATA_RGBA else fill}})
    return {**features, "features": out}


def dots_html(titles: list[str], active: int, pinned: bool, lang: str) -> str:
    dots = " ".join(f"<span class='{'on' if i == active else ''}'>●</span>" for i in range(len(titles)))
    tail = f" · {wt('pinned', lang)}" if pinned else ""
    return f"<div class='wall wall-dots'>{dots}{escape(tail)}</div>"


def dark(fig: go.Figure, *, legend: bool = True, scale: float = 1.0) -> go.Figure:
    """Dark wall styling: transparent background, light text, faint grid, legend on top.

    Sizes are pixels for 1920×1080, multiplied by ``scale`` (2 on 3840×2160)."""
    def px(n: float) -> float:
        return round(n * scale, 1)

    fig.update_layout(
        font={"family": FONT, "size": px(16), "color": TEXT}, paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        margin={"l": px(8), "r": px(8), "t": px(30 if legend else 8), "b": px(28), "autoexpand": True},
        showlegend=legend, legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "title": None,
                                  "itemwidth": max(30, px(30))},
        separators=".,", autosize=True,
    )
    for update in (fig.update_xaxes, fig.update_yaxes):
        update(gridcolor=LINE, zerolinecolor=LINE, linecolor=LINE, exponentformat="none", gridwidth=px(1),
               zerolinewidth=px(1), linewidth=px(1), ticklen=px(5), tickwidth=px(1))
    return fig


def trend_figure(trend: pd.DataFrame, labels: dict[str, str], lang: str, scale: float = 1.0) -> go.Figure:
    """Monthly requests (bars) and the three rates (lines, right axis)."""
    fig = go.Figure()
    fig.add_bar(x=trend["bucket"], y=trend["requests"], name=labels["requests"], marker_color="#2b4c7e")
    for metric_id, colour in RATE_COLOURS.items():
        fig.add_scatter(x=trend["bucket"], y=trend[metric_id], name=labels[metric_id], yaxis="y2",
                        mode="lines+markers", line={"color": colour, "width": 3 * scale},
                        marker={"size": 6 * scale})
    fig.update_layout(
        yaxis={"showgrid": False, "automargin": True},
        xaxis={"tickformat": "%y-%m" if lang == "zh" else "%b %y", "dtick": "M2", "automargin": True},
        yaxis2={"overlaying": "y", "side": "right", "tickformat": ".0%", "gridcolor": LINE, "automargin": True},
        bargap=0.35,
    )
    return dark(fig, scale=scale)


def categories_figure(hot: pd.DataFrame, lang: str, scale: float = 1.0) -> go.Figure:
    """The category hot list: requests per category, labelled with share and month-on-month change."""
    text = [f"{fmt_count(n, lang)} · {fmt_rate(s, lang, 0)} · {fmt_relative(c, lang) or '—'}"
            for n, s, c in zip(hot["requests"], hot["share"], hot["change"])]
    colours = [BAD if (c or 0) > 0.1 else ACCENT for c in hot["change"].fillna(0)]
    fig = go.Figure(go.Bar(x=hot["requests"], y=hot["category"], orientation="h", marker_color=colours,
                           text=text, textposition="inside", insidetextanchor="start",
                           textfont={"size": 16 * scale, "color": BG}))
    fig.update_layout(yaxis={"autorange": "reversed", "tickfont": {"size": 17 * scale}, "automargin": True},
                      xaxis={"visible": False}, bargap=0.3)
    return dark(fig, legend=False, scale=scale)

