"""The wall left running (short version of bench/bench_wall_soak.py, which runs 32 cycles): new
snapshots show up by themselves, memory and DOM stay flat, no error box, and a store outage shows
the last data with a "stale" marker until the store is back."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.bench_wall_soak import soak

pytestmark = [pytest.mark.browser, pytest.mark.timeout(400)]


def test_wall_soak_short(demo_store: Path, tmp_path: Path) -> None:
    db = tmp_path / "wall.duckdb"
    shutil.copyfile(demo_store, db)
    result = soak(db, cycles=8, watch=2, outage=4)
    assert result["error_boxes"] == 0 and not result["missed_updates"], result
    assert result["outage_stale_marker_and_recovery"], result
    assert result["dom_min"] == result["dom_max"], result
    assert result["rss_change"] <= 0.10, result
