"""Data quality of a store, per import and overall (``import_id = 'all'``).

Field coverage comes from ``import_fields`` (what each file supplied); location status,
placeholder clusters, timing anomalies and probable duplicates from the stored ``requests``
(attributed to the import that last wrote each row); repeated ids from ``imports``; reject
reasons from ``rejects``, with quoted values, row numbers and times folded so that one kind
of problem is one line.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields

import duckdb
import pandas as pd

ALL = "all"
YEAR = dt.timedelta(days=365)
TIMES = ("received_at", "first_contact_at", "closed_at")
# the parts of a reason that vary from row to row
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'")
_ROW = re.compile(r"\brow \d+")
_WHEN = re.compile(r"\(\d{4}-\d\d-\d\d[^)]*\)")


@dataclass(frozen=True)
class Quality:
    imports: pd.DataFrame       # import_id, file, kind, rows_read ... rows_rejected (request imports)
    coverage: pd.DataFrame      # import_id, field, source_column, rows_with_value, rows_read, share
    status: pd.DataFrame        # import_id, location_status, rows
    placeholders: pd.DataFrame  # import_id, lat, lon, rows
    timing: pd.DataFrame        # import_id, rows, closed_before_received, contact_before_received, future, over_a_year
    duplicates: pd.DataFrame    # import_id, repeated_ids, probable_duplicates
    rejects: pd.DataFrame       # import_id, reason, rows

    def for_import(self, import_id: str) -> Quality:
        """Every table narrowed to one import (or ``ALL``)."""
        def narrowed(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[frame["import_id"] == import_id].reset_index(drop=True)
        return Quality(*(narrowed(getattr(self, f.name)) for f in fields(self)))

    def as_dict(self) -> dict[str, list[dict]]:
        return {f.name: _records(getattr(self, f.name)) for f in fields(self)}


def _records(frame: pd.DataFrame) -> list[dict]:
    out = frame.astype(object).where(frame.notna(), None)
    return out.to_dict(orient="records")


def _store_now(con: duckdb.DuckDBPyConnection) -> dt.datetime:
    """The store's local time now (its times are local and naive)."""
    row = con.execute("SELECT value FROM gridscore_meta WHERE key = 'timezone'").fetchone()
    tz = row[0] if row else "Asia/Shanghai"
    return con.execute("SELECT CAST(timezone($tz, now()) AS TIMESTAMP)", {"tz": tz}).fetchone()[0]


def _grouped(con: duckdb.DuckDBPyConnection, select: str, source: str, keys: str = "",
             params: dict | None = None) -> pd.DataFrame:
    """``select`` per import and over all imports (``import_id = 'all'``), grouped by import_id and ``keys``."""
    extra = f", {keys}" if keys else ""
    total = f"GROUP BY {keys}" if keys else ""
    sql = (f"SELECT coalesce(import_id, 'unknown') AS import_id{extra}, {select} FROM {source} "
           f"GROUP BY ALL UNION ALL SELECT '{ALL}'{extra}, {select} FROM {source} {total} ORDER BY import_id{extra}")
    return con.execute(sql, params or {}).fetchdf()


def reason_kind(reason: str) -> str:
    """A reject reason with its row-specific values folded: ``x: cannot read '…' as a time``."""
    return _WHEN.sub("(…)", _ROW.sub("row …", _QUOTED.sub("'…'", reason.strip())))


