"""Timestamps from real exports, parsed in DuckDB SQL (set-based, fast).

Each column's format is detected from a sample of its values (:func:`detect_format`: the
candidate that reads the most of them as plausible times, month-first before day-first; this is
how two-digit years like "10/21/18 0:00" and US 12-hour times are read) and tried first.
Also accepted: ISO 8601 with or without an offset ("2026-11-22T13:05:00+08:00", "...Z"),
"2026/11/22 13:05", "2026-11-22 13:05:00", "2026年11月22日 13时05分", "11/22/2026 01:05:00 PM",
compact "20261122130500", Excel serial day numbers (45983.5), plus any strptime formats the
mapping adds (tried first). Values with an offset are converted to the store's time zone; values
without one are taken as wall-clock time in that zone already. Results are whole seconds.
"""
from __future__ import annotations

import datetime as dt
import functools
import re

import duckdb

BUILTIN_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H", "%Y-%m-%d",
    "%m-%d-%Y %I:%M:%S %p", "%m-%d-%Y %I:%M %p", "%m-%d-%Y %H:%M:%S", "%m-%d-%Y %H:%M", "%m-%d-%Y",
    "%Y%m%d%H%M%S", "%Y%m%d",
)
# The common shapes, tried on the raw text first (cheap) before the normalising path.
FAST_FORMATS: tuple[str, ...] = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M")
_DATES = ("%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%m/%d/%y", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%d.%m.%y",
          "%Y.%m.%d", "%m-%d-%Y", "%d-%m-%Y", "%Y%m%d", "%Y年%m月%d日")
_TIMES = (" %H:%M:%S", " %H:%M", " %I:%M:%S %p", " %I:%M %p", "T%H:%M:%S", " %H:%M:%S.%f", "%H%M%S", "")
DETECT_FORMATS: tuple[str, ...] = tuple(d + t for d in _DATES for t in _TIMES)
DETECT_SAMPLE = 500
PLAUSIBLE = ("1990-01-01", "2100-01-01")   # a format giving times outside these is not the column's
EXCEL_MAX = 2_958_465   # 9999-12-31 as an Excel serial day number
DEFAULT_TZ = "Asia/Shanghai"


def _sql_list(items: tuple[str, ...]) -> str:
    return "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in items) + "]"


def _normalised(s: str) -> str:
    """Chinese date words and slashes to the ISO-like shape the built-in formats expect."""
    out = f"regexp_replace({s}, '[年月/]', '-', 'g')"
    out = f"replace({out}, '日', ' ')"
    out = f"regexp_replace({out}, '[时點点]', ':', 'g')"
    out = f"replace(replace({out}, '分', ':'), '秒', '')"
    out = f"regexp_replace({out}, '(\\d)T(\\d)', '\\1 \\2')"
    out = f"regexp_replace(trim(regexp_replace({out}, '\\s+', ' ', 'g')), ':$', '')"
    return out


def timestamp_sql(column: str, tz_param: str = "$tz", formats: tuple[str, ...] = ()) -> str:
    """A SQL expression: the text column as a local TIMESTAMP in the zone bound to tz_param, or NULL."""
    s = f"trim({column})"
    user = f"try_strptime({s}, {_sql_list(formats)}), " if formats else ""
    fast = _sql_list(FAST_FORMATS)
    return f"""date_trunc('second', coalesce({user}try_strptime({s}, {fast}), CASE
    WHEN {s} IS NULL OR {s} = '' THEN NULL
    WHEN regexp_full_match({s}, '\\d{{1,7}}(\\.\\d+)?')
         AND try_cast({s} AS DOUBLE) BETWEEN 1 AND {EXCEL_MAX}
        THEN TIMESTAMP '1899-12-30' + to_seconds(CAST(round(CAST({s} AS DOUBLE) * 86400) AS BIGINT))
    WHEN regexp_matches({s}, '\\d[T ]\\d.*(Z|[+-]\\d\\d:?\\d\\d)$')
        THEN timezone({tz_param}, try_cast(replace({s}, ' +', '+') AS TIMESTAMPTZ))
    ELSE try_strptime({_normalised(s)}, {_sql_list(BUILTIN_FORMATS)})
END))"""


_SHAPES = {"%Y": r"\d{4}", "%y": r"\d{2}", "%m": r"\d{1,2}", "%d": r"\d{1,2}", "%H": r"\d{1,2}",
           "%I": r"\d{1,2}", "%M": r"\d{2}", "%S": r"\d{2}", "%f": r"\d{1,9}", "%p": r"[AaPp][Mm]"}


@functools.lru_cache(maxsize=1024)
def _shape(fmt: str) -> re.Pattern:
    """A regular expression of the values fmt can read (a cheap filter before DuckDB tries it)."""
    parts = re.split(r"(%[a-zA-Z])", fmt)
    return re.compile("".join(_SHAPES.get(p, re.escape(p)) for p in parts if p), re.ASCII)


def detect_format(con: duckdb.DuckDBPyConnection, values_sql: str, formats: tuple[str, ...] = ()) -> str | None:
    """The format of DETECT_FORMATS (after the mapping's own) that reads the most of a sample of
    the distinct values of ``values_sql`` (a query of one column ``v``) as plausible times; None
    if none reads any."""
    sample = [r[0] for r in con.execute(
        f"SELECT DISTINCT v FROM (SELECT v FROM ({values_sql}) WHERE v IS NOT NULL LIMIT {DETECT_SAMPLE * 40}) "
        f"LIMIT {DETECT_SAMPLE}").fetchall()]
    values = [v.strip() for v in sample]
    candidates = [f for f in dict.fromkeys((*formats, *DETECT_FORMATS))
                  if any(map(_shape(f).fullmatch, values))]
    if not candidates:
        return None
    counts = ", ".join(f"count(*) FILTER (WHERE try_strptime(v, {_sql_list((f,))}) BETWEEN "
                       f"TIMESTAMP '{PLAUSIBLE[0]}' AND TIMESTAMP '{PLAUSIBLE[1]}')" for f in candidates)
    row = con.execute(f"SELECT {counts} FROM (SELECT trim(unnest($v)) AS v)", {"v": sample}).fetchone()
    best = max(range(len(candidates)), key=lambda i: (row[i], -i))
    return candidates[best] if row[best] else None


def parse_timestamps(
    values: list[str | None], tz: str = DEFAULT_TZ, formats: tuple[str, ...] = ()
) -> list[dt.datetime | None]:
    """Parse values with the same SQL the importer runs (for tests and previews)."""
    con = duckdb.connect()
    try:
        con.execute("CREATE TEMP TABLE v (i INTEGER, s VARCHAR)")
        if values:
            con.executemany("INSERT INTO v VALUES (?, ?)", list(enumerate(values)))
        detected = detect_format(con, "SELECT s AS v FROM v", formats)
        formats = (*formats, *((detected,) if detected else ()))
        rows = con.execute(
            f"SELECT {timestamp_sql('s', '$tz', formats)} FROM v ORDER BY i", {"tz": tz}
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]
