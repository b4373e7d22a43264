"""Units and departments named in a request file, created when the mapping says so.

With ``[dept] create = true`` (or ``[unit] create = true``) every name (or name path, one
column per level) that no unit has yet becomes a unit of its level: the top level under
``parent`` (default: the city; departments: no parent unless given), each next level under the
one above. Names compare by their key (case, spaces, width ignored); a name several units share
is left alone (the import warns about it). New ids are the name itself when free, else
``parent/name``.
"""
from __future__ import annotations

import duckdb

from metrics.ingest.checks import city_of
from metrics.ingest.mapping import MappingError, UnitMatch
from metrics.ingest.names import name_key
from metrics.ingest.validate import q
from metrics.store.snapshots import rebuild_closure


def _new_id(name: str, parent: str | None, taken: set[str]) -> str:
    for candidate in (name, f"{parent}/{name}" if parent else f"unit/{name}"):
        if candidate not in taken:
            return candidate
    n = 2
    while f"{parent}/{name}~{n}" in taken:
        n += 1
    return f"{parent}/{name}~{n}"


def create_units(con: duckdb.DuckDBPyConnection, match: UnitMatch | None, columns: list[str | None],
                 dept: bool) -> dict[str, int]:
    """Create the missing units the staged rows name; returns {level: how many created}."""
    if match is None or not match.create or not columns or not any(columns):
        return {}
    levels = ["department"] * len(match.columns) if dept and not match.levels else list(match.levels)
    present = [(c, lv) for c, lv in zip(columns, levels) if c is not None]
    select = ", ".join(f"_nz(s.{q(c)})" for c, _ in present)
    paths = con.execute(f"SELECT DISTINCT {select} FROM _stage s").fetchall()
    units = con.execute("SELECT unit_id, name, level, parent_id FROM units").fetchall()
    taken = {u[0] for u in units}
    children: dict[tuple[str | None, str, str], list[str]] = {}
    anywhere: dict[tuple[str, str], list[str]] = {}
    for uid, name, level, parent in units:
        children.setdefault((parent, level, name_key(name)), []).append(uid)
        anywhere.setdefault((level, name_key(name)), []).append(uid)
    top_parent = match.parent if match.parent else (None if dept else city_of(con))
    if match.parent and match.parent not in taken:
        raise MappingError(f"[{'dept' if dept else 'unit'}] parent = {match.parent!r}: no unit has this id")
    created: list[tuple[str, str, str, str | None]] = []
    for path in sorted(paths, key=lambda p: tuple("" if v is None else v for v in p)):
        parent: str | None = None
        for i, ((_, level), name) in enumerate(zip(present, path)):
            if name is None:
                break
            key = name_key(name)
            if match.by == "id":
                found = [name] if name in taken else []
            elif i == 0:
                found = anywhere.get((level, key), [])
            else:
                found = children.get((parent, level, key), [])
            if len(found) > 1:
                break   # ambiguous: the import warns, nothing is created
            if found:
                parent = found[0]
                continue
            under = top_parent if i == 0 else parent
            uid = name if match.by == "id" else _new_id(name, under, taken)
            taken.add(uid)
            created.append((uid, name, level, under))
            children.setdefault((under, level, key), []).append(uid)
            anywhere.setdefault((level, key), []).append(uid)
            parent = uid
    if created:
        con.executemany("INSERT INTO units (unit_id, name, level, parent_id) VALUES (?, ?, ?, ?)", created)
        rebuild_closure(con)
    counts: dict[str, int] = {}
    for _, _, level, _ in created:
        counts[level] = counts.get(level, 0) + 1
    return counts
