"""One month's street scores in polars: a lazy scan of the same Parquet export the pandas reference reads.

Independent of the engine and of the pandas reference: the street of each unit comes from joining
``units`` to its parents level by level; the month's rows are filtered in the scan (predicate
pushdown), joined to their street and aggregated in one ``group_by``. The scheme arithmetic is
bench/ref_scores.py. polars is a bench-only package (bench/requirements.txt): :func:`available`.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from bench.ref_scores import RefScheme, score_streets

MAX_DEPTH = 6   # city > district > street > community > grid: a street is at most 3 hops above a unit


def available() -> bool:
    try:
        import polars  # noqa: F401
    except ImportError:
        return False
    return True


def street_map(units):
    """A LazyFrame unit_id -> street for every unit at or below a street."""
    import polars as pl

    links = units.select("unit_id", "parent_id", "level")
    parents = units.select(pl.col("unit_id").alias("p_id"), pl.col("parent_id").alias("p_parent"),
                           pl.col("level").alias("p_level"))
    walk = links.select("unit_id", pl.col("unit_id").alias("cur"), pl.col("parent_id").alias("up"),
                        pl.col("level").alias("cur_level"))
    for _ in range(MAX_DEPTH):   # climb one level where the current unit is not yet a street
        step = walk.join(parents, left_on="up", right_on="p_id", how="left")
        climb = pl.col("cur_level") != "street"
        walk = step.select(
            "unit_id",
            pl.when(climb).then(pl.col("up")).otherwise(pl.col("cur")).alias("cur"),
            pl.when(climb).then(pl.col("p_parent")).otherwise(pl.col("up")).alias("up"),
            pl.when(climb).then(pl.col("p_level")).otherwise(pl.col("cur_level")).alias("cur_level"),
        )
    return walk.filter(pl.col("cur_level") == "street").select("unit_id", pl.col("cur").alias("street"))


def street_table(requests_parquet: Path, units_parquet: Path, start: dt.datetime, end: dt.datetime,
                 credit: float) -> pd.DataFrame:
    import polars as pl

    units = pl.scan_parquet(units_parquet).select("unit_id", "level", "parent_id")
    month = (pl.scan_parquet(requests_parquet)
             .filter((pl.col("received_at") >= start) & (pl.col("received_at") < end))
             .join(street_map(units), on="unit_id", how="inner"))
    visited = pl.col("assessable").fill_null(False) & pl.col("visited").fill_null(False)
    sat = pl.col("satisfaction")
    per_street = month.group_by("street").agg(
        pl.len().cast(pl.Int64).alias("requests"),
        (visited & pl.col("contacted").fill_null(False)).sum().cast(pl.Int64).alias("response_rate_num"),
        (visited & pl.col("resolved").fill_null(False)).sum().cast(pl.Int64).alias("resolution_rate_num"),
        pl.when(visited & (sat == "satisfied")).then(1.0)
          .when(visited & (sat == "basic")).then(credit).otherwise(0.0).sum().alias("satisfaction_rate_num"),
        visited.sum().cast(pl.Int64).alias("visited"),
    )
    streets = units.filter(pl.col("level") == "street").select("unit_id")
    table = (streets.join(per_street, left_on="unit_id", right_on="street", how="left")
             .with_columns(pl.col("requests", "response_rate_num", "resolution_rate_num", "visited").fill_null(0),
                           pl.col("satisfaction_rate_num").fill_null(0.0))
             .with_columns(*(pl.col("visited").alias(f"{r}_den")
                             for r in ("response_rate", "resolution_rate", "satisfaction_rate")))
             .drop("visited")
             .collect())
    return table.to_pandas().set_index("unit_id")


def scores(requests_parquet: Path, units_parquet: Path, start: dt.datetime, end: dt.datetime,
           scheme: RefScheme) -> pd.DataFrame:
    return score_streets(street_table(requests_parquet, units_parquet, start, end, scheme.basic_credit), scheme)
