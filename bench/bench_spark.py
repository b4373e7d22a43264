"""Benchmark: the roll-up job on DuckDB and on Spark local mode, from the same lake, with Spark's per-stage costs.

    .venv/bin/python bench/bench_spark.py --rows 10000000 [--store PATH] [--repeat 1] [--master local[2]]

The store's requests are exported once to the lake ``bench/stores/lake-<rows>/`` (reused when its
manifest holds as many requests as the store; the export is timed). Then, per repeat, the roll-up
job (:func:`metrics.scale.job.run_job`: rollup_daily, rollup_hist, the coarse tables, one month's
unit tables for every level) runs on DuckDB and on Spark, each timed end to end (engine start, the
Spark session included, to engine stop) and per table (the job's rollups.json). The two outputs must
hold the same numbers (:func:`metrics.scale.compare.compare_outputs`); a difference fails the run
(exit 1). Spark runs with its UI on a free port; every write is tagged with a job group naming its
table, and after the job the UI's REST API (``/api/v1/applications/<id>/jobs`` and ``/stages``)
gives each table's completed stages: tasks, input bytes and records, shuffle read and write bytes
and records, output bytes, executor run and CPU time, spill. Results go to
``bench/results/spark-<time>-<rows>.json`` (git-ignored); a table is printed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import socket
import statistics
import sys
import time
import urllib.request
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
STORES = ROOT / "bench" / "stores"
sys.path.insert(0, str(ROOT))

from metrics.scale.compare import compare_outputs  # noqa: E402
from metrics.scale.engines import DuckEngine, SparkEngine  # noqa: E402
from metrics.scale.job import run_job  # noqa: E402
from metrics.store.lake import LakeError, export_lake, read_manifest, requests_glob  # noqa: E402
from metrics.store.snapshots import open_read  # noqa: E402

STAGE_FIELDS = ("numTasks", "inputBytes", "inputRecords", "shuffleReadBytes", "shuffleReadRecords",
                "shuffleWriteBytes", "shuffleWriteRecords", "outputBytes", "outputRecords", "executorRunTime",
                "executorCpuTime", "jvmGcTime", "memoryBytesSpilled", "diskBytesSpilled", "peakExecutionMemory")
SETUP = "register"   # the job group of the lake's registration (schema and file listing)
READ_BACK = " (read back)"   # suffix of the job group counting a written table


def store_requests(store: Path) -> int:
    con = open_read(store)
    try:
        return con.execute("SELECT count(*) FROM requests").fetchone()[0]
    finally:
        con.close()


def ensure_lake(store: Path, lake: Path) -> dict:
    """The store's lake at ``lake``: reused when it holds the store's request count, else exported (timed)."""
    rows = store_requests(store)
    try:
        manifest = read_manifest(lake)
        if manifest["requests"] == rows:
            return {"path": str(lake), "reused": True, "export_seconds": None, "requests": rows}
        raise LakeError(f"{lake} holds {manifest['requests']:,} requests, the store {rows:,}: delete it first")
    except LakeError:
        if lake.exists() and any(lake.iterdir()):
            raise
    started = time.perf_counter()
    con = open_read(store)
    try:
        export_lake(con, lake)
    finally:
        con.close()
    return {"path": str(lake), "reused": False, "export_seconds": round(time.perf_counter() - started, 2),
            "requests": rows}


def lake_files(lake: Path) -> dict:
    """Sizes of the lake's request partitions: bytes, files and rows per month, bytes per row."""
    con = duckdb.connect()
    try:
        rows = con.execute("SELECT file_name, num_rows FROM parquet_file_metadata($g)",
                           {"g": requests_glob(lake)}).fetchall()
    finally:
        con.close()
    months: dict[str, dict] = {}
    for name, n in rows:
        month = Path(name).parent.name.removeprefix("month=")
        part = months.setdefault(month, {"files": 0, "rows": 0, "bytes": 0})
        part["files"] += 1
        part["rows"] += int(n)
        part["bytes"] += os.path.getsize(name)
    total_rows = sum(p["rows"] for p in months.values())
    total_bytes = sum(p["bytes"] for p in months.values())
    return {"partitions": len(months), "files": sum(p["files"] for p in months.values()), "rows": total_rows,
            "bytes": total_bytes, "bytes_per_row": round(total_bytes / max(total_rows, 1), 2),
            "largest_partition_bytes": max((p["bytes"] for p in months.values()), default=0), "months": months}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def table_of(folder: Path) -> str:
    """The job's step name of an output folder (``unit_month/level=street`` for the unit tables)."""
    return f"{folder.parent.name}/{folder.name}" if folder.parent.name == "unit_month" else folder.name


