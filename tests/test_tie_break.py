"""One tie-break for the published ranking and the rank-stability draws (engine.best_first)."""
from __future__ import annotations

import numpy as np

from metrics.assess.engine import score_units
from metrics.assess.fairness import rank_stability
from metrics.assess.schemes import load_scheme
from tests.test_assessment import table_from


def tied_units() -> list[dict]:
    """Five units with the same rates (the same score): only volume and unit_id can order them."""
    same = {"visited": 60, "response_rate": 0.9, "resolution_rate": 0.8, "satisfaction_rate": 0.85,
            "proactive_share": None, "overdue": 0}
    return [{**same, "requests": n} for n in (70, 90, 70, 120, 90)]   # U00 … U04


def test_ties_go_to_the_larger_volume_then_the_unit_id():
    scored = score_units(table_from(tied_units()), load_scheme("beijing-3rates"))
    assert scored["score"].nunique() == 1
    ranks = dict(zip(scored["unit_id"], scored["rank"]))
    assert ranks == {"U03": 1, "U01": 2, "U04": 3, "U00": 4, "U02": 5}


def test_unperturbed_draws_reproduce_the_published_ranks_with_ties():
    scheme = load_scheme("beijing-3rates")
    units = tied_units() + [{**tied_units()[0], "requests": 50, "satisfaction_rate": 0.95}]
    scored = score_units(table_from(units), scheme)
    still = rank_stability(scored, scheme, draws=5, spread=0.0)
    published = still["rank"].astype(float).to_numpy()
    assert np.array_equal(still["rank_p05"].to_numpy(), published)
    assert np.array_equal(still["rank_p95"].to_numpy(), published)
    assert dict(zip(still["unit_id"], published))["U05"] == 1.0
