"""Boston and NYC stores built from ../shared/realdata as a new user would (init, boundaries, import),
shared by the sparse-data page tests and the real-city browser test."""
from __future__ import annotations

from pathlib import Path

from tests.test_realdata import BOSTON_MAPPING, DATA, NYC_MAPPING, metrics

CITIES = {   # name -> (mapping, requests file, boundaries file or None)
    "boston": (BOSTON_MAPPING, "boston311-100.csv", None),
    "nyc": (NYC_MAPPING, "nyc311-100.csv", "nyc_neighborhoods.geojson"),
}


def build_city(root: Path, name: str) -> Path:
    """A store of ``name`` under ``root``: init, its boundaries (NYC neighbourhoods as streets), its requests."""
    mapping, requests, boundaries = CITIES[name]
    db, toml = root / f"{name}.duckdb", root / f"{name}.toml"
    toml.write_text(mapping, encoding="utf-8")
    metrics("init", "--db", str(db), "--city", name, "--tz", "America/New_York")
    if boundaries:
        metrics("boundaries", str(DATA / boundaries), "--db", str(db), "--create", "--level", "street")
    metrics("import", str(DATA / requests), "--db", str(db), "--mapping", str(toml), "--quiet")
    return db
