"""GCJ-02 / BD-09 to WGS-84 on published reference points, and point-in-polygon placement."""
from __future__ import annotations

import numpy as np
import pytest

from metrics.ingest.coords import GridLocator, to_wgs84, usable
from tests.ingest_fixtures import cell, grid_polygon

# googollee/eviltransform's test points: (wgs lat, wgs lng, gcj lat, gcj lng)
GCJ = [(31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),    # Shanghai
       (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),    # Shenzhen
       (39.911954, 116.377817, 39.91334545536069, 116.38404722455657)]    # Beijing
TOLERANCE = 2e-5   # degrees, about 2 m: the one-step inverse's error


@pytest.mark.parametrize("wlat, wlng, glat, glng", GCJ)
def test_gcj02_to_wgs84(wlat: float, wlng: float, glat: float, glng: float) -> None:
    lon, lat = to_wgs84(np.array([glng]), np.array([glat]), "gcj02")
    assert abs(lon[0] - wlng) < TOLERANCE and abs(lat[0] - wlat) < TOLERANCE


@pytest.mark.parametrize("wlat, wlng, _glat, _glng", GCJ)
def test_bd09_round_trip(wlat: float, wlng: float, _glat: float, _glng: float) -> None:
    import coordTransform

    blng, blat = coordTransform.wgs84_to_bd09(wlng, wlat)
    lon, lat = to_wgs84(np.array([blng]), np.array([blat]), "bd09")
    assert abs(lon[0] - wlng) < TOLERANCE and abs(lat[0] - wlat) < TOLERANCE


def test_bd09_published_point() -> None:
    """wandergis/coordtransform's README: bd09togcj02(116.404, 39.915), then GCJ-02 to WGS-84."""
    import coordTransform

    glon, glat = 116.39762729119315, 39.90865673957631
    assert np.allclose(coordTransform.bd09_to_gcj02(116.404, 39.915), [glon, glat], atol=1e-9)
    lon, lat = to_wgs84(np.array([116.404]), np.array([39.915]), "bd09")
    assert np.allclose([lon[0], lat[0]], coordTransform.gcj02_to_wgs84(glon, glat), atol=1e-9)


def test_wgs84_and_missing_values_pass_through() -> None:
    lon, lat = to_wgs84(np.array([116.4, np.nan]), np.array([39.9, np.nan]), "gcj02")
    assert np.isnan(lon[1]) and np.isnan(lat[1]) and lon[0] != 116.4
    assert to_wgs84(np.array([1.0]), np.array([2.0]), "wgs84")[0][0] == 1.0
    assert usable(np.array([116.4, 0, 200, np.nan]), np.array([39.9, 0, 39.9, 1])).tolist() == [True, False, False, False]


def test_grid_locator_points_edges_and_outside() -> None:
    import json

    ids = [cell(i, j)["grid"] for i in range(4) for j in range(4)]
    shapes = [json.dumps(grid_polygon(i, j)) for i in range(4) for j in range(4)]
    loc = GridLocator(ids, shapes)
    got = loc.locate(np.array([116.325, 116.35, 10.0]), np.array([39.825, 39.85, 10.0]))
    assert got[0] == "D0S0C0G0" and got[2] is None
    assert got[1] == min(cell(i, j)["grid"] for i in (0, 1) for j in (0, 1)), "a shared corner goes to the smallest id"
