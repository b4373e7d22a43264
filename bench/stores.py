"""Stores and commands for bench/run.py: build or reuse demo stores, CSV imports, batch scorecards.

A store is ``<work>/demo-<rows>-seed<seed>.duckdb`` with ``.json`` beside it recording how it was
built (seconds, peak RSS); a store whose record names the same rows and seed is reused, and its
recorded build figures are reported as such. Every command runs in a child process, as a user runs
it; its wall time and CPU time come from wait4, its peak RSS from /usr/bin/time (the child's own
ru_maxrss would include this process's peak at the fork: Linux keeps the old address space's
high-water mark across exec, and this process holds pandas frames by then).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from bench.bench_demo import one_build

ROOT = Path(__file__).resolve().parent.parent
SMALL_IMPORT_ROWS = 1_000
COUNTS = re.compile(r"(inserted|updated|unchanged|rejected) ([\d,]+)")
STAGE = re.compile(r"(\w+) ([\d.]+) s")
MAXRSS = "maxrss_kb="
# The columns of the gridscore mapping (data/mappings/gridscore.toml): an export it re-imports as is.
CSV_COLUMNS = ("request_id", "received_at", "channel", "category", "subcategory", "source", "lat", "lon", "urgency",
               "respond_by", "resolve_by", "first_contact_at", "closed_at", "status", "status_detail",
               "returned_count", "extended", "is_repeat", "assessable", "exclusion_reason", "visited", "contacted",
               "resolved", "satisfaction", "description", "address", "citizen_name", "citizen_phone",
               "unit_id", "dept_id")


def demo_store(work: Path, rows: int, seed: int) -> tuple[Path, dict]:
    """The demo store of ``rows`` requests (built now, or reused) and its build record."""
    db = work / f"demo-{rows}-seed{seed}.duckdb"
    record = db.with_suffix(".json")
    if db.exists() and record.exists():
        built = json.loads(record.read_text())
        if built.get("rows") == rows and built.get("seed") == seed:
            return db, {**built, "reused": True}
    for stale in (db, record):
        stale.unlink(missing_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    run = one_build(rows, seed, db)
    built = {"rows": rows, "seed": seed, "seconds": round(run["seconds"], 1),
             "peak_rss_mb": round(run["peak_rss_mb"]), "db_mb": round(run["db_mb"]), "load_avg_1min": round(load, 2)}
    record.write_text(json.dumps(built, indent=2))
    return db, {**built, "reused": False}


def export_csv(db: Path, path: Path, limit: int | None = None, id_prefix: str = "") -> Path:
    """The store's requests as a CSV the gridscore mapping imports (``limit`` rows, ids prefixed)."""
    columns = ", ".join(f"? || {c} AS {c}" if c == "request_id" else c for c in CSV_COLUMNS)
    sql = f"SELECT {columns} FROM requests ORDER BY received_at DESC, request_id"
    params: list = [id_prefix]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"COPY ({sql}) TO '{path}' (HEADER, DELIMITER ',')", params)
    finally:
        con.close()
    return path


def empty_copy(db: Path, dest: Path) -> Path:
    """A fresh store at dest with db's units and boundaries and no requests."""
    from metrics.store.snapshots import after_write, write_snapshot

    with write_snapshot(dest, fresh=True, label="bench") as con:
        con.execute("ATTACH ? AS src (READ_ONLY)", [str(db)])
        for table in ("units", "boundaries"):
            con.execute(f"INSERT INTO {table} SELECT * FROM src.{table}")
        con.execute("DETACH src")
        after_write(con)
    return dest


def csv_imports(db: Path, work: Path) -> dict:
    """First import of the store's requests as CSV into a fresh store, the same file again, and a
    1,000-row import of new requests into a copy of the store itself."""
    csv = work / f"{db.stem}-requests.csv"
    if not csv.exists() or csv.stat().st_mtime < db.stat().st_mtime:
        export_csv(db, csv)
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT count(*) FROM requests").fetchone()[0]
    con.close()
    out: dict = {"csv_rows": rows, "csv_mb": round(csv.stat().st_size / 1e6)}
    with tempfile.TemporaryDirectory(prefix="bench-import-", dir=work) as tmp:
        fresh = empty_copy(db, Path(tmp) / "fresh.duckdb")
        for label in ("first", "again"):
            run = import_file(fresh, csv)
            out[label] = {**run, "rows_per_s": round(rows / run["wall_s"])} if "wall_s" in run else run
        fresh.unlink()
        small = export_csv(db, Path(tmp) / "small.csv", SMALL_IMPORT_ROWS, id_prefix="bench-new-")
        big = Path(tmp) / "big.duckdb"
        shutil.copyfile(db, big)
        out["small"] = {**import_file(big, small), "rows": SMALL_IMPORT_ROWS, "into_rows": rows}
    return out


def import_file(db: Path, path: Path) -> dict:
    """``python -m metrics import`` of one file: the command's figures, its counts and stage seconds;
    ``{"error": ...}`` when the import failed (the run goes on and reports it)."""
    try:
        run = command(["import", str(path), "--db", str(db), "--quiet", "--timings"])
    except RuntimeError as exc:
        return {"error": str(exc).splitlines()[-1][-300:]}
    text = run.pop("output")
    run["counts"] = {k: int(v.replace(",", "")) for k, v in COUNTS.findall(text)}
    stages = text.split("stages:")[1].splitlines()[0] if "stages:" in text else ""
    run["stages_s"] = {name: float(sec) for name, sec in STAGE.findall(stages)}
    return run


def command(args: list[str]) -> dict:
    """Run ``python -m metrics ARGS`` in a child: wall and CPU seconds, peak RSS (MB), its output."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile("w+") as out, tempfile.NamedTemporaryFile("r") as rss:
        start = time.perf_counter()
        proc = subprocess.Popen(["/usr/bin/time", "-o", rss.name, "-f", f"{MAXRSS}%M", sys.executable, "-m",
                                 "metrics", *args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)   # CPU of time and its waited-for child
        wall = time.perf_counter() - start
        out.seek(0)
        text = out.read()
        peak_kb = next((int(line[len(MAXRSS):]) for line in rss.read().splitlines() if line.startswith(MAXRSS)), 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"python -m metrics {' '.join(args)} failed ({code}):\n{text[-2000:]}")
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(peak_kb / 1024), "load_avg_1min": round(load, 2), "output": text}


def scorecards(db: Path, month: str, fmt: str = "zip") -> dict:
    """Every street's scorecard for the month, as the scorecard command writes them in one batch."""
    with tempfile.TemporaryDirectory(prefix="bench-cards-") as tmp:
        run = command(["scorecard", "--db", str(db), "--period", month, "--format", fmt, "--out", tmp,
                       "--log", str(Path(tmp) / "exports.jsonl")])
        files = [p for p in Path(tmp).iterdir() if p.name != "exports.jsonl"]
        run["files"], run["mb"] = len(files), round(sum(p.stat().st_size for p in files) / 1e6, 1)
    run.pop("output")
    run["format"] = fmt
    return run
