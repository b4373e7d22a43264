"""The demo build in chunks: the plan's boundaries, and stores built with tiny chunks."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from metrics.demo import build_demo, chunks
from metrics.store.snapshots import open_read
from tests.test_demo import CHECKSUM_SQL

END = dt.date(2026, 10, 1)
# Window days of a two-month window (Sep, Oct 2026): Sep has 30 days.
MONTH_OF_DAY = np.repeat([0, 1], [30, 31])


def _check_plan(counts: np.ndarray, plan: list[chunks.Chunk], chunk_rows: int) -> None:
    """Every request of every day is in exactly one chunk, sequence numbers 1..count per day."""
    assert [c.index for c in plan] == list(range(len(plan)))
    seqs: dict[int, list[int]] = {}
    for c in plan:
        assert 0 < c.rows <= chunk_rows
        assert len(set(MONTH_OF_DAY[c.days])) == 1, "a chunk spans two months"
        assert (np.diff(c.days) > 0).all()
        for day, n, first in zip(c.days, c.counts, c.first_seq):
            seqs.setdefault(int(day), []).extend(range(first, first + n))
    assert {d: sorted(s) for d, s in seqs.items()} == {
        int(d): list(range(1, counts[d] + 1)) for d in np.flatnonzero(counts)}


@pytest.mark.parametrize("chunk_rows", [1, 7, 100, 10_000])
def test_plan_covers_every_request_once(chunk_rows: int) -> None:
    counts = np.random.default_rng(0).poisson(20, len(MONTH_OF_DAY))
    counts[[3, 29, 30, 45]] = [0, 150, 0, 33]     # an empty day, a busy last day of a month, a quiet first
    plan = chunks.plan(counts, MONTH_OF_DAY, chunk_rows)
    _check_plan(counts, plan, chunk_rows)
    if chunk_rows >= counts.sum():
        assert len(plan) == 2, "one chunk per month when the chunk is big enough"


def test_plan_boundaries() -> None:
    none = np.zeros(len(MONTH_OF_DAY), dtype=np.int64)
    assert chunks.plan(none, MONTH_OF_DAY, 10) == []
    few = none.copy()
    few[[29, 30]] = 1                              # fewer requests than months' chunks: the last Sep day, first Oct day
    plan = chunks.plan(few, MONTH_OF_DAY, 10)
    assert [(c.days.tolist(), c.counts.tolist()) for c in plan] == [([29], [1]), ([30], [1])]
    with pytest.raises(ValueError):
        chunks.plan(few, MONTH_OF_DAY, 0)


def test_chunk_streams_are_distinct_and_reproducible() -> None:
    root = np.random.SeedSequence(5).spawn(2)[1]
    draws = [chunks.chunk_stream(root, i).random(4) for i in (0, 1, 0)]
    assert (draws[0] == draws[2]).all() and not np.isin(draws[0], draws[1]).any()


SPLIT = dict(requests=3_000, seed=4, months=2, end=END, chunk_rows=50)   # ~50 requests a day: days split


@pytest.fixture(scope="module")
def split_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("chunks") / "split.duckdb"
    build_demo(path, **SPLIT)
    return path


def _rows(path: Path, sql: str) -> list[tuple]:
    with open_read(path) as con:
        return con.execute(sql).fetchall()


def test_small_chunks_keep_ids_unique_and_points_distinct(split_store: Path) -> None:
    # Equal-sized chunks drawn from one reused stream would repeat the same points.
    n, ids, points, bad_dates = _rows(split_store, """
        SELECT count(*), count(DISTINCT request_id), count(DISTINCT (lon, lat)),
               count(*) FILTER (WHERE request_id[3:10] <> strftime(received_at, '%Y%m%d'))
        FROM requests""")[0]
    assert (n, ids, points, bad_dates) == (SPLIT["requests"], n, n, 0)
    seq = _rows(split_store, """
        SELECT count(*) FILTER (WHERE lo <> 1 OR hi <> n), count(*), count(DISTINCT month(d)) FROM (
            SELECT received_at::date AS d, count(*) AS n, min(request_id[11:]::int) AS lo,
                   max(request_id[11:]::int) AS hi FROM requests GROUP BY d)""")[0]
    assert seq[0] == 0 and seq[1] >= 55 and seq[2] == 2, "each day numbered 1..n across the month boundary"


def test_same_arguments_same_contents_and_daily_volume_does_not_depend_on_chunking(
        split_store: Path, tmp_path: Path) -> None:
    again, whole = tmp_path / "again.duckdb", tmp_path / "whole.duckdb"
    build_demo(again, **SPLIT)
    build_demo(whole, **{**SPLIT, "chunk_rows": chunks.CHUNK_ROWS})
    assert _rows(again, CHECKSUM_SQL) == _rows(split_store, CHECKSUM_SQL)
    per_day = "SELECT received_at::date AS d, count(*) FROM requests GROUP BY d ORDER BY d"
    assert _rows(whole, per_day) == _rows(split_store, per_day)
    units = "SELECT sum(hash(u)) FROM units u"
    assert _rows(whole, units) == _rows(split_store, units)
    assert _rows(whole, CHECKSUM_SQL) != _rows(split_store, CHECKSUM_SQL)


@pytest.mark.parametrize("requests", [0, 5])
def test_fewer_requests_than_chunks(tmp_path: Path, requests: int) -> None:
    path = tmp_path / "few.duckdb"
    build_demo(path, requests=requests, seed=1, months=24, end=END)
    n, ids = _rows(path, "SELECT count(*), count(DISTINCT request_id) FROM requests")[0]
    assert n == ids == requests
    assert _rows(path, "SELECT rows_read, rows_inserted FROM imports") == [(requests, requests)]
    assert _rows(path, "SELECT count(*) > 2000 FROM units WHERE level = 'grid'") == [(True,)]
    assert not list(tmp_path.glob(".few.duckdb.spill-*")), "the chunk folder is removed"
