"""One month's street scores in plain pandas, from the Parquet export of requests and units.

Independent of the engine: the street of a request is found by walking ``units.parent_id``; the three
rates count rows as DESIGN §4 defines them (assessable requests; valid return visits = assessable and
visited; satisfaction = (satisfied + basic_credit × basic) / visited). The scheme arithmetic is
bench/ref_scores.py.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from bench.ref_scores import RefScheme, score_streets

COLUMNS = ["received_at", "unit_id", "assessable", "visited", "contacted", "resolved", "satisfaction"]


def street_of(units: pd.DataFrame) -> dict[str, str]:
    """unit_id -> its street (itself for a street), for every unit at or below a street."""
    parent = dict(zip(units["unit_id"], units["parent_id"]))
    level = dict(zip(units["unit_id"], units["level"]))
    out = {}
    for uid in units["unit_id"]:
        cur, hops = uid, 0
        while isinstance(cur, str) and level.get(cur) != "street" and hops < 10:
            cur, hops = parent.get(cur), hops + 1
        if isinstance(cur, str) and level.get(cur) == "street":
            out[uid] = cur
    return out


def _flag(series: pd.Series) -> pd.Series:
    return series.astype("boolean").fillna(False).astype(bool)


def street_table(requests: pd.DataFrame, units: pd.DataFrame, start: dt.datetime, end: dt.datetime,
                 credit: float) -> pd.DataFrame:
    """requests and the three rates' num / den per street (every street, zero when it had none)."""
    month = requests[(requests["received_at"] >= start) & (requests["received_at"] < end)]
    street = month["unit_id"].map(street_of(units))
    visited = _flag(month["assessable"]) & _flag(month["visited"])
    parts = pd.DataFrame({
        "street": street,
        "requests": 1,
        "response_rate_num": visited & _flag(month["contacted"]),
        "resolution_rate_num": visited & _flag(month["resolved"]),
        "satisfaction_rate_num": visited * ((month["satisfaction"] == "satisfied") * 1.0
                                            + (month["satisfaction"] == "basic") * credit),
        "response_rate_den": visited, "resolution_rate_den": visited, "satisfaction_rate_den": visited,
    })
    sums = parts.groupby("street").sum()
    streets = units.loc[units["level"] == "street", "unit_id"]
    table = sums.reindex(streets.to_numpy()).fillna(0)
    counts = [c for c in table.columns if c != "satisfaction_rate_num"]
    table[counts] = table[counts].astype("int64")
    table.index.name = "unit_id"
    return table


def scores(requests_parquet: Path, units_parquet: Path, start: dt.datetime, end: dt.datetime,
           scheme: RefScheme) -> pd.DataFrame:
    """Read, aggregate and score: what a pandas user would run for one month."""
    requests = pd.read_parquet(requests_parquet, columns=COLUMNS)
    units = pd.read_parquet(units_parquet, columns=["unit_id", "level", "parent_id"])
    return score_streets(street_table(requests, units, start, end, scheme.basic_credit), scheme)
