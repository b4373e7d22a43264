"""One import: read -> stage -> map and validate -> place -> upsert, inside a store snapshot.

:func:`import_files` opens one :func:`metrics.store.snapshots.write_snapshot` for all the files given, so
viewers see the data before or after the whole import, never a part of it; a failure or a kill
leaves the store as it was. Each file gets its own row in ``imports``.

Every stage after reading is set-based SQL over temp tables keyed by the source row number
(``_stage`` -> ``_parsed`` -> ``_checked`` -> one UPDATE and one INSERT); DuckDB works within
``MEMORY_LIMIT`` and spills beyond it, so the memory of an import does not grow with the file
(1M rows: ~8 s, 0.8 GB peak; 5M rows: 45-65 s, 0.83 GB; see bench/bench_import.py).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from metrics.ingest import checks, readers, writer
from metrics.ingest.coords import CRS, GridLocator
from metrics.ingest.create import create_units
from metrics.ingest.mapping import Mapping, MappingError, available, load_mapping
from metrics.ingest.progress import SQL_STEPS, Progress, ProgressRelay, StageTimer
from metrics.ingest.staging import stage
from metrics.ingest.timeparse import DEFAULT_TZ
from metrics.ingest.validate import Plan, lit, null_macro, parse
from metrics.store.snapshots import StoreError, after_write, default_path, write_snapshot

# DuckDB's share of the import's memory; beyond it, temp tables and sorts spill to a directory
# beside the store (removed after). With pyarrow's ~40 MB and Python's ~100 MB, an import of
# any size peaks near 0.8 GB (bench/bench_import.py).
MEMORY_LIMIT = "512MB"
WORK_TABLES = ("_stage", "_bad", "_parsed", "_geo", "_checked", "_action")


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
    seconds: float = 0.0
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

    @property
    def reconciles(self) -> bool:
        return self.read == self.inserted + self.updated + self.unchanged + self.rejected

    @property
    def rows_per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def new_import_id() -> str:
    return f"imp-{dt.datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def guess_mapping(header: list[str], fmt: str) -> Mapping:
    """The preset whose columns the header matches best (Open311 files: open311)."""
    if fmt == "open311":
        return load_mapping("open311")
    best, best_score = None, -1
    for name in available():
        m = load_mapping(name)
        plan = Plan(m, header)
        if "request_id" not in plan.source:
            continue
        score = len(plan.source) + len(plan.unit_cols) + len(plan.dept_cols)
        if score > best_score:
            best, best_score = m, score
    return best or load_mapping("gridscore")


def _resolve_mapping(spec: str | Path | Mapping | None, header: list[str], fmt: str) -> Mapping:
    if isinstance(spec, Mapping):
        return spec
    return load_mapping(spec) if spec else guess_mapping(header, fmt)


# Failures before the first write to the store's tables: the file is reported, the import goes on.
UNREADABLE = (duckdb.Error, MemoryError, OSError, UnicodeError, ValueError, RecursionError)


def import_one(con: duckdb.DuckDBPyConnection, path: Path, options: ImportOptions,
               progress: Progress | None = None) -> ImportResult:
    """Import one file into the snapshot connection con. Raises readers.ReadError if unreadable.

    Any failure before the first write to the store (reading, staging, mapping, checks: a
    corrupt file, a file over a limit, DuckDB out of memory) is a ReadError naming the file, so
    the other files of the import still go in; a failure after it fails the whole import.
    """
    writing: list[bool] = []
    try:
        return _import_one(con, path, options, progress, writing)
    except UNREADABLE as exc:
        if writing or isinstance(exc, MappingError):   # a bad --mapping is the import's error, not the file's
            raise
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise readers.ReadError(f"{path}: {first}") from exc


def _import_one(con: duckdb.DuckDBPyConnection, path: Path, options: ImportOptions,
                progress: Progress | None, writing: list[bool]) -> ImportResult:
    started = time.perf_counter()
    result = ImportResult(new_import_id(), path)
    started_at = dt.datetime.now()
    result.fmt = readers.detect_format(path, options.fmt)
    byte_progress = (lambda done, total: progress("read", done, total)) if progress else None
    timed = StageTimer(result.timings)
    with timed("hash"):
        result.sha256 = sha256_of(path)
    # The work tables carry _row: their physical order does not matter, and not keeping it lets
    # DuckDB write them in parallel with less memory (stage ~2x, parse and check ~1.5x faster).
    con.execute("SET preserve_insertion_order = false")
    with timed("read"):
        header, batches, result.encoding = readers.open_source(path, result.fmt, options.sheet, byte_progress)
        try:
            header, read = stage(con, header, batches)
        except readers.FastPathDisagrees:
            header, batches, result.encoding = readers.open_source(path, result.fmt, options.sheet, byte_progress,
                                                                   fast=False)
            header, read = stage(con, header, batches)
    mapping = _resolve_mapping(options.mapping, header, result.fmt)
    result.mapping = mapping.name
    tz = options.tz or mapping.timezone or store_timezone(con) or DEFAULT_TZ
    plan = Plan(mapping, header)
    result.missing_columns = sorted(plan.missing)
    if progress:
        progress("check", 0, SQL_STEPS)
    with timed("parse"):
        null_macro(con, mapping)
        result.created = {**create_units(con, mapping.unit, plan.unit_cols, dept=False),
                          **create_units(con, mapping.dept, plan.dept_cols, dept=True)}
        parse(con, plan, tz)
        result.formats = dict(plan.formats)
    with timed("place"):
        locator = GridLocator.from_store(con)
        result.placeholders = checks.place(con, options.crs, locator, "address" in plan.source,
                                           (lambda d, t: progress("place", d, t)) if progress else None)
    with timed("check"):
        checks.check(con, plan, tz, has_bounds=len(locator) > 0)
        con.execute("DROP TABLE _parsed; DROP TABLE _geo")   # _checked has all that is written; free the memory
        result.placed = dict(con.execute("SELECT location_status, count(*) FROM _checked WHERE len(reasons) = 0 "
                                         "GROUP BY 1 ORDER BY 2 DESC").fetchall())
    con.execute("RESET preserve_insertion_order")   # requests are stored in file order
    if progress:
        progress("write", 0, SQL_STEPS)
    writing.append(True)
    provided = plan.provided()
    with timed("classify"):
        counts = writer.classify(con, provided)
    with timed("upsert"):
        writer.upsert(con, provided, result.import_id, counts)
    with timed("rejects"):
        result.rejected = writer.store_rejects(con, header, result.import_id)
        result.warnings = con.execute(
            "SELECT coalesce(sum(len(warnings)), 0) FROM _checked WHERE len(reasons) = 0").fetchone()[0]
        result.reject_kinds = writer.reason_counts(con, "reasons")
        result.warning_kinds = writer.reason_counts(con, "warnings")
    result.read = read
    result.inserted, result.updated, result.unchanged = counts["insert"], counts["update"], counts["unchanged"]
    if options.rejects_dir and result.rejected:
        result.rejects_csv = writer.save_rejects_csv(con, result.import_id, path, options.rejects_dir)
    result.seconds = time.perf_counter() - started
    writer.record_coverage(con, plan, result.import_id, read)
    _record(con, result, started_at, kind="import", note=f"mapping={mapping.name}; format={result.fmt}; "
            f"encoding={result.encoding}; crs={options.crs}; tz={tz}")
    for table in WORK_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return result


def store_timezone(con: duckdb.DuckDBPyConnection) -> str | None:
    """The time zone ``init --tz`` recorded in the store, if any."""
    row = con.execute("SELECT value FROM gridscore_meta WHERE key = 'timezone'").fetchone()
    return row[0] if row else None


def _record(con: duckdb.DuckDBPyConnection, r: ImportResult, started_at: dt.datetime, kind: str, note: str) -> None:
    con.execute("""INSERT INTO imports VALUES ($id, $file, $sha, $kind, $started, $finished,
        $read, $ins, $upd, $same, $rej, $warn, $note)""", {
        "id": r.import_id, "file": str(r.file), "sha": r.sha256, "kind": kind, "started": started_at,
        "finished": dt.datetime.now(), "read": r.read, "ins": r.inserted, "upd": r.updated,
        "same": r.unchanged, "rej": r.rejected, "warn": r.warnings, "note": note})


def import_files(db: Path | str, files: list[Path], options: ImportOptions = ImportOptions(),
                 progress: Callable[[Path, str, int, int], None] | None = None) -> list[ImportResult]:
    """Import files into the store at db in one atomic snapshot; one result per file.

    A file that cannot be read at all gets a result with ``error`` set and changes nothing;
    the other files are still imported.
    """
    if options.crs not in CRS:
        raise ValueError(f"unknown crs {options.crs!r}: one of {', '.join(CRS)}")
    results = []
    store = Path(db) if db else default_path()
    if not store.exists():
        raise StoreError(f"No GridScore store at {store}; nothing was imported. Create it first: "
                         f"python -m metrics boundaries FILE.geojson --db {store} (or demo)")
    spill = store.parent / f".{store.name}.spill-{uuid.uuid4().hex[:12]}"
    try:
        with write_snapshot(store, label="import") as con:
            for stale in store.parent.glob(f".{store.name}.spill-*"):   # left by a killed import; we hold the lock
                shutil.rmtree(stale, ignore_errors=True)
            con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
            con.execute(f"SET temp_directory = {lit(str(spill))}")
            con.execute("SET enable_progress_bar = true")   # tracked for query_progress(), never printed
            con.execute("SET enable_progress_bar_print = false")
            for path in files:
                path = Path(path)
                step = (lambda stage_, d, t, p=path: progress(p, stage_, d, t)) if progress else None
                try:
                    results.append(ProgressRelay(con, step).run(lambda post, p=path: import_one(con, p, options, post)))
                except (readers.ReadError, OSError) as exc:
                    results.append(ImportResult(new_import_id(), path, error=str(exc)))
                    for table in WORK_TABLES:   # what the failed file staged
                        con.execute(f"DROP TABLE IF EXISTS {table}")
            con.execute("RESET preserve_insertion_order")   # the roll-ups are stored in day order
            if any(r.inserted or r.updated or r.created for r in results):
                with StageTimer(results[-1].timings)("refresh"):
                    after_write(con, incremental=True)
            published = time.perf_counter()
        if results:
            results[-1].timings["publish"] = time.perf_counter() - published
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    return results
