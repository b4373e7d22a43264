"""A city's own unit hierarchy: an empty store (``init``) and units from a CSV / XLSX file (``units``).

A units file has one row per unit: unit_id, name, level, and optionally name_en, parent_id (or
``parent``: the parent's name, or a name path from the top such as ``Brooklyn/Park Slope``),
population, staff, area_km2. Rows are upserted by unit_id in one snapshot; a row is rejected
with its reasons when its id is missing or repeated, its level unknown, its parent unknown, in
a cycle, or of a level not above its own, or a number unreadable.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import duckdb

from metrics.ingest import readers
from metrics.ingest.result import ImportResult, new_import_id, record_import, sha256_of
from metrics.core.levels import LEVELS, TERRITORIAL
from metrics.ingest.mapping import DEFAULT_NULLS
from metrics.ingest.names import name_key
from metrics.store.snapshots import StoreError, after_write, write_snapshot

CITY_ID = "city"
NUMBER_FIELDS = {"population": int, "staff": int, "area_km2": float}
FIELDS = ("unit_id", "name", "name_en", "level", "parent_id", "parent", *NUMBER_FIELDS)
PATH_SEPARATORS = ("/", ">", "›")


def init_store(db: Path, city: str, name_en: str | None = None, tz: str | None = None,
               unit_id: str = CITY_ID, force: bool = False) -> None:
    """An empty store at db holding one city unit (and the time zone, if given). Refuses to
    replace an existing store unless ``force`` (the old one stays in the history for rollback)."""
    if not city.strip():
        raise ValueError("--city: the city needs a name")
    if db.exists() and not force:
        raise StoreError(f"{db} already exists; pass --force to replace it (python -m metrics rollback undoes that)")
    if tz:
        duckdb.connect().execute("SELECT timezone($tz, TIMESTAMPTZ '2026-01-01 00:00:00+00')", {"tz": tz})
    with write_snapshot(db, fresh=True, label="init") as con:
        con.execute("INSERT INTO units (unit_id, name, name_en, level) VALUES ($id, $name, $en, 'city')",
                    {"id": unit_id, "name": city.strip(), "en": (name_en or "").strip() or None})
        if tz:
            con.execute("INSERT OR REPLACE INTO gridscore_meta VALUES ('timezone', $tz)", {"tz": tz})
        after_write(con)


def _empty(value: object) -> bool:
    return value is None or str(value).strip().lower() in {"", *(v.lower() for v in DEFAULT_NULLS)}


def _read_rows(path: Path, sheet: str | None) -> tuple[list[str], list[tuple[int, dict[str, str | None]]], list]:
    """(header, [(row number, {our field: text})], malformed rows) of a units file."""
    fmt = readers.detect_format(path)
    if fmt not in ("csv", "xlsx"):
        raise readers.ReadError(f"{path}: a units file is CSV or XLSX")
    header, batches, _ = readers.open_source(path, fmt, sheet, fast=False)
    ours = {name_key(h).replace(" ", "_"): h for h in header}
    missing = [f for f in ("unit_id", "name", "level") if f not in ours]
    if missing:
        raise readers.ReadError(f"{path}: no column {', '.join(missing)} in the header ({', '.join(header)})")
    rows, bad = [], []
    for batch in batches:
        table = batch.table.to_pydict()
        for i, n in enumerate(table["_row"]):
            rows.append((n, {f: (None if _empty(v := table[ours[f]][i]) else str(v).strip())
                             for f in FIELDS if f in ours}))
        bad += batch.bad
    return header, rows, bad


def _resolve_path(text: str, children: dict[str | None, list[tuple[str, str]]], by_key: dict[str, list[str]]
                  ) -> tuple[str | None, str | None]:
    """(unit_id, None) for a parent given by name or name path, or (None, why not)."""
    parts = [text]
    for sep in PATH_SEPARATORS:
        if sep in text:
            parts = [p for p in text.split(sep) if p.strip()]
            break
    candidates = by_key.get(name_key(parts[0]), [])
    for part in parts[1:]:
        candidates = [uid for c in candidates for uid, name in children.get(c, []) if name_key(name) == name_key(part)]
    if len(candidates) == 1:
        return candidates[0], None
    return None, (f"unknown parent '{text}'" if not candidates
                  else f"ambiguous parent '{text}' ({', '.join(sorted(candidates)[:5])})")


def _validate(rows: list[tuple[int, dict]], existing: dict[str, tuple[str, str, str | None]]
              ) -> tuple[list[tuple[int, dict]], list[tuple[int, dict, list[str]]]]:
    """(kept rows with parent_id resolved, rejected rows with reasons)."""
    reasons: dict[int, list[str]] = {n: [] for n, _ in rows}
    first: dict[str, int] = {}
    for n, r in rows:
        uid = r.get("unit_id")
        if not uid:
            reasons[n].append("unit_id: missing")
        elif uid in first:
            reasons[n].append(f"unit_id: '{uid}' repeated in the file, first at row {first[uid]}")
        else:
            first[uid] = n
        if not r.get("name"):
            reasons[n].append("name: missing")
        level = (r.get("level") or "").lower()
        if level not in LEVELS:
            reasons[n].append(f"level: '{r.get('level') or ''}' is not one of {', '.join(LEVELS)}")
        r["level"] = level
        for f, kind in NUMBER_FIELDS.items():
            if r.get(f) is not None:
                try:
                    r[f] = kind(float(r[f].replace(",", ""))) if kind is int else kind(r[f].replace(",", ""))
                except ValueError:
                    reasons[n].append(f"{f}: not a number '{r[f]}'")
    units = dict(existing)   # unit_id -> (name, level, parent_id): the store as the file would leave it
    for n, r in rows:
        if not reasons[n]:
            units[r["unit_id"]] = (r["name"], r["level"], None)
    children: dict[str | None, list[tuple[str, str]]] = {}
    by_key: dict[str, list[str]] = {}
    for uid, (name, _, parent) in units.items():
        by_key.setdefault(name_key(name), []).append(uid)
    for uid, (name, _, parent) in existing.items():
        children.setdefault(parent, []).append((uid, name))
    for n, r in rows:
        if reasons[n]:
            continue
        parent = r.get("parent_id")
        if parent is None and r.get("parent"):
            parent, why = _resolve_path(r["parent"], children, by_key)
            if why:
                reasons[n].append(f"parent: {why}")
        if parent is not None and parent not in units:
            reasons[n].append(f"parent_id: unknown parent '{parent}'")
        r["parent_id"] = parent
        if not reasons[n]:
            units[r["unit_id"]] = (r["name"], r["level"], parent)
            children.setdefault(parent, []).append((r["unit_id"], r["name"]))
    for n, r in rows:
        if reasons[n] or r["parent_id"] is None:
            continue
        parent_level = units[r["parent_id"]][1]
        if r["level"] == "city" or (r["level"] != "department" and parent_level != "city" and (
                parent_level == "department" or TERRITORIAL.index(parent_level) >= TERRITORIAL.index(r["level"]))):
            reasons[n].append(f"level: a {r['level']} cannot be under the {parent_level} '{r['parent_id']}'")
    for n, r in rows:   # cycles: walking up from a unit must reach the top
        seen, uid = set(), r.get("unit_id")
        while uid is not None and uid in units and not reasons[n]:
            if uid in seen:
                reasons[n].append(f"parent_id: '{r['unit_id']}' is its own ancestor (a cycle)")
            seen.add(uid)
            uid = units[uid][2]
    changed = True
    while changed:   # a unit under a rejected new unit is rejected too
        changed = False
        kept_ids = {r["unit_id"] for n, r in rows if not reasons[n]}
        rejected_ids = {r.get("unit_id") for n, r in rows if reasons[n]} - set(existing) - kept_ids
        for n, r in rows:
            if not reasons[n] and r["parent_id"] in rejected_ids:
                reasons[n].append(f"parent_id: parent '{r['parent_id']}' is rejected")
                changed = True
    kept = [(n, r) for n, r in rows if not reasons[n]]
    return kept, [(n, r, reasons[n]) for n, r in rows if reasons[n]]


def import_units(db: Path, path: Path, sheet: str | None = None) -> ImportResult:
    """Upsert the units of a CSV / XLSX file into the store at db, in one snapshot."""
    started, started_at = time.perf_counter(), dt.datetime.now()
    result = ImportResult(new_import_id(), path, fmt=readers.detect_format(path), mapping="units")
    header, rows, bad = _read_rows(path, sheet)
    result.sha256 = sha256_of(path)
    with write_snapshot(db, label="units") as con:
        existing = {u: (n, lv, p) for u, n, lv, p in con.execute("SELECT unit_id, name, level, parent_id FROM units").fetchall()}
        kept, rejected = _validate(rows, existing)
        given = [f for f in ("name_en", *NUMBER_FIELDS) if any(f in r for _, r in rows)]
        cols = ["unit_id", "name", "level", "parent_id", *given]
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols[1:])
        if kept:   # executemany refuses an empty list
            con.executemany(f"INSERT INTO units ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
                            f"ON CONFLICT (unit_id) DO UPDATE SET {updates}", [[r.get(c) for c in cols] for _, r in kept])
        rejects = [(n, json.dumps(r, ensure_ascii=False), "; ".join(why)) for n, r, why in rejected]
        rejects += [(b.row, b.raw, b.reason) for b in bad]
        if rejects:
            con.executemany("INSERT INTO rejects VALUES (?, ?, ?, ?)", [(result.import_id, *r) for r in rejects])
        result.read = len(rows) + len(bad)
        result.inserted = sum(1 for _, r in kept if r["unit_id"] not in existing)
        result.updated = len(kept) - result.inserted
        result.rejected = len(rejects)
        result.reject_kinds = [(f"row {n}: {'; '.join(why)}", 1) for n, _, why in rejected[:20]]
        result.seconds = time.perf_counter() - started
        record_import(con, result, started_at, kind="units", note=f"columns={', '.join(header)}")
        after_write(con)
    return result
