"""A file already imported: the same bytes, read the same way, and nothing written since.

Such a file would give exactly the rows already stored, so :func:`previous_import` finds the
earlier import without reading the file's rows at all. "The same way" is a fingerprint of
everything besides the bytes that decides which rows a file gives (:func:`fingerprint`: the
mapping's full content, or every preset when the mapping is guessed, the format, datum, time
zones, sheet and the version of the import rules); each import records it in ``imports.note``
as ``options=<hex>``. The earlier import is only taken as still valid when

- no later write changed requests or units (an import that inserted, updated or created units,
  or any other kind of write: units, boundaries, demo), since the stored rows or the unit
  matching may differ now;
- none of its rows was rejected for a time "in the future": that depends on when it ran.

A rollback restores ``imports`` with the rest of the store, so it needs no special case.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from metrics.ingest.mapping import Mapping, available, load_mapping

# Bump when a change to reading, mapping or validation makes the same file give other rows.
RULES_VERSION = "1"
OPTIONS_TAG = "options="
CREATED_TAG = "created="
FUTURE_REASON = ": in the future ("


@dataclass(frozen=True)
class Previous:
    """The finished import a file matches."""

    import_id: str
    finished_at: dt.datetime
    read: int
    rejected: int
    note: str

    def noted(self, key: str) -> str | None:
        """A ``key=value`` of the note (mapping, format, encoding), if recorded."""
        found = re.search(rf"(?:^|; ){re.escape(key)}=([^;]*)", self.note or "")
        return found.group(1) if found else None


def fingerprint(mapping: str | Path | Mapping | None, fmt: str, crs: str, tz: str | None, sheet: str | None,
                store_tz: str | None) -> str:
    """A hash of how a file is read into rows, besides its bytes (see the module's doc)."""
    if isinstance(mapping, Mapping):
        how = repr(mapping)
    elif mapping:
        how = repr(load_mapping(mapping))
    else:   # guessed from the header: the same bytes give the same guess among the same presets
        how = "guessed among " + repr([load_mapping(name) for name in available()])
    parts = (RULES_VERSION, how, fmt, crs, tz or "", sheet or "", store_tz or "")
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def previous_import(con: duckdb.DuckDBPyConnection, sha256: str, options_hash: str) -> Previous | None:
    """The latest finished import of the same bytes read the same way, if still valid (module doc)."""
    row = con.execute(f"""
        SELECT m.import_id, m.finished_at, m.rows_read, m.rows_rejected, m.note FROM imports m
        WHERE m.kind = 'import' AND m.sha256 = $sha AND contains(m.note, $tag)
          AND NOT EXISTS (SELECT 1 FROM imports l WHERE l.finished_at > m.finished_at
                          AND (l.kind <> 'import' OR l.rows_inserted + l.rows_updated > 0
                               OR contains(l.note, '{CREATED_TAG}')))
          AND NOT EXISTS (SELECT 1 FROM rejects r WHERE r.import_id = m.import_id AND contains(r.reasons, $future))
        ORDER BY m.finished_at DESC LIMIT 1""",
                      {"sha": sha256, "tag": f"{OPTIONS_TAG}{options_hash}", "future": FUTURE_REASON}).fetchone()
    return Previous(*row) if row else None


def note_tags(options_hash: str, created: dict[str, int]) -> str:
    """What an import adds to its note for :func:`previous_import`."""
    made = sum(created.values())
    return f"; {OPTIONS_TAG}{options_hash}" + (f"; {CREATED_TAG}{made}" if made else "")
