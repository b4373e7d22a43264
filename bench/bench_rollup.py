"""Benchmark: refreshing the roll-up tables after a write (moved out of the tests: no timed assertions).

    .venv/bin/python bench/bench_rollup.py [--rows 200000] [--repeat 3]

Builds the hand-made fixture store plus ``--rows`` synthetic requests in memory and prints the
median time of ``refresh_rollups`` and its cost per 100k rows.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SYNTHETIC = """
    INSERT INTO requests BY NAME
    SELECT 'X' || i AS request_id, TIMESTAMP '2025-01-01' + to_seconds(i * 97) AS received_at,
           'G' || (1 + i % 3) AS unit_id, 'P1' AS dept_id, '噪音扰民' AS category, 'citizen' AS source,
           true AS assessable, i % 2 = 0 AS visited, i % 3 = 0 AS contacted,
           TIMESTAMP '2025-01-01' + to_seconds(i * 97 + 3600) AS first_contact_at
    FROM range($rows) t(i)"""


def main() -> None:
    from metrics.store.rollup import refresh_rollups
    from tests import fixtures_requests as fx

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    con = fx.build_store(rollups=False)
    con.execute(SYNTHETIC, {"rows": args.rows})
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        refresh_rollups(con)
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(f"refresh_rollups over {args.rows:,} rows: median {median:.2f} s "
          f"({median / args.rows * 100_000:.2f} s per 100k rows; runs {', '.join(f'{t:.2f}' for t in times)})")


if __name__ == "__main__":
    main()
