"""One import: read -> stage -> map and validate -> place -> upsert, inside a store snapshot.

:func:`import_files` opens one :func:`metrics.store.snapshots.write_snapshot` for all the files given, so
viewers see the data before or after the whole import, never a part of it; a failure or a kill
leaves the store as it was. Each file gets its own row in ``imports``. A file already imported the
same way is recognised from its hash before any snapshot is made (:mod:`~metrics.ingest.unchanged`).

Every stage after reading is set-based SQL over temp tables keyed by the source row number
(``_stage`` -> ``_parsed`` -> ``_checked`` -> one UPDATE and one INSERT); DuckDB works within
``MEMORY_LIMIT`` and spills beyond it, so the memory of an import does not grow with the file
(0.8 GB peak at 1M and 5M rows; times: bench/bench_import.py).
"""
from __future__ import annotations

import datetime as dt
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb

from metrics.ingest import checks, readers, writer
from metrics.ingest.coords import CRS, GridLocator
from metrics.ingest.create import create_units
from metrics.ingest.mapping import Mapping, MappingError, available, load_mapping
from metrics.ingest.progress import SQL_STEPS, Progress, ProgressRelay, StageTimer
from metrics.ingest.result import ImportOptions, ImportResult, new_import_id, record_import, sha256_of
from metrics.ingest.staging import stage
from metrics.ingest.timeparse import DEFAULT_TZ
from metrics.ingest.validate import Plan, lit, null_macro, parse
from metrics.ingest.unchanged import fingerprint, note_tags, previous_import
from metrics.store.lake import refuse_lake
from metrics.store.snapshots import WRITER_MEMORY_MB, StoreError, after_write, default_path, open_read, write_snapshot

# DuckDB's share of the import's memory; beyond it, temp tables and sorts spill to a directory
# beside the store (removed after). The requests' primary-key index cannot spill and grows with the
# store (a 10M-row import stopped with "Out of Memory" at 512 MB), so the cap is a quarter of RAM
# (half the writer's 40%); a 1M-row import peaks near 1.5 GB (bench/run.py).
MEMORY_LIMIT = f"{max(512, WRITER_MEMORY_MB // 2)}MB"
WORK_TABLES = ("_stage", "_bad", "_parsed", "_geo", "_checked", "_action")


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
               progress: Progress | None = None, sha256: str | None = None) -> ImportResult:
    """Import one file into the snapshot connection con. Raises readers.ReadError if unreadable.

    Any failure before the first write to the store (reading, staging, mapping, checks: a
    corrupt file, a file over a limit, DuckDB out of memory) is a ReadError naming the file, so
    the other files of the import still go in; a failure after it fails the whole import.
    """
    writing: list[bool] = []
    try:
        return _import_one(con, path, options, progress, writing, sha256)
    except UNREADABLE as exc:
        if writing or isinstance(exc, MappingError):   # a bad --mapping is the import's error, not the file's
            raise
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise readers.ReadError(f"{path}: {first}") from exc


def _import_one(con: duckdb.DuckDBPyConnection, path: Path, options: ImportOptions,
                progress: Progress | None, writing: list[bool], sha256: str | None = None) -> ImportResult:
    started = time.perf_counter()
    result = ImportResult(new_import_id(), path)
    started_at = dt.datetime.now()
    result.fmt = readers.detect_format(path, options.fmt)
    byte_progress = (lambda done, total: progress("read", done, total)) if progress else None
    timed = StageTimer(result.timings)
    if sha256 is None:
        with timed("hash"):
            sha256 = sha256_of(path)
    result.sha256 = sha256
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
        coverage = writer.coverage_counts(con, plan)
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
    writer.record_coverage(con, plan, result.import_id, read, coverage)
    options_hash = fingerprint(options.mapping, result.fmt, options.crs, options.tz, options.sheet, store_timezone(con))
    record_import(con, result, started_at, kind="import", note=f"mapping={mapping.name}; format={result.fmt}; "
                  f"encoding={result.encoding}; crs={options.crs}; tz={tz}" + note_tags(options_hash, result.created))
    for table in WORK_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return result


def store_timezone(con: duckdb.DuckDBPyConnection) -> str | None:
    """The time zone ``init --tz`` recorded in the store, if any."""
    row = con.execute("SELECT value FROM gridscore_meta WHERE key = 'timezone'").fetchone()
    return row[0] if row else None


