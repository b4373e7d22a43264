"""The engines a roll-up job runs on: DuckDB on this machine, Spark anywhere (local mode or a cluster).

Both take the same DuckDB SQL and bound parameters; Spark's is transpiled by
:func:`metrics.scale.dialect.to_spark` (and refused when it has an unsafe spelling).
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import duckdb

from metrics.query.tables import used_params
from metrics.scale.dialect import to_spark
from metrics.store.lake import quote_path
from metrics.store.snapshots import WRITER_MEMORY_MB


class DuckEngine:
    """DuckDB in memory, spilling to a temporary folder beyond ``memory_mb`` (default: a writer's
    share of RAM, :data:`metrics.store.snapshots.WRITER_MEMORY_MB`; DuckDB's own 80 % starved the
    machine on a 50M-row lake)."""

    name = "duckdb"

    def __init__(self, memory_mb: int | None = None, threads: int | None = None) -> None:
        self._spill = tempfile.TemporaryDirectory(prefix="gridscore-duck-")
        self.con = duckdb.connect()
        self.con.execute("SET temp_directory = $d", {"d": self._spill.name})
        self.con.execute(f"SET memory_limit = '{int(memory_mb or WRITER_MEMORY_MB)}MB'")
        self.con.execute("SET enable_progress_bar = false")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")

    def register(self, name: str, files: str) -> None:
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM "
                         f"read_parquet({quote_path(files)}, hive_partitioning = true)")

    def write(self, sql: str, params: dict[str, object], folder: Path) -> int:
        folder.mkdir(parents=True)
        target = folder / "part-0.parquet"
        self.con.execute(f"COPY ({sql}) TO {quote_path(target)} (FORMAT parquet, COMPRESSION zstd)",
                         used_params(sql, params))
        return self.con.execute("SELECT count(*) FROM read_parquet($f)", {"f": str(target)}).fetchone()[0]

    def close(self) -> None:
        self.con.close()
        self._spill.cleanup()


class SparkEngine:
    """A Spark session: ``local[*]`` on this machine, or the cluster at ``master``.

    Timestamps are read and compared in UTC (the store's are zone-less wall-clock times; a session
    in another zone would move every day boundary).
    """

    name = "spark"

    def __init__(self, master: str = "local[*]", memory: str = "4g", conf: dict[str, str] | None = None) -> None:
        from pyspark.sql import SparkSession   # only this engine needs PySpark and Java

        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = (SparkSession.builder.master(master).appName("gridscore-rollup")
                   .config("spark.sql.session.timeZone", "UTC")
                   .config("spark.driver.memory", memory)
                   .config("spark.ui.showConsoleProgress", "false")
                   # a busy machine (or long GC) must not be taken for a lost executor
                   .config("spark.network.timeout", "800s")
                   .config("spark.executor.heartbeatInterval", "60s"))
        for key, value in (conf or {}).items():
            builder = builder.config(key, value)
        self.spark = builder.getOrCreate()
        self.spark.sparkContext.setLogLevel("ERROR")

    def register(self, name: str, files: str) -> None:
        self.spark.read.parquet(files).createOrReplaceTempView(name)

    def sql(self, sql: str, params: dict[str, object]):
        """The Spark DataFrame of the DuckDB ``sql``."""
        return self.spark.sql(to_spark(sql), args=used_params(sql, params))

    def write(self, sql: str, params: dict[str, object], folder: Path) -> int:
        self.sql(sql, params).write.mode("errorifexists").parquet(str(folder))
        return self.spark.read.parquet(str(folder)).count()

    def close(self) -> None:
        self.spark.stop()