class TaggedSpark:
    """A SparkEngine whose writes run in a Spark job group named after their table.

    ``write`` makes SparkEngine.write's two calls (write the Parquet, count it back) itself so that
    the count runs in a group of its own (``<table> (read back)``): it is a check, not the build.
    """

    name = "spark"

    def __init__(self, engine: SparkEngine) -> None:
        self.engine = engine
        self.sc = engine.spark.sparkContext

    def register(self, name: str, files: str) -> None:
        self.sc.setJobGroup(SETUP, f"register {name}")
        self.engine.register(name, files)

    def write(self, sql: str, params: dict[str, object], folder: Path) -> int:
        table = table_of(folder)
        self.sc.setJobGroup(table, table)
        self.engine.sql(sql, params).write.mode("errorifexists").parquet(str(folder))
        self.sc.setJobGroup(f"{table}{READ_BACK}", f"{table}{READ_BACK}")
        return self.engine.spark.read.parquet(str(folder)).count()


def rest(url: str):
    with urllib.request.urlopen(url, timeout=30) as reply:
        return json.load(reply)


def stage_metrics(ui: str, app: str) -> dict[str, list[dict]]:
    """Each job group's completed stages (after every job has ended and the UI has caught up)."""
    base = f"{ui.rstrip('/')}/api/v1/applications/{app}"
    for _ in range(50):
        jobs = rest(f"{base}/jobs")
        stages = rest(f"{base}/stages")
        if all(j["status"] != "RUNNING" for j in jobs) and all(s["status"] != "ACTIVE" for s in stages):
            break
        time.sleep(0.2)
    by_id = {s["stageId"]: s for s in stages if s["status"] == "COMPLETE"}
    out: dict[str, list[dict]] = {}
    for job in sorted(jobs, key=lambda j: j["jobId"]):
        group = out.setdefault(job.get("jobGroup") or "(none)", [])
        for sid in sorted(job["stageIds"]):
            if sid in by_id:   # a skipped stage (its shuffle output reused) has no completed attempt
                stage = by_id.pop(sid)
                group.append({"stage": sid, "job": job["jobId"], "job_name": job["name"].split(" at ")[0],
                              "name": stage["name"].split(" at ")[0],
                              **{k: stage.get(k, 0) for k in STAGE_FIELDS}})
    return out


def stage_totals(stages: list[dict]) -> dict:
    total = {k: sum(s[k] for s in stages) for k in STAGE_FIELDS}
    total["stages"] = len(stages)
    return total


def run_duckdb(lake: Path, out: Path) -> dict:
    started = time.perf_counter()
    engine = DuckEngine()
    try:
        manifest = run_job(engine, lake, out)
    finally:
        engine.close()
    return {"wall_seconds": round(time.perf_counter() - started, 2), "job_seconds": manifest["total_seconds"],
            "seconds": manifest["seconds"], "rows": manifest["rows"]}


def run_spark(lake: Path, out: Path, master: str, memory: str) -> dict:
    started = time.perf_counter()
    port = free_port()
    engine = SparkEngine(master, memory=memory, conf={"spark.ui.enabled": "true", "spark.ui.port": str(port)})
    session = time.perf_counter() - started
    try:
        sc = engine.spark.sparkContext
        ui, app = sc.uiWebUrl or f"http://localhost:{port}", sc.applicationId
        manifest = run_job(TaggedSpark(engine), lake, out)
        stages = stage_metrics(ui, app)
    finally:
        engine.close()
    return {"wall_seconds": round(time.perf_counter() - started, 2), "session_seconds": round(session, 2),
            "job_seconds": manifest["total_seconds"], "seconds": manifest["seconds"], "rows": manifest["rows"],
            "master": master, "memory": memory, "version": engine.spark.version,
            "stage_totals": {group: stage_totals(s) for group, s in stages.items()}, "stages": stages}


def median_of(runs: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 2)


