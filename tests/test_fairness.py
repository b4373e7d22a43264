"""Fair-evaluation helpers: Wilson intervals, funnel limits, case-mix adjustment, rank stability."""
from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.assess.engine import score_units
from metrics.assess.fairness import (
    add_wilson, casemix_adjust, funnel_limits, funnel_points, overall_rate, rank_stability, wilson_interval,
)
from metrics.assess.schemes import load_scheme
from tests.test_assessment import hand_table, table_from, unit_strategy


def test_wilson_by_hand():
    # 8 of 10, z = 1.959964: z² = 3.841459; 1 + z²/n = 1.384146
    # centre = (0.8 + 3.841459 / 20) / 1.384146 = 0.992073 / 1.384146 = 0.716740
    # half = 1.959964 / 1.384146 × √(0.8 × 0.2 / 10 + 3.841459 / 400) = 1.416010 × √0.025604 = 0.226578
    # interval = 0.716740 ∓ 0.226578 = [0.490162, 0.943318]
    lo, hi = wilson_interval([8], [10])
    assert lo[0] == pytest.approx(0.490162, abs=1e-6)
    assert hi[0] == pytest.approx(0.943318, abs=1e-6)


@settings(deadline=None)
@given(x=st.integers(0, 500), extra=st.integers(0, 500))
def test_wilson_formula_and_bounds(x, extra):
    n = x + extra
    lo, hi = wilson_interval([x], [n])
    if n == 0:
        assert math.isnan(lo[0]) and math.isnan(hi[0])
        return
    # The Wilson interval is the set of p where |p̂ − p| ≤ z √(p(1−p)/n): its ends solve the quadratic.
    z, p_hat = NormalDist().inv_cdf(0.975), x / n
    for end in (lo[0], hi[0]):
        assert (p_hat - end) ** 2 == pytest.approx(z * z * end * (1 - end) / n, abs=1e-9)
    assert 0 <= lo[0] <= p_hat <= hi[0] <= 1


def test_add_wilson_columns():
    out = add_wilson(hand_table())
    assert {"response_rate_lo", "resolution_rate_hi", "satisfaction_rate_lo"} <= set(out.columns)
    assert out["response_rate_lo"].isna().tolist() == [False, False, False, False, True]   # S5: no visits


def test_funnel_limits():
    lim = funnel_limits(0.9, [100, 400])
    sd = math.sqrt(0.9 * 0.1 / 100)
    assert lim.loc[0, "lo_95"] == pytest.approx(0.9 - 1.959964 * sd, abs=1e-6)
    assert lim.loc[0, "hi_99_8"] == pytest.approx(0.9 + 3.090232 * sd, abs=1e-6)
    assert (lim["hi_99_8"] > lim["hi_95"]).all() and (lim["lo_99_8"] < lim["lo_95"]).all()
    assert lim.loc[1, "hi_95"] - 0.9 == pytest.approx((lim.loc[0, "hi_95"] - 0.9) / 2)   # 4× volume: ½ width
    assert funnel_limits(0.99, [1])["hi_95"].iloc[0] == 1.0                               # clipped


def test_funnel_points_flags():
    table = pd.DataFrame({"unit_id": ["a", "b", "c"], "resolution_rate_num": [900.0, 500.0, 0.0],
                          "resolution_rate_den": [1000, 1000, 0]})
    assert overall_rate(table, "resolution_rate") == pytest.approx(0.7)
    units, curve = funnel_points(table, "resolution_rate")
    assert units["outside_95"].tolist() == [1, -1, 0]
    assert units["outside_99_8"].tolist() == [1, -1, 0]
    assert curve["volume"].min() == 1 and curve["volume"].max() == 1000
    assert np.allclose(curve["overall"], 0.7)


