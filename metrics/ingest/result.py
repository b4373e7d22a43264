"""What an import is asked (:class:`ImportOptions`) and what it reports (:class:`ImportResult`),
and the ``imports`` row every import, units or boundaries file leaves in the store."""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from metrics.ingest import checks
from metrics.ingest.mapping import Mapping
from metrics.ingest.unchanged import Previous


@dataclass(frozen=True)
class ImportOptions:
    mapping: str | Path | Mapping | None = None     # None: guessed from the header
    fmt: str | None = None                          # None: from the file name
    crs: str = "wgs84"
    tz: str | None = None                           # None: the mapping's, else Asia/Shanghai
    sheet: str | None = None
    rejects_dir: Path | None = None


@dataclass
class ImportResult:
    import_id: str
    file: Path
    sha256: str = ""
    fmt: str = ""
    encoding: str | None = None
    mapping: str = ""
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    seconds: float = 0.0                                      # this file's own stages
    total_seconds: float = 0.0     # the whole import call it was part of: all files, refresh, publish
    reject_kinds: list[tuple[str, int]] = field(default_factory=list)
    warning_kinds: list[tuple[str, int]] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)          # level -> units created from names
    placed: dict[str, int] = field(default_factory=dict)           # location_status -> kept rows
    placeholders: list[checks.Placeholder] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)          # timestamp column -> detected format
    timings: dict[str, float] = field(default_factory=dict)   # seconds per stage, in order
    rejects_csv: Path | None = None
    error: str | None = None
    already: Previous | None = None   # the same file was imported so, nothing was read or written

    @property
    def reconciles(self) -> bool:
        return self.read == self.inserted + self.updated + self.unchanged + self.rejected

    @property
    def rows_per_second(self) -> float:
        """Rows read per second of the whole import call (the wait of whoever ran it), else of this file."""
        seconds = self.total_seconds or self.seconds
        return self.read / seconds if seconds else 0.0


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def new_import_id() -> str:
    return f"imp-{dt.datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def record_import(con: duckdb.DuckDBPyConnection, r: ImportResult, started_at: dt.datetime, kind: str, note: str) -> None:
    con.execute("""INSERT INTO imports VALUES ($id, $file, $sha, $kind, $started, $finished,
        $read, $ins, $upd, $same, $rej, $warn, $note)""", {
        "id": r.import_id, "file": str(r.file), "sha": r.sha256, "kind": kind, "started": started_at,
        "finished": dt.datetime.now(), "read": r.read, "ins": r.inserted, "upd": r.updated,
        "same": r.unchanged, "rej": r.rejected, "warn": r.warnings, "note": note})
