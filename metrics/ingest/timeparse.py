"""Timestamps from real exports, parsed in DuckDB SQL (set-based, fast).

Accepted: ISO 8601 with or without an offset ("2026-11-22T13:05:00+08:00", "...Z"),
"2026/11/22 13:05", "2026-11-22 13:05:00", "2026年11月22日 13时05分", "11/22/2026 01:05:00 PM",
compact "20261122130500", Excel serial day numbers (45983.5), plus any strptime formats the
mapping adds (tried first). Values with an offset are converted to the store's time zone; values
without one are taken as wall-clock time in that zone already. Results are whole seconds.
"""
from __future__ import annotations

import datetime as dt

import duckdb

BUILTIN_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H", "%Y-%m-%d",
    "%m-%d-%Y %I:%M:%S %p", "%m-%d-%Y %I:%M %p", "%m-%d-%Y %H:%M:%S", "%m-%d-%Y %H:%M", "%m-%d-%Y",
    "%Y%m%d%H%M%S", "%Y%m%d",
)
# The common shapes, tried on the raw text first (cheap) before the normalising path.
FAST_FORMATS: tuple[str, ...] = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M")
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


def parse_timestamps(
    values: list[str | None], tz: str = DEFAULT_TZ, formats: tuple[str, ...] = ()
) -> list[dt.datetime | None]:
    """Parse values with the same SQL the importer runs (for tests and previews)."""
    con = duckdb.connect()
    try:
        con.execute("CREATE TEMP TABLE v (i INTEGER, s VARCHAR)")
        con.executemany("INSERT INTO v VALUES (?, ?)", list(enumerate(values)))
        rows = con.execute(
            f"SELECT {timestamp_sql('s', '$tz', formats)} FROM v ORDER BY i", {"tz": tz}
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]
