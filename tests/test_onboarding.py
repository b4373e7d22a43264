"""Onboarding from the Data page, below the browser: a file's samples and guessed mapping, the mapping
edited field by field, saved as a preset and read back, and the dry run's accepted / rejected /
unplaced counts against the rows written on purpose."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from metrics.ingest import ImportOptions, import_files
from metrics.ingest.mapping import TARGETS, MappingError, available, load_mapping
from metrics.ingest.onboard import chosen_columns, save_mapping, sniff, with_columns
from metrics.ingest.service import preview
from metrics.present.onboarding import MAIN_FIELDS, dry_run, mapping_table, split_fields
from tests.test_realdata import BOSTON_MAPPING
from tests.ingest_fixtures import build_tiny_store, cell, write_csv, write_hotline_csv

HEADER = ["request_id", "received_at", "category", "kind", "unit_id", "lat", "lon"]


@pytest.fixture
def presets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "presets"
    monkeypatch.setenv("GRIDSCORE_CUSTOM_MAPPINGS", str(folder))
    return folder


def test_sniff_samples_and_guess(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    write_hotline_csv(path, 80, "gbk")
    s = sniff(path, rows=50)
    frame = pd.read_csv(path, encoding="gbk", dtype=str, keep_default_na=False).head(50)
    assert s.fmt == "csv" and s.header == list(frame.columns) and s.mapping.name == "hotline-zh"
    for column in frame.columns:
        values = frame[column].str.strip()
        assert s.samples[column] == list(dict.fromkeys(values[values != ""]))[:3], column
    assert chosen_columns(s.mapping, s.header)["received_at"] == "受理时间"


def test_with_columns_changes_one_field_and_keeps_the_rest() -> None:
    base = load_mapping("gridscore")
    edited = with_columns(base, {"category": "kind", "channel": None})
    assert edited.columns["category"] == ("kind",) and "channel" not in edited.columns
    assert {k: v for k, v in edited.columns.items() if k not in ("category", "channel")} == \
        {k: v for k, v in base.columns.items() if k not in ("category", "channel")}
    with pytest.raises(MappingError, match="received_at: every request needs it"):
        with_columns(base, {"received_at": None})


def test_presets_saved_read_back_and_listed(presets: Path, tmp_path: Path) -> None:
    boston = tmp_path / "boston.toml"   # units and departments created from names, a time zone, constants
    boston.write_text('null_values = ["-", "n/a"]\ntimestamp_formats = ["%Y/%m/%d"]\n' + BOSTON_MAPPING, encoding="utf-8")
    for name in ("gridscore", "hotline-zh", "nyc311", "open311", str(boston)):
        shipped = load_mapping(name)
        name = Path(name).stem
        path = save_mapping(shipped, f"my-{name}")
        assert path.parent == presets and load_mapping(f"my-{name}") == dataclasses.replace(shipped, name=f"my-{name}")
    edited = with_columns(load_mapping("gridscore"), {"category": "kind"})
    save_mapping(edited, "mine")
    assert load_mapping("mine").columns["category"] == ("kind",)
    assert load_mapping("my-boston").unit.create and load_mapping("my-boston").null_values == ("-", "n/a")
    assert available()[-6:] == ["mine", "my-boston", "my-gridscore", "my-hotline-zh", "my-nyc311", "my-open311"]
    with pytest.raises(MappingError, match="shipped preset"):
        save_mapping(edited, "gridscore")
    with pytest.raises(MappingError, match="letters, digits"):
        save_mapping(edited, "../escape")
    assert not (presets.parent / "escape.toml").exists()


def test_mapping_table_lists_main_fields_first() -> None:
    chosen = {t: None for t in TARGETS} | {"request_id": "id", "description": "text"}
    first, rest = split_fields(TARGETS, chosen)
    assert first[: len(MAIN_FIELDS)] == list(MAIN_FIELDS) and first[-1] == "description"
    assert sorted(first + rest) == sorted(TARGETS) and not set(first) & set(rest)
    table = mapping_table(["request_id", "channel"], chosen, {"id": ["A1", "B" * 60]})
    assert table.to_dict("list") == {"field": ["request_id", "channel"], "source_column": ["id", ""],
                                     "samples": ["A1 · " + "B" * 39 + "…", ""]}


def test_dry_run_counts_the_rows_as_written(tmp_path: Path) -> None:
    db = build_tiny_store(tmp_path / "store.duckdb")
    grid = cell(0, 0)
    rows = [
        ["A1", "2026-09-01 08:00", "x", "k", "D0", "", ""],                                 # accepted: named
        ["A2", "2026-09-01 08:00", "x", "k", "", f"{grid['center'][1]}", f"{grid['center'][0]}"],  # accepted: point
        ["R1", "", "x", "k", "D0", "", ""],                                                 # rejected: no time
        ["R2", "not a time", "x", "k", "", "", ""],                                         # rejected
        ["U1", "2026-09-01 08:00", "x", "k", "", "", ""],                                   # unplaced
        ["U2", "2026-09-01 08:00", "x", "k", "NOPE", "", ""],                               # unplaced: unknown unit
    ]
    path = write_csv(tmp_path / "f.csv", HEADER, rows)
    mapping = with_columns(load_mapping("gridscore"), {"category": "kind"})
    result = dry_run(preview(path, db, mapping, rows=200)[1])
    assert (result.rows, result.accepted, result.rejected, result.unplaced) == (6, 2, 2, 2)
    detail = dict(zip(result.detail["request_id"], result.detail["outcome"]))
    assert detail == {"R1": "rejected", "R2": "rejected", "U1": "unplaced", "U2": "unplaced"}
    reasons = dict(zip(result.detail["request_id"], result.detail["reasons"]))
    assert "received_at" in reasons["R1"] and "NOPE" in reasons["U2"]
    # the dry run wrote nothing; the import then keeps exactly the accepted and unplaced rows
    [r] = import_files(db, [path], ImportOptions(mapping=mapping))
    assert (r.read, r.inserted, r.rejected) == (6, 4, 2) and r.placed == {"named": 1, "point": 1, "unplaced": 2}
