"""网格地图 Grid map (/map): the chosen level's polygons coloured by any metric, H3 hexagon density,
request points inside one community; clicking a polygon drills down one level.

Renders with no internet: the basemap is a blank inline style (map_style=None would make Streamlit
fetch Carto's style); an intranet XYZ tile URL may be set in GRIDSCORE_TILE_URL and is then drawn.
"""
from __future__ import annotations

import os

import pydeck as pdk
import streamlit as st

from metrics.present import geo, headline, map_data
from metrics.present import pages as page_data
from metrics.present.common import PAGE_CREDIT
from metrics.core.formats import fmt_count, fmt_rate
from metrics.core.levels import child_level
from metrics.core.registry import BY_ID, METRICS
from views import filterbar, ui
from views.cache import cached
from views.state import lang, tr, translator, url_param, viewer

LAYERS = ("units", "hex", "points")
MAP_HEIGHT = 560

st.title(tr("nav.map"))
con, view = filterbar.render()
me, language = viewer(), lang()


@st.fragment
def map_view(view, me, language: str) -> None:
    """The map pickers, the map and its legend: changing a picker reruns only this part (a click that
    drills down reruns the whole page, so the filter bar follows)."""
    metric_ids = [m.id for m in METRICS]
    default_metric = cached(headline.map_metric)(me, view.period, view.filters)   # the first preferred metric the data holds
    metric = url_param("metric", allowed=metric_ids, default=default_metric)
    unit_level = None
    if view.filters.unit_id:
        unit_level = cached(page_data.unit_level)(view.filters.unit_id)
    layer_options = list(LAYERS) if unit_level in ("community", "grid") else list(LAYERS[:2])
    layer = url_param("layer", allowed=layer_options, default="units")

    controls = st.columns([2, 2, 1, 2])
    picked_layer = controls[1].segmented_control(tr("map.layer"), layer_options, default=layer,
                                                 format_func=lambda k, t_=translator(): t_(f"map.layer.{k}"), required=True) or layer
    picked_metric = controls[0].selectbox(tr("map.metric"), metric_ids, index=metric_ids.index(metric),
                                          format_func=ui.metric_labeler(), disabled=picked_layer != "units")
    resolution = int(url_param("res", allowed=[str(r) for r in geo.H3_RESOLUTIONS], default="8"))
    picked_res = controls[2].selectbox(tr("map.resolution"), geo.H3_RESOLUTIONS, index=geo.H3_RESOLUTIONS.index(resolution),
                                       disabled=picked_layer != "hex")
    for key, value, default in (("metric", picked_metric, default_metric), ("layer", picked_layer, "units"),
                                ("res", str(picked_res), "8")):
        if value != default:
            st.query_params[key] = value
        elif key in st.query_params:
            del st.query_params[key]
    with controls[3]:
        if view.filters.unit_id:
            parent = cached(page_data.parent_of)(view.filters.unit_id)
            if st.button(tr("map.up"), icon=":material/arrow_upward:"):
                filterbar.drill_to(parent, unit_level if unit_level not in (None, "department") else view.level)
                st.rerun()

    layer_data = cached(map_data.unit_layer)(me, view.level, view.period, view.filters, picked_metric, language,
                                             basic_credit=PAGE_CREDIT)
    m = BY_ID[picked_metric]
    # A style with no remote sources: Streamlit would otherwise fetch the Carto basemap style from the internet.
    basemap = geo.basemap_url(os.environ.get("GRIDSCORE_TILE_URL"))
    left, right = st.columns([4, 1], gap="medium")
    if layer_data["empty"]:
        left.info(tr("map.no_boundaries", level=tr("level." + view.level)), icon=":material/info:")
        return
    scale = layer_data["scale"]
    layers = []
    if picked_layer == "units":
        layers.append(pdk.Layer(
            "GeoJsonLayer", layer_data["features"], id="units", pickable=True, stroked=True, filled=True,
            get_fill_color="properties.fill", get_line_color=[60, 60, 60, 200], line_width_min_pixels=1,
            auto_highlight=True, highlight_color=[31, 111, 178, 90],
        ))
    else:
        layers.append(pdk.Layer("GeoJsonLayer", layer_data["outline"], id="outline", pickable=False, stroked=True,
                                filled=False, get_line_color=[90, 90, 90, 200], line_width_min_pixels=1))
    if picked_layer == "hex":
        hexes, scale = cached(map_data.hex_layer)(me, view.period, view.filters, picked_res, language)
        layers.append(pdk.Layer("H3HexagonLayer", hexes, id="hex", pickable=True, get_hexagon="hex",
                                get_fill_color="fill", extruded=False, stroked=False, opacity=0.85))
    elif picked_layer == "points":
        pts = cached(map_data.point_layer)(me, view.period, view.filters, language)
        layers.append(pdk.Layer("ScatterplotLayer", pts, id="points", pickable=True, get_position=["lon", "lat"],
                                get_radius=25, radius_min_pixels=2, get_fill_color=[228, 87, 46, 200]))

    deck = pdk.Deck(
        layers=layers, initial_view_state=pdk.ViewState(**layer_data["view"]),
        map_provider="carto", map_style=basemap,
        tooltip={"text": "{tip}", "style": {"fontFamily": ui.FONT, "fontSize": "13px", "whiteSpace": "pre-line"}},
    )
    not_drawn = cached(map_data.off_map)(me, view.period, view.filters) if picked_layer != "units" else 0
    if not_drawn:
        left.caption(tr("map.off_map", n=fmt_count(not_drawn, language)))
    with left:
        event = st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", height=MAP_HEIGHT,
                                key=f"map-{view.level}-{view.filters.unit_id}-{picked_layer}")
    selected = (event.selection.get("objects", {}) if event is not None else {}).get("units") or []
    if selected:
        props = selected[0].get("properties", selected[0])
        clicked = props.get("unit_id")
        if clicked:
            filterbar.drill_to(clicked, child_level(view.level) or view.level)
            st.rerun()

    with right:
        st.markdown(f"**{ui.metric_label(picked_metric) if picked_layer == 'units' else tr('map.density')}**")
        if picked_layer == "units":
            legend = [*geo.legend(scale, lambda v: ui.value_text(picked_metric, v), integer=m.unit == "count"),
                      (tr("no_data"), geo.rgb_hex(geo.NO_DATA_RGBA))]
        else:
            legend = geo.legend(scale, lambda v: fmt_count(v, language), integer=True)
        rows = "".join(
            f"<div style='display:flex;align-items:center;gap:6px;margin:2px 0'>"
            f"<span style='width:18px;height:12px;background:{c};border:1px solid #999;display:inline-block'></span>"
            f"<span>{text}</span></div>" for text, c in legend
        )
        st.html(f"<div style='font-size:13px'>{rows}</div>")
        if picked_layer == "units" and m.unit == "rate":
            st.caption(tr("map.diverging", city=fmt_rate(layer_data["total"], language)))
        if picked_layer == "units":
            st.caption(tr("map.click_hint") if child_level(view.level) else tr("map.bottom_hint"))
        st.metric(tr("map.selection_value", metric=ui.metric_label(picked_metric)),
                  ui.value_text(picked_metric, layer_data["total"]))
        ui.page_link("requests", tr("rows_link"), view.query(metric=picked_metric), icon=":material/table_rows:")


map_view(view, me, language)