def summary(result: dict) -> list[str]:
    """The printed table: per table DuckDB and Spark seconds (medians), Spark's stage totals (first run)."""
    duck, spark = result["duckdb"], result["spark"]
    first = spark[0]["stage_totals"]
    mib = 1 << 20
    lines = [f"{'table':<28} {'duckdb s':>9} {'spark s':>8} {'×':>6} {'stages':>6} {'tasks':>5} {'input MiB':>9} "
             f"{'in rows':>11} {'shuf w MiB':>10} {'shuf rows':>10} {'run s':>7} {'check s':>7}"]
    for table in duck[0]["seconds"]:
        d = statistics.median(r["seconds"][table] for r in duck)
        s = statistics.median(r["seconds"][table] for r in spark)
        t = first.get(table, stage_totals([]))
        check = first.get(f"{table}{READ_BACK}", stage_totals([]))
        lines.append(f"{table:<28} {d:>9.2f} {s:>8.2f} {s / max(d, 1e-9):>6.1f} {t['stages']:>6} {t['numTasks']:>5} "
                     f"{t['inputBytes'] / mib:>9.1f} {t['inputRecords']:>11,} {t['shuffleWriteBytes'] / mib:>10.1f} "
                     f"{t['shuffleWriteRecords']:>10,} {t['executorRunTime'] / 1000:>7.1f} {check['executorRunTime'] / 1000:>7.1f}")
    h = result["headline"]
    lines.append(f"wall (median of {len(duck)}): duckdb {h['duckdb_wall_s']:.1f} s, spark {h['spark_wall_s']:.1f} s "
                 f"(session start {h['spark_session_s']:.1f} s), ratio ×{h['ratio']:.1f}; outputs equal: {h['equal']}")
    return lines


def save(path: Path, result: dict, load_start: tuple[float, ...]) -> None:
    """Write the results so far, with the machine and the headline (medians) of the runs done."""
    duck, spark = result["duckdb"], result["spark"]
    result["machine"] = {"cores": os.cpu_count(), "cpu": platform.processor() or platform.machine(),
                         "python": platform.python_version(), "duckdb": duckdb.__version__,
                         "load_avg_start": load_start, "load_avg_end": os.getloadavg()}
    duck_wall, spark_wall = median_of(duck, "wall_seconds"), median_of(spark, "wall_seconds")
    result["headline"] = {"duckdb_wall_s": duck_wall, "spark_wall_s": spark_wall,
                          "spark_session_s": median_of(spark, "session_seconds"),
                          "ratio": round(spark_wall / duck_wall, 2),
                          "equal": result["compared"] == len(spark) and not result["differences"]}
    path.write_text(json.dumps(result, indent=1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--store", type=Path, help="default bench/stores/demo-<rows>-seed42.duckdb")
    parser.add_argument("--lake", type=Path, help="default bench/stores/lake-<rows>")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--memory", default="6g", help="Spark driver memory (local mode: the executor too)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--keep", action="store_true", help="keep the roll-up outputs (bench/stores/rollups-*)")
    args = parser.parse_args()
    store = args.store or STORES / f"demo-{args.rows}-seed42.duckdb"
    lake = args.lake or STORES / f"lake-{args.rows}"
    load_start = os.getloadavg()
    lake_info = ensure_lake(store, lake)
    lake_info.update(lake_files(lake))
    print(f"lake {lake}: {lake_info['rows']:,} rows, {lake_info['partitions']} partitions, {lake_info['files']} files, "
          f"{lake_info['bytes'] / (1 << 20):.1f} MiB ({lake_info['bytes_per_row']} B/row); "
          + ("reused" if lake_info["reused"] else f"exported in {lake_info['export_seconds']:.1f} s"), flush=True)
    args.results.mkdir(parents=True, exist_ok=True)
    path = args.results / f"spark-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{args.rows}.json"
    duck_runs, spark_runs, differences = [], [], []
    result = {"rows": lake_info["requests"], "store": str(store), "lake": lake_info, "repeat": args.repeat,
              "duckdb": duck_runs, "spark": spark_runs, "differences": differences, "compared": 0}
    for i in range(args.repeat):
        outs = {e: STORES / f"rollups-{args.rows}-{e}-{i}" for e in ("duckdb", "spark")}
        for folder in outs.values():
            shutil.rmtree(folder, ignore_errors=True)
        try:
            duck_runs.append(run_duckdb(lake, outs["duckdb"]))
            print(f"run {i + 1}: duckdb {duck_runs[-1]['wall_seconds']:.1f} s", flush=True)
            spark_runs.append(run_spark(lake, outs["spark"], args.master, args.memory))
            print(f"run {i + 1}: spark {spark_runs[-1]['wall_seconds']:.1f} s", flush=True)
            save(path, result, load_start)   # the timings are kept even if the comparison dies
            try:
                differences += compare_outputs(outs["duckdb"], outs["spark"])
            except Exception as exc:   # noqa: BLE001 - the run still fails
                differences.append(f"the comparison failed: {exc!r}")
            result["compared"] += 1
        finally:
            if not args.keep:
                for folder in outs.values():
                    shutil.rmtree(folder, ignore_errors=True)
    save(path, result, load_start)
    print("\n".join(summary(result)))
    for line in differences:
        print(f"DIFFERENCE {line}")
    print(f"results: {path}")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
