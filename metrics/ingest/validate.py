"""Mapping and validation in DuckDB SQL: staged text rows -> typed rows with per-row reasons.

Set-based: one pass builds ``_parsed`` (typed values, unit matches), the coordinate pass in
Python fills ``_geo``, and :func:`check` builds ``_checked`` with, for every row, the list of
reasons it is rejected and the list of warnings on values kept. Every reason names our field
and the source column (``received_at (受理时间): ...``).
"""
from __future__ import annotations

import duckdb

from metrics.ingest.mapping import BOOLEANS, ENUMS, INTEGERS, NUMBERS, PSEUDO, TEXT, TIMESTAMPS, Mapping
from metrics.ingest.names import name_key_sql
from metrics.ingest.timeparse import detect_format, timestamp_sql

EARLIEST = "1990-01-01"
FUTURE_SLACK_MINUTES = 10
MAX_ID_CHARS = 200


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """A SQL string literal for a name we control or a source header (never a data value)."""
    return "'" + text.replace("'", "''") + "'"


def quoted(expr: str, width: int = 60) -> str:
    """SQL: a value as a reason shows it, in single quotes, with a backslash before any backslash
    or quote inside, so a summary can find the value again whatever it holds (writer.reason_counts)."""
    inner = f"replace(replace(left({expr}, {width}), '\\', '\\\\'), '''', '\\''')"
    return f"'''' || {inner} || ''''"


class Plan:
    """What the mapping finds in this file's header: source column per target, units, constants."""

    def __init__(self, mapping: Mapping, header: list[str]):
        self.mapping = mapping
        self.header = header
        self.source = {t: s for t in mapping.columns if (s := mapping.source_for(t, header))}
        self.missing = {t: mapping.columns[t] for t in mapping.columns if t not in self.source}
        self.unit_cols = self._present(mapping.unit)
        self.dept_cols = self._present(mapping.dept)
        self.formats: dict[str, str] = {}   # timestamp target -> the format detected from a sample

    def _present(self, match) -> list[str | None]:
        if match is None:
            return []
        found = [c if c in self.header else None for c in match.columns]
        return found if any(found) else []

    def label(self, target: str) -> str:
        src = self.source.get(target)
        return f"{target} ({src})" if src and src != target else target

    def provided(self) -> list[str]:
        """Our stored columns this import sets (others keep their values on update)."""
        cols = set(self.source) | set(self.mapping.constants)
        if "status" in cols or "closed_at" in cols or "updated_at" in cols:
            cols |= {"status", "closed_at"}
        if "status" in self.source:
            cols.add("status_detail")
        if cols & {"visited", "visited_at", "contacted", "resolved", "satisfaction"}:
            cols.add("visited")
        if self.unit_cols or ("lat" in cols and "lon" in cols):
            cols |= {"unit_id", "lat", "lon", "location_status"}
        if self.dept_cols:
            cols.add("dept_id")
        return sorted(cols - {"request_id", *PSEUDO})


def _src(plan: Plan, target: str) -> str:
    """The target's source column in ``s``, the staged rows with empty markers already NULL (see parse)."""
    return f"s.{q(plan.source[target])}" if target in plan.source else "NULL"


def _cleaned(plan: Plan) -> str:
    """_stage's columns the plan reads, trimmed and with empty markers NULL: once per value, not
    once per use (a timestamp expression uses its column a dozen times)."""
    used = sorted({*plan.source.values(), *(c for c in plan.unit_cols + plan.dept_cols if c)})
    return f"(SELECT _row{''.join(f', _nz({q(c)}) AS {q(c)}' for c in used)} FROM _stage)"


def null_macro(con: duckdb.DuckDBPyConnection, mapping: Mapping) -> None:
    """The temp macro ``_nz(x)``: x trimmed, NULL when blank or one of the mapping's null values.

    Only a value about as short as the longest marker once trimmed can be one: that length test
    comes first and keeps most values (times, text) off lower() and the membership test, which
    is a substring search in one string of the markers (an IN list becomes a join per column).
    """
    keys = mapping.null_keys()
    longest = 3 * max((len(k.encode()) for k in keys), default=0)   # lower() may shorten a character 3 bytes to 1
    sep = "\x1f"   # no marker holds it (a control character; trimmed values are compared)
    listed = lit(sep + sep.join(k for k in keys if sep not in k) + sep)
    con.execute(f"CREATE OR REPLACE TEMP MACRO _nz(x) AS CASE WHEN strlen(trim(x)) <= {longest} "
                f"AND contains({listed}, chr(31) || lower(trim(x)) || chr(31)) THEN NULL ELSE nullif(trim(x), '') END")


