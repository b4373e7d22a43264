"""The same metric SQL through DuckDB and through Spark local mode gives the same numbers (issue 16).

Random data (every boundary on purpose, tests/lake_data.py) and the demo city, each exported as a lake
and built by the roll-up job on both engines: every roll-up table row for row, and every registry
metric for every unit of every level — counts exactly, floats to 1e-9, percentiles exactly. Run by
``make test-spark`` (marker ``spark``: needs PySpark and Java, which the rest of the suite does not).
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from sqlglot import exp

from metrics.core.levels import LEVELS
from metrics.core.periods import parse_month
from metrics.core.registry import METRICS
from metrics.scale import dialect
from metrics.scale.compare import compare_outputs, output_table, rollup_differences, unit_month_differences
from metrics.scale.dialect import UnsafeSQL
from metrics.scale.engines import DuckEngine, SparkEngine
from metrics.scale.job import run_job, unit_month_steps
from metrics.store.lake import export_lake
from metrics.store.rollup import table_columns
from metrics.store.snapshots import open_read
from tests.lake_data import random_store

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark():
    engine = SparkEngine("local[2]", memory="2g", conf={"spark.sql.shuffle.partitions": "4"})
    yield engine
    engine.close()


def lake_of_store(store: Path, lake: Path) -> Path:
    con = open_read(store)
    try:
        export_lake(con, lake)
    finally:
        con.close()
    return lake


@pytest.fixture(scope="module")
def random_lake(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("random")
    store = random_store(base / "store.duckdb", seed=11, n=6000)
    return store, lake_of_store(store, base / "lake")


@pytest.fixture(scope="module")
def demo_lake(demo_store, tmp_path_factory) -> tuple[Path, Path]:
    return demo_store, lake_of_store(demo_store, tmp_path_factory.mktemp("demo") / "lake")


def both(lake: Path, base: Path, spark: SparkEngine, month: str) -> tuple[Path, Path]:
    duck = DuckEngine()
    try:
        run_job(duck, lake, base / "duckdb", month=month)
    finally:
        duck.close()
    run_job(spark, lake, base / "spark", month=month)
    return base / "duckdb", base / "spark"


@pytest.mark.parametrize("dataset, month", [("random", "2026-10"), ("demo", "2026-10")])
def test_spark_gives_the_numbers_duckdb_gives(dataset, month, request, spark, tmp_path):
    store, lake = request.getfixturevalue(f"{dataset}_lake")
    duck_out, spark_out = both(lake, tmp_path, spark, month)
    assert compare_outputs(duck_out, spark_out) == []
    con = duckdb.connect()
    con.execute(f"ATTACH '{store}' AS s (READ_ONLY)")
    for table in table_columns():   # and both equal the store's own roll-ups
        assert rollup_differences(con, f"s.{table}", output_table(con, spark_out, table), table) == []
    units = con.execute(f"SELECT * FROM {output_table(con, spark_out, 'unit_month')}").df()
    assert {m.id for m in METRICS} <= set(units.columns)
    assert set(units["level"]) == set(LEVELS)
    for m in METRICS:   # every metric has values to compare, not only NULLs
        assert units[m.id].notna().any(), m.id
    assert units.loc[units["level"] == "city", "requests"].item() > 0


def _unit_month(engine, lake: Path, out: Path, level: str):
    """One level's unit table for 2026-10 on ``engine``, as a frame."""
    engine.register("requests", str(lake / "requests" / "*" / "*.parquet"))
    for table in ("units", "unit_ancestors"):
        engine.register(table, str(lake / f"{table}.parquet"))
    step = next(s for s in unit_month_steps(parse_month("2026-10")) if s.table.endswith(f"={level}"))
    engine.write(step.sql, step.params, out)
    return duckdb.connect().execute(f"SELECT * FROM read_parquet('{out}/*.parquet')").df().assign(level=level)


@pytest.mark.parametrize("broken", ["approximate percentile", "on time means strictly before"])
def test_a_formula_broken_in_the_spark_path_only_is_caught(broken, random_lake, spark, tmp_path, monkeypatch):
    """The parity check is not blind: one formula changed in Spark's dialect only makes it fail."""
    _, lake = random_lake
    duck = DuckEngine()
    try:
        want = _unit_month(duck, lake, tmp_path / "duck", "street")
    finally:
        duck.close()
    transforms = dict(dialect.GridScoreSpark.Generator.TRANSFORMS)
    if broken == "approximate percentile":
        transforms[exp.PercentileCont] = lambda self, e: self.func("percentile_approx", e.this, e.expression)
    else:
        transforms[exp.LTE] = lambda self, e: self.binary(e, "<")
    generator = type("Generator", (dialect.GridScoreSpark.Generator,), {"TRANSFORMS": transforms})
    name = "BrokenSpark" + "".join(w.title() for w in broken.split())
    monkeypatch.setattr(dialect, "GridScoreSpark", type(name, (dialect.GridScoreSpark,), {"Generator": generator}))
    got = _unit_month(spark, lake, tmp_path / "spark", "street")
    differences = unit_month_differences(want, got)
    broken_columns = ("response_hours_p50" if broken == "approximate percentile" else "on_time_close_rate")
    assert any(f".{broken_columns}:" in d for d in differences), differences


def test_an_unsafe_spelling_never_reaches_spark(random_lake, spark, tmp_path):
    _, lake = random_lake
    spark.register("requests", str(lake / "requests" / "*" / "*.parquet"))
    sql = ("SELECT r.unit_id, quantile(epoch(r.closed_at) - epoch(r.received_at), 0.5) AS p50"
           " FROM requests r GROUP BY r.unit_id")
    assert duckdb.connect().execute(sql.replace("requests r", f"read_parquet('{lake}/requests/*/*.parquet') r")).df().size
    with pytest.raises(UnsafeSQL, match="quantile"):
        spark.write(sql, {}, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
