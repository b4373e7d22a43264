"""The Data page renders in both languages, with and without a store, and lists imports."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics.ingest import import_files
from tests.ingest_fixtures import build_tiny_store, write_hotline_csv

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "data.py")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_data_page_renders_with_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    db = build_tiny_store(tmp_path / "store.duckdb")
    write_hotline_csv(tmp_path / "a.csv", 50, "gbk")
    import_files(db, [tmp_path / "a.csv"])
    monkeypatch.setenv("GRIDSCORE_DB", str(db))
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception
    assert at.title[0].value == ("数据管理" if lang == "zh" else "Data")
    history = at.dataframe[-1].value   # the history comes last, after the quality panel
    assert history["rows_read"].tolist() == [50]
    coverage = at.dataframe[0].value   # the quality panel's coverage table, all imports
    assert coverage.set_index("field")["rows_read"].eq(50).all() and "request_id" in set(coverage["field"])


def test_data_page_without_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDSCORE_DB", str(tmp_path / "missing.duckdb"))
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert not at.exception and at.info


def test_preview_and_rejects_csv_for_the_page(tmp_path: Path) -> None:
    from metrics.ingest.service import preview, rejects_csv

    db = build_tiny_store(tmp_path / "store.duckdb")
    path = tmp_path / "a.csv"
    write_hotline_csv(path, 30, "utf-8")
    with open(path, "a", encoding="utf-8") as f:
        f.write("X1,not a time,,,,,,,,,,,,,,,,\n")
    name, frame = preview(path, db, rows=100)
    assert name == "hotline-zh" and len(frame) == 31 and "received_at" in frame["reasons"].iloc[-1]
    [r] = import_files(db, [path])
    text = rejects_csv(db, r.import_id, "a.csv").decode("utf-8-sig")
    assert text.splitlines()[0].startswith("file,row,reasons,工单编号") and "X1" in text


def test_preview_shows_only_the_first_rows_of_a_large_csv(tmp_path: Path) -> None:
    from metrics.ingest.service import preview

    path = tmp_path / "big.csv"
    lines = ["request_id,received_at", *(f"P{i},2026-10-01 08:00" for i in range(20_000))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, frame = preview(path, None, "gridscore", rows=20)
    assert len(frame) == 20
    assert list(frame["request_id"])[:2] == ["P0", "P1"]


def test_quality_panel_shows_the_store_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import duckdb

    from metrics.query.quality import ALL, quality

    db = build_tiny_store(tmp_path / "store.duckdb")
    path = tmp_path / "a.csv"
    write_hotline_csv(path, 40, "utf-8")
    with open(path, "a", encoding="utf-8") as f:
        f.write("X1,not a time,,,,,,,,,,,,,,,,\nX2,NA,,,,,,,,,,,,,,,,\n")
    [r] = import_files(db, [path])
    con = duckdb.connect(str(db), read_only=True)
    q = quality(con)
    con.close()
    monkeypatch.setenv("GRIDSCORE_DB", str(db))
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    timing, dups = q.for_import(ALL).timing.iloc[0], q.for_import(ALL).duplicates.iloc[0]
    assert metrics == {"Closed before received": f"{timing['closed_before_received']:,}",
                       "Contact before received": f"{timing['contact_before_received']:,}",
                       "Times in the future": f"{timing['future']:,}", "Over a year": f"{timing['over_a_year']:,}",
                       "Ids already stored": f"{dups['repeated_ids']:,}",
                       "Probable duplicates": f"{dups['probable_duplicates']:,}"}
    rejects = [d.value for d in at.dataframe if "reason" in d.value.columns][0]
    want = q.for_import(ALL).rejects.drop(columns="import_id")
    assert rejects.to_dict("list") == want.to_dict("list") and len(want) >= 2 and r.rejected == 2
    assert "source_column" not in at.dataframe[0].value.columns
    # one import's scope: its coverage names the source columns
    at.selectbox(key="quality.scope").set_value(r.import_id).run()
    coverage = at.dataframe[0].value.set_index("field")
    assert coverage.loc["received_at", "source_column"] == "受理时间" and (coverage["rows_read"] == 42).all()
