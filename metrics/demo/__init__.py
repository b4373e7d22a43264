"""The demo city 江州市: units, boundaries and simulated requests, deterministic for a seed.

``build_demo`` writes a fresh store through :func:`metrics.store.snapshots.write_snapshot`.
Geography and requests draw from separate streams of one seed, so the city (units,
boundaries, and each unit's quality) is the same whatever the number of requests. Requests
are generated chunk by chunk (:mod:`metrics.demo.chunks`) into Parquet files in a spill
folder beside the store (removed after; a killed build's is removed by the next writer),
then inserted with one statement: memory stays bounded by the chunk size, not by
the number of requests. With ``lake`` the requests go to a lake instead (:mod:`metrics.demo.lake`)
and the store keeps units, boundaries and the imports row only. Sits beside ingest: may import
core and store only.
"""
from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np

from metrics.store import snapshots as store
from metrics.demo import chunks, hierarchy, simulation, timeline
from metrics.demo import lake as demo_lake

Progress = Callable[[str, float], None]
# DuckDB's share of the build's memory; beyond it the insert and the roll-ups spill to the
# spill folder. The requests' primary-key index stays in memory while it is built, so the
# share grows by INDEX_BYTES a request; with the ~0.7 GB a chunk takes in Python, a build
# peaks near 3 GB plus the index (about 6 GB at 50M requests).
MEMORY_BASE = 2 * 2**30
INDEX_BYTES = 64


def memory_limit(requests: int) -> str:
    return f"{(MEMORY_BASE + INDEX_BYTES * requests) // 2**20}MB"


def _silent(stage: str, fraction: float) -> None:
    return None


def import_id_for(seed: int, n: int, window: timeline.Window) -> str:
    return f"demo-s{seed}-n{n}-{window.first:%Y%m}-{window.end:%Y%m}"


def build_demo(
    path: Path | str | None, *, requests: int = 1_000_000, seed: int = 42, months: int = 24,
    end: dt.date | None = None, progress: Progress | None = None, chunk_rows: int = chunks.CHUNK_ROWS,
    lake: Path | str | None = None,
) -> dict | None:
    """Build the demo store at ``path``: same arguments, same table contents.

    ``end`` is the first day of the last month included (default: the last full month
    before today); ``progress(stage, fraction)`` is called as the build goes. ``chunk_rows``
    bounds the requests held in memory at once (it changes which rows are drawn, not their
    distributions). ``lake``: a new or empty folder that gets the requests as a lake
    (:mod:`metrics.store.lake`), the store none; returns the lake's manifest (else None).
    """
    if requests < 0 or months < 1:
        raise ValueError("requests must be >= 0 and months >= 1")
    report = progress or _silent
    path = Path(path) if path else store.default_path()
    store.check_writable(path)
    lake = Path(lake) if lake is not None else None
    if lake is not None:
        demo_lake.check_target(lake)
    window = timeline.Window((end or timeline.last_full_month()).replace(day=1), months)
    geo_seq, req_seq, _ = np.random.SeedSequence(seed).spawn(3)
    traits_seq, days_seq, chunk_root = req_seq.spawn(3)
    started = dt.datetime.now().replace(microsecond=0)

    report("units and boundaries", 0.0)
    city = hierarchy.build_city(np.random.Generator(np.random.PCG64(geo_seq)))
    traits = simulation.draw_traits(np.random.Generator(np.random.PCG64(traits_seq)), city)
    counts = chunks.day_counts(np.random.Generator(np.random.PCG64(days_seq)), requests,
                               simulation.daily_volume(city, traits, window))
    plan = chunks.plan(counts, timeline.calendar(window.days())[0], chunk_rows)
    import_id = import_id_for(seed, requests, window)
    report(f"simulating requests in {len(plan)} chunks", 0.05)

    tenths = [0]

    def chunk_done(rows: int) -> None:   # one line per tenth of the requests
        if rows * 10 // requests > tenths[0]:
            tenths[0] = rows * 10 // requests
            report(f"simulated {rows:,} of {requests:,} requests", 0.05 + 0.55 * rows / requests)

    spill = path.parent / f".{path.name}.spill-{uuid.uuid4().hex[:12]}"   # a killed build's is stale
    staged = demo_lake.staging(lake) if lake is not None else None
    manifest = None
    try:
        with store.write_snapshot(path, fresh=True, label="demo") as con:
            spill.mkdir()
            con.execute("SET memory_limit = $limit", {"limit": memory_limit(0 if staged else requests)})
            con.execute("SET temp_directory = $dir", {"dir": str(spill / "duckdb")})
            files = chunks.write_chunks(spill, chunk_root, city, traits, plan, window, import_id, chunk_done)
            report("writing the store", 0.6)
            for target, rows in (("units", city.units), ("boundaries", city.boundaries)):
                con.register("demo_rows", rows)
                con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM demo_rows")
                con.unregister("demo_rows")
            if staged is not None:
                report("writing the lake", 0.65)
                columns = demo_lake.write_requests(con, files, staged)
            elif files:
                con.execute("INSERT INTO requests BY NAME SELECT * FROM read_parquet($files)",
                            {"files": [str(f) for f in files]})
                for f in files:   # disk back before the roll-ups
                    f.unlink()
            report("closure and roll-ups", 0.8)
            con.execute(
                "INSERT INTO imports (import_id, file, kind, started_at, finished_at, rows_read, rows_inserted,"
                " rows_updated, rows_unchanged, rows_rejected, warnings, note)"
                " VALUES ($id, NULL, 'demo', $started, $finished, $n, $n, 0, 0, 0, 0, $note)",
                {"id": import_id, "started": started, "finished": dt.datetime.now().replace(microsecond=0),
                 "n": requests, "note": f"demo city: seed {seed}, {months} months to {window.end:%Y-%m}"
                 + ("; requests in a lake, not in this store" if staged else "")},
            )
            store.after_write(con)
            if staged is not None:
                manifest = demo_lake.finish(con, staged, columns)
        if staged is not None:
            demo_lake.publish(staged, lake)
    finally:
        shutil.rmtree(spill, ignore_errors=True)
        if staged is not None:
            demo_lake.discard(staged)
    report("done", 1.0)
    return manifest