def import_files(db: Path | str, files: list[Path], options: ImportOptions = ImportOptions(),
                 progress: Callable[[Path, str, int, int], None] | None = None) -> list[ImportResult]:
    """Import files into the store at db in one atomic snapshot; one result per file, in order.

    A file that cannot be read at all gets a result with ``error`` set and changes nothing;
    the other files are still imported. A file already imported the same way (same bytes, same
    mapping and options, nothing written since: :mod:`~metrics.ingest.unchanged`) is not read
    again: its result has ``already`` set and every row unchanged. When every file is such, no
    snapshot is made at all. Each result's ``total_seconds`` is the whole call, publishing included.
    """
    started = time.perf_counter()
    if options.crs not in CRS:
        raise ValueError(f"unknown crs {options.crs!r}: one of {', '.join(CRS)}")
    store = Path(db) if db else default_path()
    if not store.exists():
        raise StoreError(f"No GridScore store at {store}; nothing was imported. Create it first: "
                         f"python -m metrics boundaries FILE.geojson --db {store} (or demo)")
    files = [Path(f) for f in files]
    results: list[ImportResult | None] = [None] * len(files)
    hashes: dict[int, tuple[str, float]] = {}
    _recognise(store, files, options, results, hashes)
    todo = [i for i, r in enumerate(results) if r is None]
    if todo:
        _write(store, files, todo, options, progress, results, hashes)
    done = [r for r in results if r is not None]
    total = time.perf_counter() - started
    for r in done:
        r.total_seconds = total
    return done


def _recognise(store: Path, files: list[Path], options: ImportOptions, results: list[ImportResult | None],
               hashes: dict[int, tuple[str, float]]) -> None:
    """Fill results[i] for the files already imported the same way; hashes[i] = (sha256, seconds) of the others."""
    con = open_read(store)
    try:
        refuse_lake(con, store)
        store_tz = store_timezone(con)
        for i, path in enumerate(files):
            try:
                fmt = readers.detect_format(path, options.fmt)
                start = time.perf_counter()
                sha = sha256_of(path)
            except (readers.ReadError, OSError):
                continue   # the import reports it
            hashes[i] = (sha, time.perf_counter() - start)
            before = previous_import(con, sha, fingerprint(options.mapping, fmt, options.crs, options.tz,
                                                           options.sheet, store_tz))
            if before is None:
                continue
            r = ImportResult(before.import_id, path, sha256=sha, fmt=fmt, encoding=before.noted("encoding"),
                             mapping=before.noted("mapping") or "", read=before.read,
                             unchanged=before.read - before.rejected, rejected=before.rejected, already=before)
            r.timings["hash"] = hashes[i][1]
            if options.rejects_dir and r.rejected:
                r.rejects_csv = writer.save_rejects_csv(con, before.import_id, path, options.rejects_dir)
            r.seconds = time.perf_counter() - start
            results[i] = r
    finally:
        con.close()


def _write(store: Path, files: list[Path], todo: list[int], options: ImportOptions,
           progress: Callable[[Path, str, int, int], None] | None, results: list[ImportResult | None],
           hashes: dict[int, tuple[str, float]]) -> None:
    """Import files[i] for i in todo into one new snapshot of the store; results[i] = their results."""
    spill = store.parent / f".{store.name}.spill-{uuid.uuid4().hex[:12]}"
    written: list[ImportResult] = []
    try:
        entered = time.perf_counter()
        with write_snapshot(store, label="import") as con:
            copied = time.perf_counter() - entered   # the checks, the lock and the copy of the store
            for stale in store.parent.glob(f".{store.name}.spill-*"):   # left by a killed import; we hold the lock
                shutil.rmtree(stale, ignore_errors=True)
            con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
            con.execute(f"SET temp_directory = {lit(str(spill))}")
            con.execute("SET enable_progress_bar = true")   # tracked for query_progress(), never printed
            con.execute("SET enable_progress_bar_print = false")
            for i in todo:
                path = files[i]
                sha, hashing = hashes.get(i, (None, 0.0))
                step = (lambda stage_, d, t, p=path: progress(p, stage_, d, t)) if progress else None
                try:
                    r = ProgressRelay(con, step).run(lambda post, p=path, h=sha: import_one(con, p, options, post, h))
                    if sha is not None:
                        r.timings = {"hash": hashing, **r.timings}
                        r.seconds += hashing
                except (readers.ReadError, OSError) as exc:
                    r = ImportResult(new_import_id(), path, error=str(exc))
                    for table in WORK_TABLES:   # what the failed file staged
                        con.execute(f"DROP TABLE IF EXISTS {table}")
                results[i] = r
                written.append(r)
            written[0].timings = {"snapshot": copied, **written[0].timings}
            con.execute("RESET preserve_insertion_order")   # the roll-ups are stored in day order
            if any(r.inserted or r.updated or r.created for r in written):
                with StageTimer(written[-1].timings)("refresh"):
                    after_write(con, incremental=True)
            published = time.perf_counter()
        written[-1].timings["publish"] = time.perf_counter() - published
    finally:
        shutil.rmtree(spill, ignore_errors=True)
