"""Random requests on the fixture city for the lake and Spark parity tests, with every boundary on purpose.

Whole-second timestamps over August–November 2026; besides random rows: the hand-built edge cases
of fixtures_requests, durations exactly on histogram edges (1 minute, 10 and 1 000 minutes: decades,
where two engines' log10 could disagree), zero and negative durations, deadlines equal to the
contact / closing time and a second either side, the first and last second of each month.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from tests import fixtures_requests as fx

START = dt.datetime(2026, 8, 1)
SECONDS = int((dt.datetime(2026, 12, 1) - START).total_seconds())
PLACED = [u[0] for u in fx.UNITS if u[3] != "department"] + [None]
DEPTS = ["P1", "P2", None]


def _edge_rows() -> list[dict[str, object]]:
    rows = []
    starts = ["2026-09-01 00:00:00", "2026-09-30 23:59:59", "2026-10-01 00:00:00", "2026-10-31 23:59:59",
              "2026-11-01 00:00:00", "2026-11-30 23:59:59"]
    durations = [0, 1, 59, 60, 61, 600, 3600, 60_000, 60_001, 59_999, 86_400, -3600]
    i = 0
    for start in starts:
        received = fx.ts(start)
        for seconds in durations:
            at = received + dt.timedelta(seconds=seconds)
            for due_shift in (-1, 0, 1):
                i += 1
                rows.append(fx.row(
                    f"E{i:04d}", received.isoformat(sep=" "), unit_id=PLACED[i % len(PLACED)],
                    dept_id=DEPTS[i % 3], first_contact_at=at.isoformat(sep=" "),
                    respond_by=(at + dt.timedelta(seconds=due_shift)).isoformat(sep=" "),
                    resolve_by=(at + dt.timedelta(seconds=due_shift)).isoformat(sep=" "),
                    **fx.closed(at.isoformat(sep=" ")), **fx.visit(True, due_shift >= 0, "basic"),
                ))
    return rows


def random_requests(seed: int, n: int) -> pd.DataFrame:
    """``n`` random requests plus the edge rows and the hand-built fixture rows."""
    rng = np.random.default_rng(seed)
    rows = [dict(r) for r in fx.REQUESTS] + _edge_rows()

    def maybe_after(received: dt.datetime, scale: int) -> str | None:
        if rng.random() < 0.25:
            return None
        return (received + dt.timedelta(seconds=int(rng.integers(-600, scale)))).isoformat(sep=" ")

    for i in range(n):
        received = START + dt.timedelta(seconds=int(rng.integers(0, SECONDS)))
        closed_at = maybe_after(received, 20 * 86_400)
        rows.append(fx.row(
            f"X{i:06d}", received.isoformat(sep=" "),
            unit_id=PLACED[rng.integers(len(PLACED))], dept_id=DEPTS[rng.integers(3)],
            category=["噪音扰民", "供暖", "道路"][rng.integers(3)], channel=["12345", "patrol", "app"][rng.integers(3)],
            source=["citizen", "proactive", None][rng.integers(3)], urgency=["normal", "urgent"][rng.integers(2)],
            respond_by=maybe_after(received, 2 * 86_400), resolve_by=maybe_after(received, 15 * 86_400),
            first_contact_at=maybe_after(received, 3 * 86_400), closed_at=closed_at,
            status=["open", "closed", None][rng.integers(3)] if closed_at is None else "closed",
            assessable=bool(rng.random() < 0.9), visited=[True, False, None][rng.integers(3)],
            contacted=[True, False, None][rng.integers(3)], resolved=[True, False, None][rng.integers(3)],
            is_repeat=[True, False, None][rng.integers(3)], returned_count=[0, 1, 2, None][rng.integers(4)],
            satisfaction=["satisfied", "basic", "unsatisfied", None][rng.integers(4)],
        ))
    return fx.requests_frame(rows)


def random_store(path, seed: int = 7, n: int = 4000):
    """A store file with the fixture units and the random requests, roll-ups built; returns the path."""
    fx.build_store(random_requests(seed, n), path=str(path)).close()
    return path
