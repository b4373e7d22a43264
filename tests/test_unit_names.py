"""English unit names: the demo's romanisation rules, and the Chinese fallback when a store has none."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics.core.access import DEMO_VIEWER
from metrics.demo import hierarchy
from metrics.demo.romanize import english_name
from metrics.core.filters import Filters
from metrics.present.common import unit_catalog
from metrics.present.pages import alert_list
from metrics.core.periods import parse_period
from metrics.query.tables import unit_table
from tests.conftest import ROOT

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("zh, en", [
    ("江南区", "Jiangnan District"),
    ("滨江新区", "Binjiang New District"),
    ("建设街道", "Jianshe Subdistrict"),
    ("朝阳街道", "Chaoyang Subdistrict"),          # place-name reading, not pypinyin's "zhaoyang"
    ("科技城街道", "Kejicheng Subdistrict"),
    ("青山镇", "Qingshan Town"),
    ("梅岭乡", "Meiling Township"),
    ("幸福里社区", "Xingfuli Community"),
    ("永安园社区", "Yong'anyuan Community"),        # apostrophe before a syllable starting with a/o/e
    ("绿洲新村社区", "Lyuzhouxincun Community"),    # ü as "yu": plain ASCII
    ("王家村", "Wangjia Village"),
    ("大槐树村", "Dahuaishu Village"),
    ("第3网格", "Grid 3"),
    ("第12网格", "Grid 12"),
    ("江州", "Jiangzhou"),                          # no known suffix: all pinyin
])
def test_english_name(zh: str, en: str) -> None:
    assert english_name(zh) == en


@pytest.mark.parametrize("seed", [1, 2, 8])
def test_homophones_are_not_drawn_into_one_parent(seed: int) -> None:
    """These seeds once drew 晨曦园 / 晨曦苑-like pairs into one street: same English name."""
    geo = np.random.SeedSequence(seed).spawn(3)[0]
    units = hierarchy.build_city(np.random.Generator(np.random.PCG64(geo))).units
    assert not units.duplicated(["parent_id", "name_en"]).any()


def _null_english(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE units SET name_en = NULL")
    return path


def _overview_tables(db: Path, monkeypatch: pytest.MonkeyPatch, level: str | None = None) -> list[pd.DataFrame]:
    """The English overview's best and worst tables (over a year, so small units have ranked samples)."""
    monkeypatch.setenv("GRIDSCORE_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.query_params["lang"] = "en"
    at.query_params["period"] = "2026"
    if level:
        at.query_params["level"] = level
    at.run()
    assert not at.exception
    tables = [d.value for d in at.dataframe if "name_en" in d.value.columns]
    assert len(tables) == 2
    return tables


@pytest.mark.parametrize("level", [None, "community"])
def test_english_overview_ranking_has_no_chinese(demo_store: Path, monkeypatch: pytest.MonkeyPatch,
                                                 level: str | None) -> None:
    for table in _overview_tables(demo_store, monkeypatch, level):
        names = table["name_en"]
        assert names.str.len().gt(0).all() and not names.str.contains(HAN).any(), names.tolist()


def test_missing_english_names_fall_back_to_chinese(demo_store_copy: Path) -> None:
    db = _null_english(demo_store_copy)
    period = parse_period("2026-10")
    with duckdb.connect(str(db), read_only=True) as con:
        table = unit_table(con, DEMO_VIEWER, "street", period, metric_ids=("requests",), basic_credit=0.9)
        catalog = unit_catalog(con, DEMO_VIEWER)
        found = alert_list(con, DEMO_VIEWER, "grid", period, Filters(), dt.datetime(2026, 10, 31))
    assert len(table) > 0 and (table["name_en"] == table["unit_name"]).all()
    assert (catalog["name_en"] == catalog["name"]).all()
    assert found and all(a.name_en == a.name_zh and a.name_en for a in found)


def test_english_overview_shows_chinese_when_a_store_has_no_english(
        demo_store_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for table in _overview_tables(_null_english(demo_store_copy), monkeypatch):
        names = table["name_en"]
        assert names.notna().all() and names.str.contains(HAN).all(), names.tolist()
