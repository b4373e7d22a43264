"""Writing an import: upsert kept rows by request_id, keep rejects, record the import.

Only the columns the mapping provides are compared and written: a column the file does not
have keeps its stored value. A row whose provided values all equal the stored ones is
"unchanged" and is not touched.
"""
from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb

from metrics.core.csvsafe import safe_row
from metrics.core.masking import mask_raw_cell
from metrics.ingest.mapping import TEXT
from metrics.ingest.validate import Plan, q
from metrics.store.rollup import mark_touched

# Always written on insert, so a new request has a place (the city at least) and says how it got it.
PLACE = ("unit_id", "location_status")


def classify(con: duckdb.DuckDBPyConnection, provided: list[str]) -> dict[str, int]:
    """_action(_row, action) for the kept rows already stored ('update' / 'unchanged'); counts per action.

    Kept rows not in _action are inserts: a first import joins nothing wide and inserts by a scan.
    """
    changed = " OR ".join(f"k.{q(c)} IS DISTINCT FROM r.{q(c)}" for c in provided) or "false"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _action AS
        SELECT k._row, CASE WHEN {changed} THEN 'update' ELSE 'unchanged' END AS action
        FROM _checked k JOIN requests r ON r.request_id = k.request_id
        WHERE len(k.reasons) = 0""")
    counts = dict(con.execute("SELECT action, count(*) FROM _action GROUP BY action").fetchall())
    kept = con.execute("SELECT count(*) FROM _checked WHERE len(reasons) = 0").fetchone()[0]
    out = {a: int(counts.get(a, 0)) for a in ("update", "unchanged")}
    return {"insert": kept - sum(out.values()), **out}


def upsert(con: duckdb.DuckDBPyConnection, provided: list[str], import_id: str, counts: dict[str, int]) -> None:
    """Update the changed rows, insert the new ones (set-based; no statement when there is nothing to do)."""
    cols = [q(c) for c in provided]
    changed = "FROM _checked k JOIN _action a ON a._row = k._row AND a.action = 'update'"
    if provided and counts["update"]:
        mark_touched(con, f"{changed} JOIN requests r ON r.request_id = k.request_id")
        sets = ", ".join(f"{c} = k.{c}" for c in cols)
        con.execute(f"""UPDATE requests SET {sets}, import_id = $id
            FROM _checked k JOIN _action a ON a._row = k._row AND a.action = 'update'
            WHERE requests.request_id = k.request_id""", {"id": import_id})
    if counts["insert"]:
        _insert(con, provided, cols, import_id, counts)
    # the new days of updated and inserted rows (both carry this import's id now)
    mark_touched(con, "FROM requests r WHERE r.import_id = $id", {"id": import_id})


def _insert(con: duckdb.DuckDBPyConnection, provided: list[str], cols: list[str], import_id: str,
            counts: dict[str, int]) -> None:
    cols += [q(c) for c in PLACE if c not in provided]
    names = ", ".join(["request_id", *cols, "import_id"])
    values = ", ".join(["k.request_id", *(f"k.{c}" for c in cols), "$id"])
    stored = "AND k._row NOT IN (SELECT _row FROM _action)" if counts["update"] or counts["unchanged"] else ""
    con.execute(f"""INSERT INTO requests ({names})
        SELECT {values} FROM _checked k WHERE len(k.reasons) = 0 {stored}""", {"id": import_id})


def store_rejects(con: duckdb.DuckDBPyConnection, header: list[str], import_id: str) -> int:
    """Copy rejected rows (checked and malformed) with their original values to ``rejects``; return how many."""
    pairs = ", ".join(f"'{h.replace(chr(39), chr(39) * 2)}', s.{q(h)}" for h in header)
    raw = f"CAST(json_object({pairs}) AS VARCHAR)" if header else "'{}'"
    return con.execute(f"""INSERT INTO rejects (import_id, row_number, raw, reasons)
        SELECT $id, k._row, {raw}, array_to_string(k.reasons, '; ')
        FROM _checked k JOIN _stage s ON s._row = k._row WHERE len(k.reasons) > 0
        UNION ALL SELECT $id, b._row, b.raw, b.reason FROM _bad b""", {"id": import_id}).fetchone()[0]


# A value inside a reason: single-quoted, a backslash before any quote or backslash in it (validate.quoted).
VALUE_RE = r"'(?:[^'\\]|\\.)*'"
EXAMPLES = 5


def _unescape(quoted: str) -> str:
    return re.sub(r"\\(.)", r"\1", quoted[1:-1])


def reason_counts(con: duckdb.DuckDBPyConnection, column: str, limit: int = 12) -> list[tuple[str, int]]:
    """The commonest reasons (or warnings), most frequent first, each with the distinct values it
    was given and how often: ``received_at (x): cannot read '…' as a time: 'NA' ×222, '-' ×3``."""
    if column == "reasons":
        source = "SELECT unnest(reasons) AS r FROM _checked UNION ALL SELECT reason FROM _bad"
    else:
        source = "SELECT unnest(warnings) AS r FROM _checked WHERE len(reasons) = 0"
    rows = con.execute(f"""WITH k AS (
            SELECT regexp_replace(regexp_replace(r, $re, '''…''', 'g'), 'row \\d+', 'row …', 'g') AS kind,
                   regexp_extract(r, $re) AS value FROM ({source}))
        SELECT kind, value, count(*) AS n, sum(count(*)) OVER (PARTITION BY kind) AS total
        FROM k GROUP BY kind, value ORDER BY total DESC, kind, n DESC, value""", {"re": VALUE_RE}).fetchall()
    kinds: dict[str, tuple[int, list[str]]] = {}
    for kind, value, n, total in rows:
        entry = kinds.setdefault(kind, (int(total), []))
        if value and len(entry[1]) < EXAMPLES:
            entry[1].append(f"'{_unescape(value)}' ×{n:,}")
    out = []
    for kind, (total, examples) in list(kinds.items())[:limit]:
        more = sum(1 for r in rows if r[0] == kind) - len(examples)
        tail = f": {', '.join(examples)}" + (f" and {more:,} other values" if more > 0 else "") if examples else ""
        out.append((kind + tail, total))
    return out


def coverage_counts(con: duckdb.DuckDBPyConnection, plan: Plan) -> list[tuple[str, str, int]]:
    """(our column, its source header, rows with a value) per column the file supplies, unit and
    dept columns as ``unit`` / ``dept``. Call it while ``_parsed`` exists: it holds most source
    values already cleaned (``raw_<target>``, request_id, the text columns), so only the rest
    (unit and dept names, text columns with a constant) is read again from ``_stage``."""
    parsed = {r[0] for r in con.execute("SELECT column_name FROM (DESCRIBE _parsed)").fetchall()}
    fields, counts = [], []
    for t in plan.mapping.columns:
        if t not in plan.source:
            continue
        fields.append((t, plan.source[t]))
        if f"raw_{t}" in parsed:
            counts.append(("_parsed", f"count(raw_{t})"))
        elif t in parsed and (t == "request_id" or (t in TEXT and t not in plan.mapping.constants)):
            counts.append(("_parsed", f"count({q(t)})"))
        else:
            counts.append(("_stage", f"count(_nz({q(plan.source[t])}))"))
    for key, cols in (("unit", plan.unit_cols), ("dept", plan.dept_cols)):
        present = [c for c in cols if c]
        if present:
            fields.append((key, " / ".join(present)))
            counts.append(("_stage", f"count(coalesce({', '.join(f'_nz({q(c)})' for c in present)}))"))
    values: dict[int, int] = {}
    for table in ("_parsed", "_stage"):
        mine = [i for i, (where, _) in enumerate(counts) if where == table]
        if mine:
            row = con.execute(f"SELECT {', '.join(counts[i][1] for i in mine)} FROM {table}").fetchone()
            values.update(zip(mine, row))
    return [(t, src, int(values[i])) for i, (t, src) in enumerate(fields)]


def record_coverage(con: duckdb.DuckDBPyConnection, plan: Plan, import_id: str, read: int,
                    counts: list[tuple[str, str, int]]) -> None:
    """import_fields: per column of ours the file supplies, its source header and how many rows had a value
    (counts from :func:`coverage_counts`), and the mapping's constants as supplied on every row."""
    rows = [(import_id, t, src, n, read) for t, src, n in counts]
    rows += [(import_id, t, None, read, read) for t in plan.mapping.constants if t not in plan.source]
    if rows:
        con.executemany("INSERT INTO import_fields VALUES (?, ?, ?, ?, ?)", rows)