def counts_frame(rows: list[tuple[str, str, float, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit_id", "category", "num", "den"])


def test_casemix_overall_mix_gives_raw_rate():
    # Overall: noise 40 of 100 (p = 0.4), property 90 of 100 (p = 0.9): overall 130 / 200 = 0.65.
    # A has the overall 50/50 mix: expected = 50 × 0.4 + 50 × 0.9 = 65, observed 30 + 40 = 70,
    #   adjusted = 70 / 65 × 0.65 = 0.70 = raw 70 / 100.
    # B is all noise-heavy: expected = 40 × 0.4 + 10 × 0.9 = 25; observed 8 + 10 = 18,
    #   raw 18 / 50 = 0.36, adjusted = 18 / 25 × 0.65 = 0.468 (its hard mix is taken into account).
    counts = counts_frame([("A", "noise", 30, 50), ("A", "property", 40, 50),
                           ("B", "noise", 8, 40), ("B", "property", 10, 10),
                           ("C", "noise", 2, 10), ("C", "property", 40, 40)])
    out = casemix_adjust(counts).set_index("unit_id")
    assert out.loc["A", "adjusted"] == pytest.approx(out.loc["A", "raw"]) == pytest.approx(0.70)
    assert out.loc["B", "expected"] == pytest.approx(25.0)
    assert out.loc["B", "adjusted"] == pytest.approx(0.468)
    # expected adds up to observed over all units (indirect standardisation is calibrated)
    assert out["expected"].sum() == pytest.approx(out["observed"].sum())


def test_casemix_unit_without_denominator():
    out = casemix_adjust(counts_frame([("A", "x", 5, 10), ("Z", "x", 0, 0)])).set_index("unit_id")
    assert math.isnan(out.loc["Z", "adjusted"]) and math.isnan(out.loc["Z", "raw"])
    assert out.loc["A", "adjusted"] == pytest.approx(0.5)


def test_rank_stability_deterministic_and_sane():
    scheme = load_scheme("beijing-3rates")
    rng = np.random.default_rng(7)
    units = [{"visited": 60, "requests": int(rng.integers(60, 200)), "response_rate": float(rng.uniform(0.8, 1)),
              "resolution_rate": float(rng.uniform(0.6, 1)), "satisfaction_rate": float(rng.uniform(0.6, 1)),
              "proactive_share": None, "overdue": 0} for _ in range(25)]
    scored = score_units(table_from(units), scheme)
    a = rank_stability(scored, scheme, seed=11)
    b = rank_stability(scored, scheme, seed=11)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 25
    assert (a["rank_p05"] <= a["rank_median"]).all() and (a["rank_median"] <= a["rank_p95"]).all()
    assert a["rank_p05"].min() >= 1 and a["rank_p95"].max() <= 25
    # with no perturbation every draw reproduces the published rank
    still = rank_stability(scored, scheme, draws=10, spread=0.0)
    assert (still["rank_p05"] == still["rank"].astype(float)).all()
    assert (still["rank_p95"] == still["rank"].astype(float)).all()


def test_rank_stability_skips_insufficient():
    scheme = load_scheme("beijing-3rates")
    out = rank_stability(score_units(hand_table(), scheme), scheme, draws=50)
    assert out["unit_id"].tolist() == ["S1", "S2", "S3"]


@settings(deadline=None)
@given(units=st.lists(unit_strategy, min_size=1, max_size=8), seed=st.integers(0, 2**32 - 1))
def test_rank_stability_ranks_are_permutations(units, seed):
    """With one draw, the 5th, 50th and 95th percentile rank are that draw's rank: over the ranked
    units they must be exactly 1..n, each once (ties broken, never shared or skipped). With no
    perturbation the draw reproduces the published ranks, themselves a permutation of 1..n."""
    scheme = load_scheme("beijing-3rates")
    scored = score_units(table_from(units), scheme)
    ranked = scored[scored["rank"].notna()]
    n = len(ranked)
    assert sorted(ranked["rank"].astype(int)) == list(range(1, n + 1))
    one = rank_stability(scored, scheme, draws=1, seed=seed)
    assert sorted(one["unit_id"]) == sorted(ranked["unit_id"])
    assert sorted(one["rank_median"].astype(int)) == list(range(1, n + 1))
    assert (one["rank_p05"] == one["rank_median"]).all() and (one["rank_p95"] == one["rank_median"]).all()
    still = rank_stability(scored, scheme, draws=3, spread=0.0, seed=seed)
    assert still["rank_median"].astype(int).tolist() == still["rank"].astype(int).tolist()


def test_rank_stability_breaks_ties_as_the_engine_does():
    """Equal rates give equal scores under any weights: the larger unit (requests) first, then unit_id,
    in every draw, as score_units ranks them."""
    scheme = load_scheme("beijing-3rates")
    same = {"visited": 40, "response_rate": 0.9, "resolution_rate": 0.8, "satisfaction_rate": 0.85,
            "proactive_share": None, "overdue": 0}
    units = [{**same, "requests": 50}, {**same, "requests": 70}, {**same, "requests": 50},
             {**same, "requests": 60, "resolution_rate": 0.95}]
    scored = score_units(table_from(units), scheme)
    assert scored["rank"].astype(int).tolist() == [3, 2, 4, 1]       # U03 best; then U01 (70); U00 before U02
    out = rank_stability(scored, scheme, draws=200).set_index("unit_id")
    published = scored.set_index("unit_id")["rank"].astype(float)
    for column in ("rank_p05", "rank_median", "rank_p95"):
        assert out[column].tolist() == published.loc[out.index].tolist(), column
