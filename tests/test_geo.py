"""metrics.present.geo: colour scales (no data is grey, never zero), GeoJSON features, H3 density, view fit, basemap."""
from __future__ import annotations

import json
import math
from urllib.parse import unquote

import h3
import pandas as pd
import pytest

from metrics.present import geo


def square(lon: float, lat: float, size: float = 0.01) -> str:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def test_missing_values_are_grey_not_the_colour_of_zero():
    scale = geo.make_scale(pd.Series([0.0, 0.5, None]), rate=False, centre=None, higher_is_better=True)
    assert scale.rgba(None) == geo.NO_DATA_RGBA
    assert scale.rgba(float("nan")) == geo.NO_DATA_RGBA
    assert scale.rgba(0.0) != geo.NO_DATA_RGBA


def test_diverging_scale_is_centred_on_the_city_value_and_follows_direction():
    values = pd.Series([0.80, 0.90, 0.95])
    better = geo.make_scale(values, rate=True, centre=0.90, higher_is_better=True)
    worse = geo.make_scale(values, rate=True, centre=0.90, higher_is_better=False)
    assert better.kind == "diverging"
    assert better.position(0.90) == pytest.approx(0.5)
    assert better.position(0.95) > 0.5 > better.position(0.80)
    assert worse.position(0.95) < 0.5 < worse.position(0.80)
    assert better.rgba(0.95)[:3] != better.rgba(0.80)[:3]
    assert any(v == pytest.approx(0.90) for v, _ in better.stops()), "the legend shows the centre"


def test_outliers_saturate_instead_of_washing_out_the_scale():
    values = pd.Series([0.0] + [0.85 + 0.005 * i for i in range(30)])
    scale = geo.make_scale(values, rate=True, centre=0.9, higher_is_better=True)
    assert scale.low > 0.5, "a single 0 % unit must not stretch the scale"
    assert scale.rgba(0.0) == scale.rgba(scale.low)


def test_empty_values_give_an_empty_scale():
    scale = geo.make_scale(pd.Series([None, None], dtype=float), rate=True, centre=None, higher_is_better=True)
    assert scale.kind == "empty" and scale.stops() == [] and scale.rgba(0.3) == geo.NO_DATA_RGBA


def test_features_carry_colour_and_labels_and_units_without_rows_are_grey():
    bounds = pd.DataFrame({"unit_id": ["a", "b"], "geometry": [square(116.0, 39.9), square(116.02, 39.9)]})
    table = pd.DataFrame({"unit_id": ["a"], "unit_name": ["甲"], "requests": [5]})
    scale = geo.make_scale(table["requests"], rate=False, centre=None, higher_is_better=False)
    fc = geo.feature_collection(bounds, table, "requests", scale, lambda row: {"tip": str(row.get("unit_name"))})
    props = {f["properties"]["unit_id"]: f["properties"] for f in fc["features"]}
    assert props["a"]["tip"] == "甲" and props["a"]["fill"] != geo.NO_DATA_RGBA
    assert props["b"]["fill"] == geo.NO_DATA_RGBA
    assert fc["features"][0]["geometry"]["type"] == "Polygon"


def test_hex_density_counts_every_point_once():
    points = pd.DataFrame({"lat": [39.90, 39.9001, 39.95, None], "lon": [116.40, 116.4001, 116.45, 116.4],
                           "n": [2, 3, 4, 9]})
    hexes = geo.hex_density(points, 8)
    assert hexes["n"].sum() == 9, "the row without coordinates is skipped"
    assert all(h3.get_resolution(h) == 8 for h in hexes["hex"])
    assert geo.hex_density(points.iloc[0:0], 8).empty


def test_view_state_fits_the_polygons():
    bounds = pd.DataFrame({"unit_id": ["a"], "geometry": [square(116.0, 39.9, 0.2)]})
    view = geo.view_state(bounds)
    assert view["longitude"] == pytest.approx(116.1) and view["latitude"] == pytest.approx(40.0)
    assert 8 < view["zoom"] < 13
    assert geo.view_state(bounds.iloc[0:0])["zoom"] > 0


def test_basemap_has_no_remote_source_unless_a_tile_url_is_given():
    plain = geo.basemap_style()
    assert plain["sources"] == {} and "glyphs" not in plain and "sprite" not in plain
    tiled = json.loads(unquote(geo.basemap_url("http://tiles.intra/{z}/{x}/{y}.png").split(",", 1)[1]))
    assert tiled["sources"]["tiles"]["tiles"] == ["http://tiles.intra/{z}/{x}/{y}.png"]
    assert not math.isnan(len(geo.basemap_url()))
