"""The assessment engine on hand-built unit tables: arithmetic written out, methods, rules, properties."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.assess.engine import indicator_score, required_metrics, score_units, scheme_period
from metrics.assess.lists import black_list, compare_schemes, ranking, red_list, score_change
from metrics.assess.schemes import Indicator, list_schemes, load_scheme

RATES = ("response_rate", "resolution_rate", "satisfaction_rate")


def unit_row(unit_id: str, requests: int, visited: int, contacted: int, resolved: int,
             satisfied: int, basic: int, credit: float = 0.9, **extra) -> dict:
    """One unit_table row from counts, as metrics.query.tables.unit_table shapes it."""
    sat_num = satisfied + credit * basic
    row = {"unit_id": unit_id, "unit_name": f"街道{unit_id}", "level": "street", "requests": requests}
    for rate, num in zip(RATES, (contacted, resolved, sat_num)):
        row[f"{rate}_num"], row[f"{rate}_den"] = float(num), visited
        row[rate] = num / visited if visited else np.nan
    return {**row, **extra}


def hand_table() -> pd.DataFrame:
    return pd.DataFrame([
        # S1: response 40/40 = 1.0, resolution 36/40 = 0.9, satisfaction (30 + 0.9 × 5)/40 = 34.5/40 = 0.8625
        #     score = 100 × (0.10 × 1.0 + 0.50 × 0.9 + 0.40 × 0.8625) = 10 + 45 + 34.5 = 89.5 -> 良好
        unit_row("S1", requests=45, visited=40, contacted=40, resolved=36, satisfied=30, basic=5),
        # S2: response 45/50 = 0.9, resolution 45/50 = 0.9, satisfaction 45/50 = 0.9
        #     score = 9 + 45 + 36 = 90.0 -> 优秀 (90 is the lower bound of 优秀)
        unit_row("S2", requests=60, visited=50, contacted=45, resolved=45, satisfied=45, basic=0),
        # S3: response 50/50 = 1.0, resolution 44/50 = 0.88, satisfaction (36 + 0.9 × 10)/50 = 0.9
        #     score = 10 + 44 + 36 = 90.0: tied with S2, and S3 has more requests (80 > 60) -> S3 first
        unit_row("S3", requests=80, visited=50, contacted=50, resolved=44, satisfied=36, basic=10),
        # S4: perfect rates but only 20 valid return visits (< 30): score 100, insufficient, no rank
        unit_row("S4", requests=25, visited=20, contacted=20, resolved=20, satisfied=20, basic=0),
        # S5: no requests at all: every rate NULL, insufficient, no score
        unit_row("S5", requests=0, visited=0, contacted=0, resolved=0, satisfied=0, basic=0),
    ])


def test_beijing_3rates_by_hand():
    scheme = load_scheme("beijing-3rates")
    scored = score_units(hand_table(), scheme).set_index("unit_id")
    assert scored.loc["S1", "satisfaction_rate"] == pytest.approx(0.8625)
    assert scored["score"].to_dict() == pytest.approx(
        {"S1": 89.5, "S2": 90.0, "S3": 90.0, "S4": 100.0, "S5": np.nan}, nan_ok=True)
    assert scored["rank"].tolist()[:3] == [3, 2, 1]
    assert scored["rank"].isna().tolist() == [False, False, False, True, True]
    assert scored["insufficient"].tolist() == [False, False, False, True, True]
    assert scored.loc["S4", "insufficient_reason"] == "visited 20 < 30"
    assert "no data: response_rate" in scored.loc["S5", "insufficient_reason"]
    assert scored["grade_zh"].tolist()[:3] == ["良好", "优秀", "优秀"]
    assert scored["grade_zh"].isna().tolist() == [False, False, False, True, True]
    assert scored.loc["S2", "grade_en"] == "Excellent"
    assert (scored[["bonus", "deduction"]] == 0).all().all()


def test_lists_and_ranking_order():
    scheme = load_scheme("beijing-3rates")
    scored = score_units(hand_table(), scheme)
    assert red_list(scored, scheme)["unit_id"].tolist() == ["S3", "S2", "S1"]
    assert black_list(scored, scheme)["unit_id"].tolist() == ["S1", "S2", "S3"]
    assert ranking(scored)["unit_id"].tolist() == ["S3", "S2", "S1", "S4", "S5"]


def test_window_scheme_bonus_and_deduction():
    scheme = load_scheme("beijing-3rates-window")
    assert scheme.period.kind == "window" and scheme.period.start_day == 19
    table = hand_table().assign(proactive_share=[0.12, 0.5, 0.0, np.nan, np.nan], overdue=[3, 40, 0, 0, 0])
    scored = score_units(table, scheme).set_index("unit_id")
    # S1: bonus min(3, 10 × 0.12) = 1.2; deduction min(5, 0.2 × 3) = 0.6; 89.5 + 1.2 − 0.6 = 90.1
    # S2: bonus min(3, 10 × 0.5) = 3 (capped); deduction min(5, 0.2 × 40) = 5 (capped); 90 + 3 − 5 = 88
    assert scored.loc["S1", ["bonus", "deduction", "score"]].tolist() == pytest.approx([1.2, 0.6, 90.1])
    assert scored.loc["S2", ["bonus", "deduction", "score"]].tolist() == pytest.approx([3.0, 5.0, 88.0])
    assert scored.loc["S4", "score"] == 100.0        # 100 + 0 − 0, a NULL share earns no bonus
    assert scored["rank"].tolist()[:3] == [1, 3, 2]
    assert set(required_metrics(scheme)) >= {"proactive_share", "overdue", "requests"}


def test_window_period():
    window = scheme_period(load_scheme("beijing-3rates-window"), "2026-01")
    assert (str(window.start), str(window.end)) == ("2025-12-19", "2026-01-19")
    month = scheme_period(load_scheme("beijing-3rates"), "2026-01")
    assert (str(month.start), str(month.end)) == ("2026-01-01", "2026-02-01")


def test_cityscore_capped_both_ways():
    scheme = load_scheme("cityscore")
    timing = {"on_time_close_rate": [0.81, 0.9, 0.95, 1.0, np.nan], "on_time_response_rate": [0.95, 0.45, 0.9, 1.0, np.nan],
              "close_hours_p50": [36.0, 144.0, 0.0, np.nan, np.nan]}
    scored = score_units(hand_table().assign(**timing), scheme).set_index("unit_id")
    # S1: 0.81/0.90 = 0.9; 0.95/0.90 capped at 1; 72/36 = 2 capped at 1 -> 100 × (0.4 × 0.9 + 0.3 + 0.3) = 96
    # S2: 0.9/0.9 = 1; 0.45/0.9 = 0.5; 72/144 = 0.5 -> 100 × (0.4 + 0.15 + 0.15) = 70
    # S3: a median of 0 hours earns the cap -> 100; S4: no close time -> insufficient; S5: 0 requests
    assert scored["score"].to_dict() == pytest.approx({"S1": 96.0, "S2": 70.0, "S3": 100.0, "S4": np.nan, "S5": np.nan},
                                                      nan_ok=True)
    assert scored["rank"].tolist()[:3] == [2, 3, 1] and scored["rank"].isna().tolist()[3:] == [True, True]
    assert scored.loc["S4", "insufficient_reason"] == "no data: close_hours_p50"
    assert scored.attrs["left_out"] == ()


@pytest.mark.parametrize(("method", "values", "expected"), [
    ("direct", [0.5, 0.9, np.nan], [50, 90, np.nan]),
    ("target", [0.45, 0.9, 1.0], [50, 100, 110]),          # target 0.9, cap 1.1
    ("minmax", [0.5, 0.9, 0.7], [0, 100, 50]),
    ("percentile", [0.5, 0.9, 0.7], [100 / 6, 500 / 6, 50]),  # (below + ½ equal) / 3
    ("percentile", [0.7, 0.7, 0.2], [400 / 6, 400 / 6, 100 / 6]),
])
def test_indicator_methods(method, values, expected):
    ind = Indicator("resolution_rate", 1.0, method, target=0.9, cap=1.1)
    vals = np.array(values, dtype=float)
    assert indicator_score(vals, ind, vals) == pytest.approx(np.array(expected, dtype=float), nan_ok=True)


def test_minmax_all_equal_gives_full_marks():
    ind = Indicator("resolution_rate", 1.0, "minmax")
    assert indicator_score(np.array([0.8, 0.8]), ind, np.array([0.8, 0.8])).tolist() == [100.0, 100.0]


def test_compare_and_change():
    a, b = load_scheme("beijing-3rates"), load_scheme("three-rates-20-40-40")
    cmp = compare_schemes(hand_table(), a, b).set_index("unit_id")
    # 20/40/40: S1 = 20 + 36 + 34.5 = 90.5, S2 = 18 + 36 + 36 = 90, S3 = 20 + 35.2 + 36 = 91.2
    assert cmp.loc[["S1", "S2", "S3"], "score_b"].tolist() == pytest.approx([90.5, 90.0, 91.2])
    assert cmp.loc[["S1", "S2", "S3"], "rank_change"].tolist() == [1, -1, 0]
    current = score_units(hand_table(), a)
    previous = score_units(hand_table().assign(resolution_rate=[0.8, 0.9, 0.88, 1.0, np.nan]), a)
    change = score_change(current, previous).set_index("unit_id")
    assert change.loc["S1", "score_change"] == pytest.approx(5.0)   # resolution 0.8 -> 0.9: 0.5 × 10
    assert change.loc["S1", "rank_change"] == 0


def all_scheme_variants():
    """Every shipped scheme of the three rates, plus the default re-scored with each relative method."""
    shipped = [s for s in map(load_scheme, list_schemes()) if {i.metric for i in s.indicators} <= set(RATES)]
    base = load_scheme("beijing-3rates")
    relative = [dataclasses.replace(base, name=f"3rates-{m}", indicators=tuple(
        dataclasses.replace(i, method=m) for i in base.indicators)) for m in ("minmax", "percentile")]
    return shipped + relative


SCHEMES = all_scheme_variants()

rate = st.one_of(st.none(), st.floats(0, 1))
unit_strategy = st.fixed_dictionaries({
    "visited": st.integers(0, 120), "requests": st.integers(0, 200),
    "response_rate": rate, "resolution_rate": rate, "satisfaction_rate": rate,
    "proactive_share": rate, "overdue": st.integers(0, 40),
})


def table_from(units: list[dict]) -> pd.DataFrame:
    rows = []
    for k, u in enumerate(units):
        row = {"unit_id": f"U{k:02d}", "unit_name": f"U{k}", "requests": u["requests"],
               "proactive_share": u["proactive_share"], "overdue": u["overdue"]}
        for r in RATES:
            row[r] = np.nan if u[r] is None else u[r]
            row[f"{r}_den"] = u["visited"]
            row[f"{r}_num"] = row[r] * u["visited"]
        rows.append(row)
    return pd.DataFrame(rows)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units=st.lists(unit_strategy, min_size=1, max_size=8), who=st.integers(0, 7),
       which=st.sampled_from(RATES), step=st.floats(0, 1), scheme_k=st.integers(0, len(SCHEMES) - 1))
def test_raising_a_rate_never_hurts_the_unit(units, who, which, step, scheme_k):
    """Raising one unit's rate, all else fixed: its score never falls, no other unit's score rises,
    so its rank never worsens. For direct and target methods other units' scores do not move at all;
    minmax and percentile are relative, so others may fall (never rise)."""
    scheme = SCHEMES[scheme_k]
    before = table_from(units)
    who %= len(before)
    old = before.loc[who, which]
    if np.isnan(old):
        return
    after = before.copy()
    after.loc[who, which] = min(1.0, old + (1.0 - old) * step)
    s0, s1 = score_units(before, scheme), score_units(after, scheme)
    if pd.notna(s0.loc[who, "score"]):     # NaN: another of its rates is NULL, and stays so
        assert s1.loc[who, "score"] >= s0.loc[who, "score"]
    others = s0.index != who
    both = others & s0["score"].notna().to_numpy()
    assert (s1.loc[both, "score"] <= s0.loc[both, "score"]).all()
    if all(i.method in ("direct", "target") for i in scheme.indicators):
        assert s1.loc[both, "score"].tolist() == s0.loc[both, "score"].tolist()
    if pd.notna(s0.loc[who, "rank"]):
        assert s1.loc[who, "rank"] <= s0.loc[who, "rank"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units=st.lists(unit_strategy, min_size=1, max_size=8), seed=st.integers(0, 2**32 - 1),
       scheme_k=st.integers(0, len(SCHEMES) - 1))
def test_unit_order_changes_nothing_and_scores_in_range(units, seed, scheme_k):
    scheme = SCHEMES[scheme_k]
    table = table_from(units)
    shuffled = table.sample(frac=1, random_state=np.random.RandomState(seed % 2**32)).reset_index(drop=True)
    cols = ["unit_id", "score", "rank", "grade_zh", "insufficient"]
    a = score_units(table, scheme)[cols].sort_values("unit_id").reset_index(drop=True)
    b = score_units(shuffled, scheme)[cols].sort_values("unit_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    score = a["score"].dropna()
    assert ((score >= 0) & (score <= 100)).all()
    assert a.loc[~a["insufficient"], "score"].notna().all()
    ranks = a["rank"].dropna().astype(int).tolist()
    assert sorted(ranks) == list(range(1, len(ranks) + 1))


@pytest.mark.parametrize("scheme", SCHEMES, ids=lambda s: s.name)
def test_empty_table(scheme):
    empty = table_from([]).reindex(columns=table_from([{
        "visited": 1, "requests": 1, "response_rate": 1, "resolution_rate": 1, "satisfaction_rate": 1,
        "proactive_share": 0, "overdue": 0}]).columns)
    scored = score_units(empty, scheme)
    assert scored.empty and {"score", "rank", "grade", "insufficient"} <= set(scored.columns)
    assert red_list(scored, scheme).empty and black_list(scored, scheme).empty
