"""Build the demo requests chunk by chunk, each chunk to its own Parquet file, in bounded memory.

The number of requests on each day of the window is drawn once (a multinomial over the daily
volume, so the monthly shape does not depend on the chunking). Days are then cut, in order,
into chunks of at most ``chunk_rows`` requests that never cross a month boundary; a day
busier than a chunk is split into pieces that continue its sequence numbers, so request
ids stay unique. Chunk ``i`` draws from its own stream, ``root`` spawned at index ``i``:
what a chunk holds depends on the seed, the day counts and ``i`` only.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from metrics.demo import geometry, simulation, text, timeline
from metrics.demo.hierarchy import City

CHUNK_ROWS = 500_000   # about 0.5 GB of arrays and text per chunk at its peak


@dataclass(frozen=True)
class Chunk:
    """Requests of consecutive days of one month: ``counts[j]`` on window day ``days[j]``, whose
    sequence numbers within that day start at ``first_seq[j]`` (1-based)."""

    index: int
    days: np.ndarray
    counts: np.ndarray
    first_seq: np.ndarray

    @property
    def rows(self) -> int:
        return int(self.counts.sum())


def day_counts(rng: np.random.Generator, n: int, p: np.ndarray) -> np.ndarray:
    """How many of the n requests arrive on each day (exactly n in all)."""
    return rng.multinomial(n, p / p.sum())


def plan(counts: np.ndarray, month_of_day: np.ndarray, chunk_rows: int = CHUNK_ROWS) -> list[Chunk]:
    """Cut the per-day counts into chunks of at most chunk_rows rows, none spanning two months."""
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be >= 1")
    chunks: list[Chunk] = []
    pieces: list[tuple[int, int, int]] = []   # (day, count, first_seq) of the chunk being filled
    filled, month = 0, None

    def flush() -> None:
        nonlocal filled
        if pieces:
            days, cnt, seq = (np.array(col, dtype=np.int64) for col in zip(*pieces))
            chunks.append(Chunk(len(chunks), days, cnt, seq))
        pieces.clear()
        filled = 0

    for day in np.flatnonzero(counts):
        if month_of_day[day] != month:
            flush()
            month = month_of_day[day]
        left, seq = int(counts[day]), 1
        while left:
            take = min(left, chunk_rows - filled)
            pieces.append((int(day), take, seq))
            filled, left, seq = filled + take, left - take, seq + take
            if filled == chunk_rows:
                flush()
    flush()
    return chunks


def chunk_stream(root: np.random.SeedSequence, index: int) -> np.random.Generator:
    """Chunk ``index``'s generator: the child ``index`` of ``root`` (what root.spawn would give)."""
    child = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, index),
                                   pool_size=root.pool_size)
    return np.random.Generator(np.random.PCG64(child))


def simulate_chunk(rng: np.random.Generator, city: City, traits: simulation.Traits, chunk: Chunk,
                   window: timeline.Window) -> dict[str, np.ndarray]:
    """The numeric columns of one chunk, sorted by received time, with points and sequence numbers."""
    sim = simulation.simulate(rng, city, traits, np.repeat(chunk.days, chunk.counts), window)
    sim["lon"], sim["lat"] = geometry.sample_points(rng, city.grid_polygons, sim["grid"])
    day = sim["day"]
    start = np.zeros(len(window.days()), dtype=np.int64)
    start[chunk.days] = chunk.first_seq
    sim["seq"] = np.arange(len(day)) - np.searchsorted(day, day, side="left") + start[day]
    return sim


def write_chunks(
    folder: Path, root: np.random.SeedSequence, city: City, traits: simulation.Traits,
    chunks: list[Chunk], window: timeline.Window, import_id: str,
    progress: Callable[[int], None] = lambda rows: None,
) -> list[Path]:
    """One Parquet file per chunk in folder, in chunk (= time) order; progress(rows done) after each."""
    files, done = [], 0
    for chunk in chunks:
        rng = chunk_stream(root, chunk.index)
        table = text.build_table(rng, city, simulate_chunk(rng, city, traits, chunk, window), import_id)
        files.append(folder / f"chunk-{chunk.index:06d}.parquet")
        pq.write_table(table, files[-1], compression="zstd", compression_level=1)
        del table
        done += chunk.rows
        progress(done)
    return files
