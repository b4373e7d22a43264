"""One dialect layer: GridScore's DuckDB metric SQL, checked for the unsafe spellings and transpiled to Spark.

DESIGN §10 (measured with DuckDB 2.0, SQLGlot 30, Spark 4.3): most metric SQL transpiles unchanged;
five spellings change numbers or fail on Spark, some silently. :func:`unsafe_spellings` finds them in
the parsed SQL (so comments and string values never trip it) and :func:`to_spark` refuses SQL that
has any. The one translation SQLGlot does not make the way Spark needs: ``quantile_cont(x, p)``
becomes Spark's exact ``percentile(x, p)`` (same interpolation; the registry rounds percentiles to
9 decimals, :data:`metrics.core.sqldialect.QUANTILE_DIGITS`, which hides the engines' last-bit
differences).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.dialects.spark import Spark


@dataclass(frozen=True)
class Finding:
    rule: str
    sql: str      # the offending fragment, as DuckDB SQL

    def __str__(self) -> str:
        return f"{self.rule}: {self.sql}"


class UnsafeSQL(ValueError):
    """Metric SQL with a spelling that gives other numbers (or fails) on another engine."""

    def __init__(self, findings: list[Finding]):
        super().__init__("unsafe SQL for another engine (DESIGN §10):\n" + "\n".join(f"  - {f}" for f in findings))
        self.findings = findings


RULES = {
    "quantile": "quantile(x, p) is discrete in DuckDB and continuous once transpiled: use quantile_cont",
    "within_group": "percentile_cont(p) WITHIN GROUP becomes an approximate percentile: use quantile_cont(x, p)",
    "epoch_of_interval": "epoch(b - a) is rejected by Spark: use epoch(b) - epoch(a)",
    "decimal_in_aggregate": "a decimal literal inside an aggregate is DECIMAL on Spark: use integers or CAST AS DOUBLE",
    "all_keyword": "GROUP BY ALL / ORDER BY ALL: name the columns",
}


def _aggregate_value_literals(node: exp.AggFunc):
    """Decimal literals of an aggregate's values (a percentile's fraction argument is not a value)."""
    skip = node.args.get("expression") if isinstance(node, (exp.PercentileCont, exp.PercentileDisc)) else None
    for lit in node.find_all(exp.Literal):
        if lit.is_string or (skip is not None and lit is skip):
            continue
        if re.search(r"[.eE]", lit.this):
            yield lit


def unsafe_spellings(sql: str) -> list[Finding]:
    """Every unsafe spelling in ``sql`` (DuckDB dialect), empty when there is none."""
    found: list[Finding] = []
    for tree in sqlglot.parse(sql, read="duckdb"):
        if tree is None:
            continue
        for node in tree.walk():
            if isinstance(node, exp.Quantile):
                found.append(Finding(RULES["quantile"], node.sql("duckdb")))
            elif isinstance(node, exp.WithinGroup):
                found.append(Finding(RULES["within_group"], node.sql("duckdb")))
            elif isinstance(node, exp.TimeToUnix) and isinstance(node.this, (exp.Sub, exp.Add, exp.Interval)):
                found.append(Finding(RULES["epoch_of_interval"], node.sql("duckdb")))
            elif isinstance(node, exp.Group) and node.args.get("all"):
                found.append(Finding(RULES["all_keyword"], "GROUP BY ALL"))
            elif isinstance(node, exp.Ordered) and isinstance(node.this, exp.Var) and node.this.name.upper() == "ALL":
                found.append(Finding(RULES["all_keyword"], "ORDER BY ALL"))
            elif isinstance(node, exp.AggFunc) and not isinstance(node.parent, exp.WithinGroup):
                found += [Finding(RULES["decimal_in_aggregate"], node.sql("duckdb"))
                          for _ in _aggregate_value_literals(node)]
    return found


def _quantile_cont(self: Spark.Generator, node: exp.PercentileCont) -> str:
    """DuckDB's quantile_cont is Spark's exact ``percentile`` (both interpolate between the order
    statistics at (n - 1) p; SQLGlot's PERCENTILE_CONT(x, p) is rejected by Spark)."""
    return self.func("percentile", node.this, node.expression)


class GridScoreSpark(Spark):
    """Spark SQL as SQLGlot writes it, with DuckDB's quantile_cont kept exact."""

    class Generator(Spark.Generator):
        TRANSFORMS = {**Spark.Generator.TRANSFORMS, exp.PercentileCont: _quantile_cont}


def to_spark(sql: str) -> str:
    """``sql`` (DuckDB) as Spark SQL; bound parameters ``$name`` become ``:name`` (spark.sql's args).

    Raises :class:`UnsafeSQL` naming every unsafe spelling; nothing is transpiled around them.
    """
    findings = unsafe_spellings(sql)
    if findings:
        raise UnsafeSQL(findings)
    return ";\n".join(sqlglot.transpile(sql, read="duckdb", write=GridScoreSpark))
