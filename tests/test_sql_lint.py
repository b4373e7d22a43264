"""The lint of the five spellings that change numbers on another engine (DESIGN §10), and metrics' SQL passing it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from metrics.core.filters import Filters
from metrics.core.levels import LEVELS
from metrics.core.periods import parse_month
from metrics.query.build import build_aggregate_sql, level_grouping
from metrics.core.registry import METRICS
from metrics.scale.dialect import RULES, UnsafeSQL, to_spark, unsafe_spellings
from metrics.scale.job import rollup_steps, unit_month_steps
from metrics.store.rollup_catalog import CATALOG

ROOT = Path(__file__).resolve().parents[1]
SQL_FILES = sorted((ROOT / "metrics").glob("*/sql/*.sql"))

UNSAFE = {
    "quantile": ["SELECT quantile(x, 0.5) FROM t", "SELECT QUANTILE (r.h, 0.9) FROM requests r GROUP BY r.u"],
    "within_group": ["SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM t",
                     "SELECT percentile_disc(0.9) WITHIN GROUP (ORDER BY x DESC) FROM t"],
    "epoch_of_interval": ["SELECT epoch(b - a) FROM t", "SELECT epoch(r.closed_at - r.received_at) / 3600 FROM requests r",
                          "SELECT epoch(INTERVAL 3 HOUR) FROM t"],
    "decimal_in_aggregate": ["SELECT avg(CASE WHEN c THEN 1.0 ELSE 0.0 END) FROM t", "SELECT sum(x * 0.9) FROM t",
                             "SELECT count(*) FILTER (WHERE x > 0.5), max(2.5e1 + x) FROM t"],
    "all_keyword": ["SELECT a, count(*) FROM t GROUP BY ALL", "SELECT a FROM t ORDER BY ALL"],
}
SAFE = [
    "SELECT quantile_cont(x, 0.5), quantile_cont(x, 0.9) FROM t",                 # the fraction is no value
    "SELECT epoch(b) - epoch(a) FROM t",
    "SELECT sum(CASE WHEN c THEN 1 ELSE 0 END), CAST($credit AS DOUBLE) * sum(x) FROM t",
    "SELECT a, count(*) FROM t GROUP BY a ORDER BY a",
    "SELECT 'quantile(x, 0.5) GROUP BY ALL' AS text, 0.5 * a FROM t -- epoch(b - a)",   # strings, comments, no aggregate
    "SELECT round(quantile_cont(x, 0.9), 9) FROM t",
]


@pytest.mark.parametrize("rule, sql", [(rule, sql) for rule, sqls in UNSAFE.items() for sql in sqls])
def test_each_unsafe_spelling_is_found_and_refused(rule, sql):
    found = unsafe_spellings(sql)
    assert [f.rule for f in found] == [RULES[rule]] * len(found) and found, found
    with pytest.raises(UnsafeSQL, match=re.escape(RULES[rule].split(":")[0])):
        to_spark(sql)


@pytest.mark.parametrize("sql", SAFE)
def test_safe_spellings_pass(sql):
    assert unsafe_spellings(sql) == []
    to_spark(sql)


def test_quantile_cont_becomes_sparks_exact_percentile():
    spark = to_spark("SELECT round(quantile_cont(r.h, 0.9), 9) AS p90 FROM requests r WHERE r.d < $end")
    assert "PERCENTILE(r.h, 0.9)" in spark and ":end" in spark
    assert "APPROX" not in spark.upper()


def _as_sql(template: str) -> str:
    """A static SQL file with its code placeholders filled by a plain identifier (joins left out)."""
    return re.sub(r"\{[a-z_]+\}", "x", re.sub(r"\{(join|extra)\}", "", template))


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_static_sql_file_is_portable(path):
    assert unsafe_spellings(_as_sql(path.read_text(encoding="utf-8"))) == []


def generated_sql() -> list[tuple[str, str]]:
    """The SQL built from the registry: the roll-up job's, and the unit tables on every source."""
    out = [(s.table, s.sql) for s in rollup_steps() + unit_month_steps(parse_month("2026-10"))]
    for level in LEVELS:
        for table in (None, *(t.name for t in CATALOG)):
            out.append((f"{level}/{table}", build_aggregate_sql(METRICS, level_grouping(level), Filters(
                categories=("供暖",), unit_id="S1"), rollup=table)))
    return out


@pytest.mark.parametrize("name, sql", generated_sql(), ids=[n for n, _ in generated_sql()])
def test_generated_metric_sql_is_portable_and_transpiles(name, sql):
    assert unsafe_spellings(sql) == []
    spark = re.sub(r"/\*.*?\*/", "", to_spark(sql), flags=re.S)   # comments kept from the SQL files
    assert "$" not in spark


def test_the_lint_sees_a_spelling_slipped_into_a_metric(monkeypatch):
    """A registry duration written the unsafe way is refused before any engine runs it."""
    from metrics.core import registry

    broken = registry.BY_ID["close_hours_p50"].duration.replace(
        "((epoch(r.closed_at) - epoch(r.received_at)) / 3600)", "(epoch(r.closed_at - r.received_at) / 3600)")
    assert broken != registry.BY_ID["close_hours_p50"].duration
    assert [f.rule for f in unsafe_spellings(f"SELECT sum(CASE WHEN {broken} > 1 THEN 1 ELSE 0 END) FROM requests r")] \
        == [RULES["epoch_of_interval"]]
