"""Whether two roll-up outputs (or an output and a store) hold the same numbers.

Counts must be equal; floats (rates, their credit sums, per-10k figures) may differ by 1e-9 relative
(engines sum doubles in other orders); percentiles must be equal (the registry rounds them so that
engines agree to the bit, :data:`metrics.core.sqldialect.QUANTILE_DIGITS`).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from metrics.core.registry import METRICS
from metrics.store.lake import UNIT_MONTH, quote_path
from metrics.store.rollup import table_columns
from metrics.store.snapshots import WRITER_MEMORY_MB

REL_TOL = 1e-9
EXACT_FLOATS = frozenset(m.id for m in METRICS if m.kind == "quantile")
KEY = ("level", "unit_id")


def output_table(con: duckdb.DuckDBPyConnection, folder: Path, table: str) -> str:
    """A FROM item reading one table of a roll-up output folder."""
    if table == UNIT_MONTH:
        return f"read_parquet({quote_path(Path(folder) / UNIT_MONTH / '*' / '*.parquet')}, hive_partitioning = true)"
    return f"read_parquet({quote_path(Path(folder) / table / '*.parquet')})"


def rollup_differences(con: duckdb.DuckDBPyConnection, left: str, right: str, table: str) -> list[str]:
    """Rows of roll-up ``table`` in one source and not the other (both FROM items), as messages."""
    cols = ", ".join(table_columns()[table])
    out = []
    for a, b, side in ((left, right, "only in the first"), (right, left, "only in the second")):
        n = con.execute(f"SELECT count(*) FROM (SELECT {cols} FROM {a} EXCEPT ALL SELECT {cols} FROM {b})").fetchone()[0]
        if n:
            out.append(f"{table}: {n:,} rows {side}")
    return out


def unit_month_differences(want: pd.DataFrame, got: pd.DataFrame) -> list[str]:
    """Differences between two unit_month frames: counts and texts exact, floats to REL_TOL, percentiles exact."""
    if sorted(want.columns) != sorted(got.columns):
        return [f"{UNIT_MONTH}: columns differ: {sorted(set(want.columns) ^ set(got.columns))}"]
    want = want.sort_values(list(KEY)).reset_index(drop=True)
    got = got.sort_values(list(KEY)).reset_index(drop=True)[want.columns]
    if len(want) != len(got) or not want[list(KEY)].equals(got[list(KEY)]):
        return [f"{UNIT_MONTH}: the units differ ({len(want)} and {len(got)} rows)"]
    out = []
    for col in want.columns:
        a, b = want[col], got[col]
        both_null = a.isna() & b.isna()
        if a.dtype.kind == "f" or b.dtype.kind == "f":
            x, y = a.astype("float64").to_numpy(), b.astype("float64").to_numpy()
            if col in EXACT_FLOATS:
                same = (x == y) | both_null.to_numpy()
            else:
                same = np.isclose(x, y, rtol=REL_TOL, atol=0.0) | both_null.to_numpy()
        else:
            same = ((a == b) | both_null).to_numpy(dtype=bool, na_value=False)
        bad = np.flatnonzero(~same)
        if len(bad):
            i = bad[0]
            out.append(f"{UNIT_MONTH}.{col}: {len(bad)} units differ, e.g. {want.loc[i, 'level']} "
                       f"{want.loc[i, 'unit_id']}: {a.iloc[i]!r} vs {b.iloc[i]!r}")
    return out


def compare_outputs(first: Path, second: Path) -> list[str]:
    """Every difference between two roll-up output folders (empty: the same numbers)."""
    spill = tempfile.TemporaryDirectory(prefix="gridscore-compare-")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = '{WRITER_MEMORY_MB // 2}MB'")   # it runs beside the engines it checks
    con.execute("SET temp_directory = $d", {"d": spill.name})
    try:
        out = []
        for table in table_columns():
            out += rollup_differences(con, output_table(con, first, table), output_table(con, second, table), table)
        frames = [con.execute(f"SELECT * FROM {output_table(con, f, UNIT_MONTH)}").df() for f in (first, second)]
        return out + unit_month_differences(*frames)
    finally:
        con.close()
        spill.cleanup()