def _vocab_rows(mapping: Mapping, targets: list[str]) -> list[tuple[str, str, str]]:
    rows = []
    for t in targets:
        for src, ours in mapping.vocabulary(t).items():
            rows.append((t, src, str(ours).lower() if isinstance(ours, bool) else str(ours)))
    return rows


def _unit_joins(match, columns: list[str | None], prefix: str, dept: bool) -> tuple[list[str], list[str]]:
    """LEFT JOINs matching names (or ids) level by level; returns (joins, select expressions).

    Names are compared by their key (case, spaces and width ignored). The name tables hold one
    row per (parent, level, key) with how many units share it, so a join never multiplies rows;
    a name shared by several units matches none, and its warning names the candidates.
    """
    if not columns:
        return [], [f"NULL::VARCHAR AS {prefix}_id", f"NULL::VARCHAR AS {prefix}_miss"]
    if match.by == "id":
        col = columns[0]
        name = f"s.{q(col)}"
        kind = "department" if dept else "unit"
        level = "= 'department'" if dept else "<> 'department'"
        join = f"LEFT JOIN units {prefix}0 ON {prefix}0.unit_id = {name} AND {prefix}0.level {level}"
        miss = (f"CASE WHEN {name} IS NOT NULL AND {prefix}0.unit_id IS NULL "
                f"THEN {lit(col + ': unknown ' + kind + ' id ')} || {quoted(name)} END")
        return [join], [f"{prefix}0.unit_id AS {prefix}_id", f"{miss} AS {prefix}_miss"]
    levels = list(match.levels) or [None] * len(match.columns)
    joins, found, misses = [], [], []
    prev = None
    for i, (col, level) in enumerate(zip(columns, levels)):
        if col is None:
            continue
        alias = f"{prefix}{i}"
        name = f"s.{q(col)}"
        if level:
            table, cond = "_names_by_level", f"{alias}.level = {lit(level)}"
        else:
            table, cond = "_names_any", f"{alias}.is_dept = {'true' if dept else 'false'}"
        parent = f"(CASE WHEN {prev}.n = 1 THEN {prev}.unit_id END)" if prev else "''"
        # names are keyed once per distinct value (temp table _key_<alias>, see parse), not per row
        joins.append(f"LEFT JOIN _key_{alias} kk_{alias} ON kk_{alias}.raw = {name}")
        joins.append(f"LEFT JOIN {table} {alias} ON {alias}.parent = {parent} AND {alias}.k = kk_{alias}.k "
                     f"AND {cond}")
        matched = f"(CASE WHEN {alias}.n = 1 THEN {alias}.unit_id END)"
        where = f" || ' in ' || {prev}.name" if prev else ""
        guard = f"{prev}.n = 1 AND " if prev else ""
        what = level or ("department" if dept else "unit")
        misses.append(f"WHEN {guard}{name} IS NOT NULL AND {alias}.n > 1 THEN {lit(f'{col}: ambiguous {what} ')} "
                      f"|| {quoted(name)}{where} || ', candidates ' || {alias}.candidates")
        misses.append(f"WHEN {guard}{name} IS NOT NULL AND {alias}.n IS NULL "
                      f"THEN {lit(f'{col}: unknown {what} ')} || {quoted(name)}{where}")
        found.append(matched)
        prev = alias
    return joins, [f"coalesce({', '.join(reversed(found))}) AS {prefix}_id",
                   f"CASE {' '.join(misses)} END AS {prefix}_miss"]


_NAMES = """(SELECT '' AS parent, level, name, unit_id FROM units
    UNION ALL SELECT parent_id, level, name, unit_id FROM units WHERE parent_id IS NOT NULL)"""
_NAME_TABLES = f"""
CREATE OR REPLACE TEMP TABLE _names_by_level AS
    SELECT parent, level, k, any_value(name) AS name, min(unit_id) AS unit_id, count(*) AS n,
           string_agg(unit_id, ', ' ORDER BY unit_id) AS candidates
    FROM (SELECT *, {name_key_sql('name')} AS k FROM {_NAMES}) GROUP BY parent, level, k;
CREATE OR REPLACE TEMP TABLE _names_any AS
    SELECT parent, is_dept, k, any_value(name) AS name, min(unit_id) AS unit_id, count(*) AS n,
           string_agg(unit_id, ', ' ORDER BY unit_id) AS candidates
    FROM (SELECT *, level = 'department' AS is_dept, {name_key_sql('name')} AS k FROM {_NAMES})
    GROUP BY parent, is_dept, k;
"""