def _rejects(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    raw = con.execute("SELECT import_id, reasons FROM rejects").fetchdf()
    rows = [(imp, reason_kind(r)) for imp, text in zip(raw["import_id"], raw["reasons"])
            for r in text.split("; ") if r.strip()]
    frame = pd.DataFrame(rows, columns=["import_id", "reason"])
    if frame.empty:
        return pd.DataFrame({"import_id": pd.Series(dtype=str), "reason": pd.Series(dtype=str),
                             "rows": pd.Series(dtype="int64")})
    both = pd.concat([frame, frame.assign(import_id=ALL)])
    out = both.groupby(["import_id", "reason"]).size().rename("rows").reset_index()
    return out.sort_values(["import_id", "rows", "reason"], ascending=[True, False, True], ignore_index=True)


def quality(con: duckdb.DuckDBPyConnection, now: dt.datetime | None = None) -> Quality:
    """Every figure of the quality panel; ``now`` (local, naive) defaults to the store's clock."""
    now = now or _store_now(con)
    imports = con.execute(
        "SELECT import_id, file, kind, started_at, rows_read, rows_inserted, rows_updated, rows_unchanged, "
        "rows_rejected FROM imports WHERE kind <> 'boundaries' AND kind <> 'units' ORDER BY started_at, import_id"
    ).fetchdf()
    coverage = _grouped(con, "any_value(source_column) FILTER (WHERE import_id IS NOT NULL) AS source_column, "
                             "sum(rows_with_value)::BIGINT AS rows_with_value, sum(rows_read)::BIGINT AS rows_read",
                        "import_fields", "field")
    coverage.loc[coverage["import_id"] == ALL, "source_column"] = None
    coverage["share"] = coverage["rows_with_value"] / coverage["rows_read"].where(coverage["rows_read"] > 0)
    status = _grouped(con, "count(*) AS rows", "(SELECT import_id, coalesce(location_status, 'unknown') "
                      "AS location_status FROM requests)", "location_status")
    placeholders = _grouped(con, "count(*) AS rows", "(SELECT import_id, round(lat, 6) AS lat, round(lon, 6) AS lon "
                            "FROM requests WHERE location_status = 'placeholder')", "lat, lon")
    future = " OR ".join(f"{t} > $now" for t in TIMES)
    timing = _grouped(con, f"""count(*) AS rows,
        count(*) FILTER (WHERE closed_at < received_at) AS closed_before_received,
        count(*) FILTER (WHERE first_contact_at < received_at) AS contact_before_received,
        count(*) FILTER (WHERE {future}) AS future,
        count(*) FILTER (WHERE closed_at - received_at > $year) AS over_a_year""",
                      "requests", params={"now": now, "year": YEAR})
    duplicates = _duplicates(con, imports)
    return Quality(imports, coverage, status, placeholders, timing, duplicates, _rejects(con))


# Requests with the same received time, category and place (address, else the point) but other ids:
# every one after the first (by request_id) is a probable duplicate.
_PROBABLE = """
WITH keyed AS (
    SELECT import_id, row_number() OVER (
        PARTITION BY received_at, category, coalesce(address, CAST(round(lat, 6) AS TEXT) || ',' || CAST(round(lon, 6) AS TEXT))
        ORDER BY request_id) AS nth
    FROM requests
    WHERE category IS NOT NULL AND (address IS NOT NULL OR (lat IS NOT NULL AND lon IS NOT NULL)))
SELECT coalesce(import_id, 'unknown') AS import_id, count(*) AS probable_duplicates FROM keyed WHERE nth > 1 GROUP BY 1
"""


def _duplicates(con: duckdb.DuckDBPyConnection, imports: pd.DataFrame) -> pd.DataFrame:
    """Per import: ids already in the store (updated or unchanged), and probable duplicates stored."""
    repeated = (imports.assign(repeated_ids=imports["rows_updated"].fillna(0) + imports["rows_unchanged"].fillna(0))
                [["import_id", "repeated_ids"]])
    probable = con.execute(_PROBABLE).fetchdf()
    out = repeated.merge(probable, on="import_id", how="outer").fillna(0)
    total = pd.DataFrame([{"import_id": ALL, "repeated_ids": out["repeated_ids"].sum(),
                           "probable_duplicates": out["probable_duplicates"].sum()}])
    out = pd.concat([out, total], ignore_index=True).sort_values("import_id", ignore_index=True)
    return out.astype({"repeated_ids": "int64", "probable_duplicates": "int64"})
