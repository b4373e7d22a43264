"""Independent reference implementation of every registry metric, in plain pandas.

Written from DESIGN §4 and the registry's formula text, not from its SQL: nothing here
imports the registry's expressions — only metric ids are shared. Inputs are the raw
``requests`` and ``units`` rows as DataFrames.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

COUNTS = ("requests", "backlog", "overdue")


def subtree(units: pd.DataFrame, root: str) -> set[str]:
    """root and every unit below it, walking parent_id (no closure table)."""
    children: dict[str, list[str]] = {}
    for uid, parent in zip(units["unit_id"], units["parent_id"]):
        if isinstance(parent, str):
            children.setdefault(parent, []).append(uid)
    found, todo = set(), [root]
    while todo:
        uid = todo.pop()
        if uid not in found:
            found.add(uid)
            todo.extend(children.get(uid, []))
    return found


def is_true(series: pd.Series) -> pd.Series:
    """True where the value is true; None / NA / False are not."""
    return series.astype("boolean").fillna(False).astype(bool)


def select(requests: pd.DataFrame, units: pd.DataFrame, scope: str | None, filters: dict | None) -> pd.DataFrame:
    """Rows the viewer may see that pass the filters (any received time)."""
    keep = pd.Series(True, index=requests.index)
    if scope is not None:
        keep &= requests["unit_id"].isin(subtree(units, scope)) | (requests["dept_id"] == scope)
    filters = filters or {}
    for column, values in (("category", "categories"), ("channel", "channels"),
                           ("source", "sources"), ("urgency", "urgencies")):
        if filters.get(values):
            keep &= requests[column].isin(list(filters[values]))
    if filters.get("unit_id"):
        unit = filters["unit_id"]
        keep &= requests["unit_id"].isin(subtree(units, unit)) | (requests["dept_id"] == unit)
    return requests[keep]


def _hours(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.total_seconds() / 3600


def _quantile(values: pd.Series, p: float) -> float | None:
    values = values.dropna()
    return float(np.quantile(values.to_numpy(dtype=float), p)) if len(values) else None


def _ratio(num: float, den: int) -> float | None:
    return num / den if den else None


def metrics_of(rows: pd.DataFrame, stock_rows: pd.DataFrame, end: dt.datetime,
               population: float | None, staff: float | None, basic_credit: float) -> dict[str, object]:
    """Every metric over ``rows`` (received in the period) and ``stock_rows`` (received before ``end``)."""
    a = rows[rows["assessable"].astype(bool)]
    visited = a[is_true(a["visited"])]
    closed = a[a["closed_at"].notna() | (a["status"] == "closed")]
    with_respond_by = a[a["respond_by"].notna()]
    with_resolve_by = a[a["resolve_by"].notna()]
    contacted_rows = a[a["first_contact_at"].notna()]
    closed_rows = a[a["closed_at"].notna()]
    satisfied = int((visited["satisfaction"] == "satisfied").sum())
    basic = int((visited["satisfaction"] == "basic").sum())
    s = stock_rows[stock_rows["assessable"].astype(bool)]
    still_open = s[(s["closed_at"] >= end) | (s["closed_at"].isna() & (s["status"].fillna("open") != "closed"))]
    pairs = {
        "proactive_share": (int((a["source"] == "proactive").sum()), len(a)),
        "response_rate": (int(is_true(visited["contacted"]).sum()), len(visited)),
        "on_time_response_rate": (
            int((with_respond_by["first_contact_at"] <= with_respond_by["respond_by"]).sum()), len(with_respond_by)),
        "resolution_rate": (int(is_true(visited["resolved"]).sum()), len(visited)),
        "satisfaction_rate": (satisfied + basic_credit * basic, len(visited)),
        "on_time_close_rate": (
            int((with_resolve_by["closed_at"] <= with_resolve_by["resolve_by"]).sum()), len(with_resolve_by)),
        "repeat_rate": (int(is_true(a["is_repeat"]).sum()), len(a)),
        "return_rate": (int((a["returned_count"].fillna(0) > 0).sum()), len(a)),
        "visit_coverage": (int(is_true(closed["visited"]).sum()), len(closed)),
    }
    pop = None if population is None or pd.isna(population) or population == 0 else float(population)
    out: dict[str, object] = {
        "requests": len(rows),
        "requests_per_10k": None if pop is None else len(rows) * 10000 / pop,
        "staff_per_10k": None if pop is None or staff is None or pd.isna(staff) else float(staff) * 10000 / pop,
        "response_hours_p50": _quantile(_hours(contacted_rows["first_contact_at"], contacted_rows["received_at"]), 0.5),
        "response_hours_p90": _quantile(_hours(contacted_rows["first_contact_at"], contacted_rows["received_at"]), 0.9),
        "close_hours_p50": _quantile(_hours(closed_rows["closed_at"], closed_rows["received_at"]), 0.5),
        "close_hours_p90": _quantile(_hours(closed_rows["closed_at"], closed_rows["received_at"]), 0.9),
        "backlog": len(still_open),
        "overdue": int((still_open["resolve_by"] < end).sum()),
    }
    for metric_id, (num, den) in pairs.items():
        out[metric_id] = _ratio(num, den)
        out[f"{metric_id}_num"] = float(num)
        out[f"{metric_id}_den"] = den
    return out


def reference_unit_table(
    requests: pd.DataFrame, units: pd.DataFrame, level: str, start: dt.datetime, end: dt.datetime,
    scope: str | None = None, filters: dict | None = None, basic_credit: float = 0.9,
) -> pd.DataFrame:
    """One row per unit of ``level`` visible to ``scope`` (and within the filter unit), indexed by unit_id."""
    visible = select(requests, units, scope, filters)
    in_period = visible[(visible["received_at"] >= start) & (visible["received_at"] < end)]
    before_end = visible[visible["received_at"] < end]
    parents = dict(zip(units["unit_id"], units["parent_id"]))
    rows = units[units["level"] == level]
    if scope is not None:
        rows = rows[rows["unit_id"].isin(subtree(units, scope))]
    if filters and filters.get("unit_id"):
        rows = rows[rows["unit_id"].isin(subtree(units, filters["unit_id"]))]
    if level == "department":
        owner_in, owner_before = in_period["dept_id"], before_end["dept_id"]
    else:
        wanted = set(rows["unit_id"])
        owner = {uid: _ancestor_in(uid, parents, wanted) for uid in units["unit_id"]}
        owner_in, owner_before = in_period["unit_id"].map(owner), before_end["unit_id"].map(owner)
    by_unit_in = dict(list(in_period.groupby(owner_in)))
    by_unit_before = dict(list(before_end.groupby(owner_before)))
    empty = requests.iloc[:0]
    table = {
        unit.unit_id: metrics_of(by_unit_in.get(unit.unit_id, empty), by_unit_before.get(unit.unit_id, empty), end,
                                 unit.population, unit.staff, basic_credit)
        for unit in rows.itertuples(index=False)
    }
    return pd.DataFrame.from_dict(table, orient="index")


def _ancestor_in(unit_id: str, parents: dict[str, object], wanted: set[str]) -> str | None:
    """The first of unit_id and its ancestors (walking parent_id) that is in ``wanted``."""
    seen = 0
    current: object = unit_id
    while isinstance(current, str) and seen < 20:
        if current in wanted:
            return current
        current, seen = parents.get(current), seen + 1
    return None


def reference_totals(
    requests: pd.DataFrame, units: pd.DataFrame, start: dt.datetime, end: dt.datetime,
    scope: str | None = None, filters: dict | None = None, basic_credit: float = 0.9,
) -> dict[str, object]:
    """Every metric over everything the viewer sees (requests without a unit included)."""
    visible = select(requests, units, scope, filters)
    anchor = (filters or {}).get("unit_id") or scope
    covered = units[units["unit_id"] == anchor] if anchor else units[
        units["parent_id"].isna() & (units["level"] != "department")]
    population = covered["population"].dropna().sum() if covered["population"].notna().any() else None
    staff = covered["staff"].dropna().sum() if covered["staff"].notna().any() else None
    in_period = visible[(visible["received_at"] >= start) & (visible["received_at"] < end)]
    return metrics_of(in_period, visible[visible["received_at"] < end], end, population, staff, basic_credit)