def parse(con: duckdb.DuckDBPyConnection, plan: Plan, tz: str) -> None:
    """_stage (text) -> _parsed (typed, units matched) as a temp table."""
    m = plan.mapping
    null_macro(con, m)
    vocab_targets = [t for t in (*BOOLEANS, *ENUMS) if t in plan.source]
    text_vocab = [t for t in TEXT if t in plan.source and t in m.values]
    con.execute("CREATE OR REPLACE TEMP TABLE _vocab (target VARCHAR, src VARCHAR, ours VARCHAR)")
    rows = _vocab_rows(m, vocab_targets + text_vocab)
    if rows:
        con.executemany("INSERT INTO _vocab VALUES (?, ?, ?)", rows)
    con.execute(_NAME_TABLES)
    params: dict[str, object] = {"tz": tz}
    sel, joins = ["s._row"], []
    for t in (*NUMBERS, *INTEGERS, *TIMESTAMPS, *vocab_targets):   # the source text, for reasons
        if t in plan.source:
            sel.append(f"{_src(plan, t)} AS raw_{t}")
    sel.append(f"{_src(plan, 'request_id')} AS request_id")

    def with_constant(t: str, expr: str) -> str:
        if t not in m.constants:
            return expr
        value = m.constants[t]
        params[f"c_{t}"] = str(value).lower() if isinstance(value, bool) else str(value)
        return f"coalesce({expr}, $c_{t})"

    for t in TEXT:
        expr = _src(plan, t)
        if t in text_vocab:
            joins.append(f"LEFT JOIN _vocab v_{t} ON v_{t}.target = {lit(t)} AND v_{t}.src = lower({expr})")
            expr = f"coalesce(v_{t}.ours, {expr})"
        sel.append(f"{with_constant(t, expr)} AS {t}")
    for t in NUMBERS:
        sel.append(f"try_cast({_src(plan, t)} AS DOUBLE) AS {t}")
    for t in INTEGERS:
        sel.append(f"try_cast(try_cast({_src(plan, t)} AS DOUBLE) AS BIGINT) AS {t}")
    for t in TIMESTAMPS:
        expr = "NULL"
        if t in plan.source:
            detected = detect_format(con, f"SELECT _nz({_src(plan, t)}) AS v FROM _stage s", m.timestamp_formats)
            if detected:
                plan.formats[t] = detected
            expr = timestamp_sql(_src(plan, t), "$tz", (*m.timestamp_formats, *((detected,) if detected else ())))
        sel.append(f"CAST({expr} AS TIMESTAMP) AS {t}")
    for t in (*BOOLEANS, *ENUMS):
        val = "NULL"
        if t in plan.source:
            joins.append(f"LEFT JOIN _vocab v_{t} ON v_{t}.target = {lit(t)} AND v_{t}.src = lower({_src(plan, t)})")
            val = f"v_{t}.ours"
        sel.append(f"CAST({with_constant(t, val)} AS {'BOOLEAN' if t in BOOLEANS else 'VARCHAR'}) AS {t}")
    uj, usel = _unit_joins(m.unit, plan.unit_cols, "un", dept=False)
    dj, dsel = _unit_joins(m.dept, plan.dept_cols, "dp", dept=True)
    for prefix, match, columns in (("un", m.unit, plan.unit_cols), ("dp", m.dept, plan.dept_cols)):
        if match is not None and match.by == "name":
            for i, col in enumerate(columns):
                if col is not None:
                    con.execute(f"CREATE OR REPLACE TEMP TABLE _key_{prefix}{i} AS SELECT raw, {name_key_sql('raw')} AS k "
                                f"FROM (SELECT DISTINCT _nz({q(col)}) AS raw FROM _stage) WHERE raw IS NOT NULL")
    sql = (f"CREATE OR REPLACE TEMP TABLE _parsed AS SELECT {', '.join(sel + usel + dsel)} "
           f"FROM {_cleaned(plan)} s {' '.join(joins + uj + dj)}")
    con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
