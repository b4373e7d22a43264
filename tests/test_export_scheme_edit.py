"""Editing weights and saving a scheme as a new version (metrics/scheme_edit.py)."""
from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrics.assess.schemes import SCHEMES_DIR, SchemeError, list_schemes, load_scheme
from metrics.assess.scheme_edit import list_custom, rebalance, save_version, with_params

W = {"response_rate": 0.1, "resolution_rate": 0.5, "satisfaction_rate": 0.4}


@pytest.mark.parametrize("changed,value,expect", [
    ("response_rate", 0.2, {"response_rate": 0.2, "resolution_rate": 0.4444, "satisfaction_rate": 0.3556}),
    ("resolution_rate", 1.0, {"response_rate": 0.0, "resolution_rate": 1.0, "satisfaction_rate": 0.0}),
    ("satisfaction_rate", 1.5, {"response_rate": 0.0, "resolution_rate": 0.0, "satisfaction_rate": 1.0}),
])
def test_rebalance_examples(changed, value, expect):
    assert rebalance(W, changed, value) == pytest.approx(expect, abs=1e-9)


@given(st.floats(0, 1), st.sampled_from(sorted(W)))
def test_rebalance_sums_to_one(value, changed):
    out = rebalance(W, changed, value)
    assert math.fsum(out.values()) == pytest.approx(1.0, abs=1e-9)
    assert all(0 <= v <= 1 for v in out.values())


def test_rebalance_from_zero_others():
    out = rebalance({"a": 1.0, "b": 0.0, "c": 0.0}, "a", 0.5)
    assert out == {"a": 0.5, "b": 0.25, "c": 0.25}


def test_save_version_round_trips_and_never_overwrites(tmp_path):
    base = load_scheme("beijing-3rates-window")
    edited = with_params(base, rebalance({i.metric: i.weight for i in base.indicators}, "response_rate", 0.2),
                         basic_credit=0.8, min_n=20)
    shipped = {p.name: p.read_bytes() for p in SCHEMES_DIR.glob("*.toml")}
    now = dt.datetime(2026, 11, 22, 9, 0)
    first = save_version(edited, "东城-试行", "考核办 王", "响应率提高到 0.2", tmp_path, now=now)
    second = save_version(edited, "东城-试行", "考核办 王", "again", tmp_path, now=now)
    assert first.name == "东城-试行-v1.toml" and second.name == "东城-试行-v2.toml"
    loaded = load_scheme(first)
    assert loaded.name == "东城-试行" and loaded.version == "1" and loaded.author == "考核办 王"
    assert loaded.created.startswith("2026-11-22") and "响应率提高到 0.2" in loaded.note
    assert "beijing-3rates-window v1.0" in loaded.note
    assert [i.weight for i in loaded.indicators] == [0.2, 0.4444, 0.3556]
    assert loaded.basic_credit == 0.8 and loaded.min_volume.n == 20
    assert loaded.bonus == base.bonus and loaded.deductions == base.deductions and loaded.grades == base.grades
    assert loaded.period == base.period
    assert {p.name: p.read_bytes() for p in SCHEMES_DIR.glob("*.toml")} == shipped
    assert list_custom(tmp_path)[0] in (first, second)
    assert "东城-试行" not in list_schemes()


def test_save_refuses_shipped_dir_and_missing_author(tmp_path):
    base = load_scheme("beijing-3rates")
    with pytest.raises(SchemeError):
        save_version(base, "x", "me", "", SCHEMES_DIR)
    with pytest.raises(SchemeError, match="author"):
        save_version(base, "x", " ", "", tmp_path)