def iter_rejects(con: duckdb.DuckDBPyConnection, import_id: str) -> Iterator[tuple[int, str, str]]:
    cur = con.cursor()
    cur.execute("SELECT row_number, raw, reasons FROM rejects WHERE import_id = $id ORDER BY row_number",
                {"id": import_id})
    while batch := cur.fetchmany(10_000):
        yield from batch
    cur.close()


def write_rejects_csv(con: duckdb.DuckDBPyConnection, import_id: str, file_name: str, out,
                      personal: bool = False) -> int:
    """Write the import's rejects as CSV (file, row, reasons, then the original columns) to a text stream.

    The original rows are personal data: masked (names, phones, ID numbers, addresses) unless ``personal``;
    formula cells are neutralised either way."""
    keys: dict[str, None] = {}
    for _, raw, _ in iter_rejects(con, import_id):
        try:
            keys.update(dict.fromkeys(json.loads(raw or "{}")))
        except ValueError:
            keys["raw"] = None
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(safe_row(["file", "row", "reasons", *keys]))
    n = 0
    for row, raw, reasons in iter_rejects(con, import_id):
        try:
            obj = json.loads(raw or "{}")
        except ValueError:
            obj = {"raw": raw}
        cells = [_text(obj.get(k)) if personal else mask_raw_cell(k, _text(obj.get(k))) for k in keys]
        writer.writerow(safe_row([file_name, row, reasons, *cells]))
        n += 1
    return n


def _text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def save_rejects_csv(con: duckdb.DuckDBPyConnection, import_id: str, file: Path, directory: Path,
                     personal: bool = False) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{file.stem}.{import_id}.rejects.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as out:   # BOM: Excel opens Chinese correctly
        write_rejects_csv(con, import_id, file.name, out, personal)
    return path
