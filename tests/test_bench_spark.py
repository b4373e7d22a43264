"""bench/bench_spark.py's bookkeeping, without Spark: the lake reused or exported, its sizes, and the
attribution of Spark's stages to tables from the UI's REST answers (served here by a stub).

No timing is asserted (speed figures live in the benchmark's results only).
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from bench.bench_spark import ensure_lake, lake_files, stage_metrics, stage_totals, table_of
from metrics.store.lake import LakeError, read_manifest
from tests import fixtures_requests as fx


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("store") / "s.duckdb"
    fx.build_store(path=str(path)).close()
    return path


def test_the_lake_is_exported_once_then_reused(store, tmp_path):
    lake = tmp_path / "lake"
    first = ensure_lake(store, lake)
    assert first["reused"] is False and first["export_seconds"] >= 0
    assert first["requests"] == read_manifest(lake)["requests"] == len(fx.requests_frame())
    again = ensure_lake(store, lake)
    assert again["reused"] is True and again["export_seconds"] is None


def test_a_lake_of_another_store_is_refused_not_overwritten(store, tmp_path):
    lake = tmp_path / "lake"
    ensure_lake(store, lake)
    manifest = json.loads((lake / "lake.json").read_text())
    (lake / "lake.json").write_text(json.dumps({**manifest, "requests": manifest["requests"] + 1}))
    with pytest.raises(LakeError, match="delete it first"):
        ensure_lake(store, lake)
    assert (lake / "requests").is_dir()


def test_lake_sizes_count_rows_once_per_file(store, tmp_path):
    lake = tmp_path / "lake"
    ensure_lake(store, lake)
    sizes = lake_files(lake)
    files = sorted((lake / "requests").glob("*/*.parquet"))
    assert sizes["rows"] == len(fx.requests_frame())
    assert sizes["partitions"] == len(read_manifest(lake)["months"]) == len(sizes["months"])
    assert sizes["files"] == len(files) and sizes["bytes"] == sum(f.stat().st_size for f in files)
    assert sizes["bytes_per_row"] == pytest.approx(sizes["bytes"] / sizes["rows"], abs=0.01)
    assert sum(m["rows"] for m in sizes["months"].values()) == sizes["rows"]


def test_table_of_names_the_unit_month_levels():
    assert table_of(Path("/x/.out.tmp/rollup_daily")) == "rollup_daily"
    assert table_of(Path("/x/.out.tmp/unit_month/level=street")) == "unit_month/level=street"


def stage(sid: int, status: str = "COMPLETE", **metrics) -> dict:
    return {"stageId": sid, "status": status, "name": f"parquet at NativeMethodAccessorImpl.java:{sid}",
            "numTasks": 2, **metrics}


JOBS = [  # newest first, as Spark lists them; job 2 reuses stage 1's shuffle (stage 1 skipped there)
    {"jobId": 2, "name": "parquet at x:0", "status": "SUCCEEDED", "jobGroup": "rollup_hist", "stageIds": [1, 3]},
    {"jobId": 1, "name": "parquet at x:0", "status": "SUCCEEDED", "jobGroup": "rollup_daily", "stageIds": [1, 2]},
    {"jobId": 0, "name": "parquet at x:0", "status": "SUCCEEDED", "jobGroup": "register", "stageIds": [0]},
]
STAGES = [stage(0, inputBytes=10), stage(1, inputBytes=1000, shuffleWriteBytes=300),
          stage(2, shuffleReadBytes=300), stage(3, shuffleReadBytes=300, executorRunTime=7),
          stage(4, status="SKIPPED", inputBytes=99)]


@pytest.fixture()
def ui():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = {"/api/v1/applications/app-1/jobs": JOBS,
                    "/api/v1/applications/app-1/stages": STAGES}.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(json.dumps(body).encode())

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_stages_go_to_the_job_group_that_ran_them_once(ui):
    groups = stage_metrics(ui, "app-1")
    assert {g: [s["stage"] for s in stages] for g, stages in groups.items()} == {
        "register": [0], "rollup_daily": [1, 2], "rollup_hist": [3]}
    daily = stage_totals(groups["rollup_daily"])
    assert daily["stages"] == 2 and daily["numTasks"] == 4
    assert daily["inputBytes"] == 1000 and daily["shuffleWriteBytes"] == 300 and daily["shuffleReadBytes"] == 300
    assert stage_totals(groups["rollup_hist"])["executorRunTime"] == 7
    assert groups["rollup_daily"][0]["name"] == "parquet"
