"""The demo city 江州市: units, boundaries and simulated requests, deterministic for a seed.

``build_demo`` writes a fresh store through :func:`metrics.store.snapshots.write_snapshot`.
Geography and requests draw from separate streams of one seed, so the city is the same
whatever the number of requests. Sits beside ingest: may import core and store only.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np

from metrics.store import snapshots as store
from metrics.demo import geometry, hierarchy, simulation, text, timeline

Progress = Callable[[str, float], None]


def _silent(stage: str, fraction: float) -> None:
    return None


def import_id_for(seed: int, n: int, window: timeline.Window) -> str:
    return f"demo-s{seed}-n{n}-{window.first:%Y%m}-{window.end:%Y%m}"


def build_demo(
    path: Path | str | None, *, requests: int = 1_000_000, seed: int = 42, months: int = 24,
    end: dt.date | None = None, progress: Progress | None = None,
) -> None:
    """Build the demo store at ``path``: same arguments, same table contents.

    ``end`` is the first day of the last month included (default: the last full month
    before today); ``progress(stage, fraction)`` is called as the build goes.
    """
    if requests < 0 or months < 1:
        raise ValueError("requests must be >= 0 and months >= 1")
    report = progress or _silent
    window = timeline.Window((end or timeline.last_full_month()).replace(day=1), months)
    geo_seq, req_seq, text_seq = np.random.SeedSequence(seed).spawn(3)
    started = dt.datetime.now().replace(microsecond=0)

    report("units and boundaries", 0.0)
    city = hierarchy.build_city(np.random.Generator(np.random.PCG64(geo_seq)))
    report("simulating requests", 0.15)
    rng = np.random.Generator(np.random.PCG64(req_seq))
    sim = simulation.simulate(rng, city, requests, window)
    sim["lon"], sim["lat"] = geometry.sample_points(rng, city.grid_polygons, sim["grid"])
    report("writing request text", 0.4)
    import_id = import_id_for(seed, requests, window)
    table = text.build_table(np.random.Generator(np.random.PCG64(text_seq)), city, sim, import_id)
    del sim

    report("writing the store", 0.6)
    with store.write_snapshot(path, fresh=True, label="demo") as con:
        for target, rows in (("units", city.units), ("boundaries", city.boundaries), ("requests", table)):
            con.register("demo_rows", rows)
            con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM demo_rows")
            con.unregister("demo_rows")
        report("closure and roll-ups", 0.9)
        con.execute(
            "INSERT INTO imports (import_id, file, kind, started_at, finished_at, rows_read, rows_inserted,"
            " rows_updated, rows_unchanged, rows_rejected, warnings, note)"
            " VALUES ($id, NULL, 'demo', $started, $finished, $n, $n, 0, 0, 0, 0, $note)",
            {"id": import_id, "started": started, "finished": dt.datetime.now().replace(microsecond=0),
             "n": requests, "note": f"demo city: seed {seed}, {months} months to {window.end:%Y-%m}"},
        )
        store.after_write(con)
    report("done", 1.0)
