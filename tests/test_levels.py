"""The unit levels are written once (metrics/core/levels.py); the store's CHECK must list the same."""
from __future__ import annotations

import re

import duckdb
import pytest

from metrics.core.levels import LEVELS, TERRITORIAL, child_level
from metrics.core.sqlfiles import read_sql


def test_schema_check_lists_exactly_the_levels():
    found = re.search(r"level\s+TEXT NOT NULL CHECK \(level IN \(([^)]*)\)\)", read_sql("schema"))
    assert found, "the units table's level CHECK is not where this test looks for it"
    assert tuple(v.strip().strip("'") for v in found.group(1).split(",")) == LEVELS


@pytest.mark.parametrize("level", LEVELS)
def test_the_store_accepts_every_level_and_nothing_else(level):
    con = duckdb.connect()
    con.execute(read_sql("schema"))
    con.execute("INSERT INTO units (unit_id, name, level) VALUES ('u', 'u', $level)", {"level": level})
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO units (unit_id, name, level) VALUES ('v', 'v', $level)", {"level": level + "x"})


def test_child_level_walks_the_territorial_tree():
    assert [child_level(lv) for lv in TERRITORIAL] == [*TERRITORIAL[1:], None]
    assert child_level("department") is None
